package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"tradeguard/graph/model"
	"tradeguard/tenants"
)

// allow implements @allow(roles, scope): the API's refusal of a field to the wrong role or to a partner token
// without the scope. Row-level security would refuse the rows anyway; this makes the refusal explicit.
func allow(ctx context.Context, _ any, next graphql.Resolver, roles []tenants.Role, scope *model.APIScope) (any, error) {
	p := tenants.PrincipalFrom(ctx)
	if p.Is(tenants.RoleAnonymous) {
		return nil, errUnauthenticated
	}
	if !p.Is(roles...) {
		return nil, tenants.ErrForbidden
	}
	if scope != nil && !p.Allows(toScope(*scope)) {
		return nil, tenants.ErrForbidden
	}
	return next(ctx)
}
