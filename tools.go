//go:build tools

// Pins the code generators' versions in go.mod so `go generate` reproduces the generated code exactly.
package tools

import _ "github.com/99designs/gqlgen"
