// Package attackdocs generates the hostile GraphQL documents the request limits are tested with (issue #9):
// fragment fan-outs whose expansion doubles per level, chains of spreads, deep inline fragments, many
// operations. Each generator takes the schema's names, so the unit tests of graph/limits (a small schema) and
// the HTTP tests of server (the product's schema) send the same shapes.
package attackdocs

import (
	"fmt"
	"strings"
)

// FanOut is n fragments on typ, each spreading the next one twice, the last selecting leaf; wrap is the
// operation, with %s where the first spread goes (e.g. "{ t { %s } }").
func FanOut(n int, wrap, typ, leaf string) string {
	var b strings.Builder
	fmt.Fprintf(&b, wrap+"\n", "...F0")
	for i := range n {
		fmt.Fprintf(&b, "fragment F%d on %s { ...F%d ...F%d }\n", i, typ, i+1, i+1)
	}
	fmt.Fprintf(&b, "fragment F%d on %s { %s }\n", n, typ, leaf)
	return b.String()
}

// Chain is n fragments on typ, each spreading the next once inside step (with %s where the spread goes,
// e.g. "t { %s }" to nest through a field, "... on T { %s }" through inline fragments only).
func Chain(n int, wrap, typ, step, leaf string) string {
	var b strings.Builder
	fmt.Fprintf(&b, wrap+"\n", "...F0")
	for i := range n {
		fmt.Fprintf(&b, "fragment F%d on %s { %s }\n", i, typ, fmt.Sprintf(step, fmt.Sprintf("...F%d", i+1)))
	}
	fmt.Fprintf(&b, "fragment F%d on %s { %s }\n", n, typ, leaf)
	return b.String()
}

// Inline is leaf inside n nested inline fragments, in wrap.
func Inline(n int, wrap, leaf string) string {
	return fmt.Sprintf(wrap, strings.Repeat("... { ", n)+leaf+strings.Repeat(" }", n))
}

// Ops is n named operations, each with selection set body.
func Ops(n int, body string) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "query Q%d %s ", i, body)
	}
	return b.String()
}

// NestedList is a JSON value: leaf inside n lists, one in another.
func NestedList(n int, leaf any) any {
	v := leaf
	for range n {
		v = []any{v}
	}
	return v
}

// List is a JSON list of n copies of item.
func List(n int, item any) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = item
	}
	return out
}
