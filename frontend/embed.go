// Package frontend holds the merchant/admin portal. dist/ is what the server serves; it is committed so the
// server builds without Node.js.
package frontend

import (
	"embed"
	"io/fs"
)

//go:embed dist
var dist embed.FS

// Dist is the built portal, rooted at its index.html.
func Dist() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err)
	}
	return sub
}
