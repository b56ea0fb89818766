package main

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"tradeguard/internal/testdb"
)

// FuzzGraphQL sends documents and variables to the real server, as an anonymous caller, a buyer, a
// merchant or an admin: whatever arrives, the answer is JSON, never a 5xx or INTERNAL, and never slower than
// the server's deadline. The seeds are a request for every field with arguments in the schema (the probe's
// good values) and the generated attacks; `go test` runs them, `make fuzz` explores from them.
func FuzzGraphQL(f *testing.F) {
	for _, s := range fuzzAttackSeeds() {
		f.Add(uint8(0), s.query, s.vars)
	}
	fz := fuzzTarget(f)
	for _, s := range fz.schemaSeeds {
		f.Add(s.role, s.query, s.vars)
	}
	deadline := defaultServeLimits().RequestTimeout
	f.Fuzz(func(t *testing.T, role uint8, query, vars string) {
		if vars == "" {
			vars = "null"
		}
		body := `{"query":` + quote(query) + `,"variables":` + vars + `}`
		req, _ := http.NewRequest(http.MethodPost, fz.h.URL+"/graphql", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if tok := fz.tokens[int(role)%len(fz.tokens)]; tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		start := time.Now()
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("request failed: %v", err)
		}
		raw, _ := io.ReadAll(res.Body)
		res.Body.Close()
		took := time.Since(start)
		// A little room past the deadline for writing the refusal itself.
		if took > deadline+2*time.Second {
			t.Errorf("answered after %v, past the %v deadline", took, deadline)
		}
		var out struct {
			Errors []struct {
				Message    string
				Extensions map[string]any
			}
		}
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatalf("HTTP %d, not JSON: %.300s", res.StatusCode, raw)
		}
		if res.StatusCode >= 500 {
			t.Fatalf("HTTP %d: %.300s", res.StatusCode, raw)
		}
		for _, e := range out.Errors {
			if c, _ := e.Extensions["code"].(string); c == "INTERNAL" || c == "" {
				t.Fatalf("error with code %q (HTTP %d): %.300s", c, res.StatusCode, raw)
			}
		}
	})
}

type fuzzSeed struct {
	role  uint8
	query string
	vars  string
}

// fuzzServer is the fuzz target's own server and database (mutations among the seeds change its data, so
// it is not the package's shared one), with a token per role: 0 anonymous, 1 buyer, 2 merchant, 3 admin.
type fuzzServer struct {
	h           *harness
	tokens      []string
	schemaSeeds []fuzzSeed
}

var (
	fuzzOnce sync.Once
	fuzzSrv  *fuzzServer
)

func fuzzTarget(f *testing.F) *fuzzServer {
	fuzzOnce.Do(func() {
		super, owner, app := testdb.Another(&keepAlive{f}, "fuzz")
		h := startHarness(f, owner, app, super)
		p := newProber(f, h, super)
		fz := &fuzzServer{h: h, tokens: []string{"", p.callers["BUYER"].token, p.callers["MERCHANT"].token, p.callers["ADMIN"].token}}
		roleIndex := map[string]uint8{"BUYER": 1, "MERCHANT": 2, "ADMIN": 3}
		for _, tg := range probeTargets(f, p.schema) {
			role := tg.roles[0]
			c := p.callers[role]
			var nodeID string
			if tg.viaNode {
				ids := c.own[tg.owner.Name]
				if len(ids) == 0 {
					continue
				}
				nodeID = ids[0]
			}
			args := p.baseArgs(tg, c)
			if containsUpload(args) {
				continue // the fuzz target sends JSON; uploads are the probe's
			}
			doc, vars := p.document(tg, nodeID, args, -1, false)
			fz.schemaSeeds = append(fz.schemaSeeds, fuzzSeed{role: roleIndex[role], query: doc, vars: encode(vars, false)})
		}
		fuzzSrv = fz
	})
	if fuzzSrv == nil {
		f.Fatal("fuzz server setup failed earlier")
	}
	return fuzzSrv
}

// fuzzAttackSeeds are the generated attacks of TestAdversarialDocuments, small enough to mutate.
func fuzzAttackSeeds() []fuzzSeed {
	return []fuzzSeed{
		{query: advFanOut(8)},
		{query: advChain(40)},
		{query: advInline(60)},
		{query: advOps(21)},
		{query: "{ viewer { id" + strings.Repeat(" @skip(if: false)", 5) + " } }"},
		{query: `{ ...F } fragment F on Query { __schema { types { name } } }`},
		{query: `query($s: [OrderStatus!]) { orders(first: 1, filter: {status: $s}) { totalCount } }`, vars: `{"s": [[["PAID"]]]}`},
		{query: `query($id: ID!) { node(id: $id) { id } }`, vars: `{"id": "` + strings.Repeat("x", 300) + `"}`},
		{query: `{ products(first: 101) { totalCount } }`},
		{query: `{ orders(filter: {createdFrom: "2026-13-01"}) { totalCount } }`},
		{query: "{ products(filter: {search: \"a\\u0000b\"}) { totalCount } }"},
		{query: `mutation { login(input: {email: "x@y.z", password: "p"}) { accessToken } }`},
	}
}
