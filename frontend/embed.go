// Package frontend holds the portal and GraphiQL (a Vite project: index.html, graphiql/, src/, public/).
// `npm run build` writes them to dist/app/, which is not committed; the server embeds whatever is there when
// it is compiled (scripts/deps.sh builds it first for `make run` and `make test`).
package frontend

import (
	"embed"
	"io/fs"
)

// all: keeps files whose names start with "_" or ".", which Rollup may give to chunks. dist/README.md is
// committed so the pattern matches on a fresh clone with nothing built.
//
//go:embed all:dist
var dist embed.FS

// Build is the built portal rooted at its index.html (GraphiQL at graphiql/index.html), and whether there is
// one: false when the server was compiled before `npm run build`.
func Build() (fs.FS, bool) {
	app, err := fs.Sub(dist, "dist/app")
	if err != nil {
		panic(err) // a constant, valid path
	}
	_, err = fs.Stat(app, "index.html")
	return app, err == nil
}
