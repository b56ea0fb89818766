package main

import (
	"net/http"
	"runtime"
	"strings"
	"testing"

	"tradeguard/internal/attackdocs"
)

// The generated attacks of issue #9 over real HTTP, anonymous or as a buyer: each is refused with its code,
// before any SQL runs (limRefused), and the server allocates at most a bound linear in the request while
// answering it (a fan-out 64 levels deep would, expanded, be 2^64 selections).

// The attacks of the issue on the product's schema.
func advFanOut(n int) string { return attackdocs.FanOut(n, "{ %s }", "Query", "viewer { id }") }

// advChain nests only through spreads (inside inline fragments).
func advChain(n int) string {
	return attackdocs.Chain(n, "{ viewer { %s } }", "Viewer", "... on Viewer { %s }", "id")
}
func advInline(n int) string { return attackdocs.Inline(n, "{ viewer { %s } }", "id") }
func advOps(n int) string    { return attackdocs.Ops(n, "{ viewer { id } }") }

func advNested(n int) any { return attackdocs.NestedList(n, "PAID") }
func advList(n int) []any { return attackdocs.List(n, "PAID") }

func TestAdversarialDocuments(t *testing.T) {
	h := setup(t)
	super := limSuper(t, h)
	buyer := h.login(t, buyer1)
	const statusVar = `query($s: [OrderStatus!]) { orders(first: 1, filter: {status: $s}) { totalCount } }`
	cases := []struct {
		name, token, query string
		vars               map[string]any
		code               string
		// maxAlloc bounds the bytes the whole test process (client and server, under -race, with whatever
		// else runs) allocates meanwhile: a small multiple of the request's size, where an expansion would be
		// exponential in it
		maxAlloc int
	}{
		{"fan-out 2 levels, allowed shape", "", advFanOut(2), nil, "", 0},
		{"fan-out 24 levels", "", advFanOut(24), nil, "QUERY_TOO_LARGE", 16 << 20},
		{"fan-out 64 levels", "", advFanOut(64), nil, "NESTED_TOO_DEEP", 16 << 20},
		{"fragment chain 100 deep", "", advChain(100), nil, "NESTED_TOO_DEEP", 16 << 20},
		{"inline fragments 1000 deep", "", advInline(1000), nil, "NESTED_TOO_DEEP", 16 << 20},
		{"10,000 directives on one field", "", "{ viewer { id" + strings.Repeat(" @skip(if: false)", 10000) + " } }", nil, "GRAPHQL_PARSE_FAILED", 16 << 20},
		{"5 directives on one field", "", "{ viewer { id" + strings.Repeat(" @skip(if: false)", 5) + " } }", nil, "TOO_MANY_DIRECTIVES", 16 << 20},
		{"21 operations", "", advOps(21), nil, "TOO_MANY_OPERATIONS", 16 << 20},
		{"a 1 MB string variable", "", `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": strings.Repeat("x", 1_000_000)}, "BAD_USER_INPUT", 64 << 20},
		{"a variable nested 9,000 deep", buyer, statusVar, map[string]any{"s": advNested(9000)}, "INPUT_TOO_LARGE", 32 << 20},
		{"a 100,000-element list variable", buyer, statusVar, map[string]any{"s": advList(100_000)}, "INPUT_TOO_LARGE", 64 << 20},
	}
	// Past encoding/json's own depth (10,000) the body is not read as JSON at all: a 400, nothing run.
	deep := limRefused(t, h, super, buyer, statusVar, map[string]any{"s": advNested(10_001)}, "")
	if deep.Status != 400 {
		t.Errorf("a variable nested 10,001 deep: HTTP %d %q, want 400", deep.Status, deep.Errors[0].Message)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.code == "" {
				// the smallest fan-out is a valid document: the attack's shape is refused for its size only
				ok(t, h.post(t, c.token, c.query, c.vars))
				return
			}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			limRefused(t, h, super, c.token, c.query, c.vars, c.code)
			runtime.ReadMemStats(&after)
			got := after.TotalAlloc - before.TotalAlloc
			t.Logf("allocated %.1f MB", float64(got)/(1<<20))
			if got > uint64(c.maxAlloc) {
				t.Errorf("answering allocated %d MB, want at most %d MB", got>>20, c.maxAlloc>>20)
			}
		})
	}
}

// A POST body that is not one GraphQL request is refused with 400 BAD_REQUEST and a short message that
// echoes nothing of the body.
func TestMalformedRequestBodies(t *testing.T) {
	h := setup(t)
	marker := strings.Repeat("Z", 2000)
	for _, body := range []string{
		`not json ` + marker,
		`[{"query": "{ viewer { id } }"}, {"query": "{ viewer { id } }", "x": "` + marker + `"}]`,
		`{"query": 5, "x": "` + marker + `"}`,
		`{"query": "{ viewer { id } }", "variables": "` + marker + `"}`,
		`{"query": "{ viewer { id } }", "operationName": ["` + marker + `"]}`,
		`"` + marker + `"`,
		`null`,
	} {
		req, err := http.NewRequest(http.MethodPost, h.URL+"/graphql", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		status, _, raw, err := tokRaw(t, req)
		if err != nil {
			t.Fatal(err)
		}
		if status != http.StatusBadRequest || !strings.Contains(string(raw), `"BAD_REQUEST"`) || strings.Contains(string(raw), "ZZZZ") || len(raw) > 500 {
			t.Errorf("body %.40q: status %d, %d bytes %.200s; want a short 400 BAD_REQUEST", body, status, len(raw), raw)
		}
	}
}
