// Package graph is the GraphQL adapter: gqlgen's generated executor, thin resolvers that translate to the
// domain packages, per-request loaders, the @allow directive, request limits and the error presenter.
package graph

//go:generate go run -C .. github.com/99designs/gqlgen generate --config gqlgen.yml
