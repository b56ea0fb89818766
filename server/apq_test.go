package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// Automatic persisted queries (README: Calling the API): a hash alone runs a query this process has seen
// with its text; an unknown hash asks for the text; a wrong or malformed persistedQuery gets its own code,
// never INTERNAL; what runs from a hash passes the same limits as text.

func sha(q string) string {
	s := sha256.Sum256([]byte(q))
	return hex.EncodeToString(s[:])
}

// postAPQ sends a POST with extensions.persistedQuery (version 1 unless pq says otherwise) and the query
// text when given.
func postAPQ(t *testing.T, h *harness, token string, query *string, pq any) gqlResponse {
	t.Helper()
	body := map[string]any{"extensions": map[string]any{"persistedQuery": pq}}
	if query != nil {
		body["query"] = *query
	}
	raw, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, h.URL+"/graphql", bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return h.do(t, req)
}

func v1(hash string) map[string]any { return map[string]any{"version": 1, "sha256Hash": hash} }

func TestPersistedQueries(t *testing.T) {
	h := setup(t)
	owner := h.login(t, lotusOwner)
	// A text no other test sends, so this process has not seen it yet.
	q := `query APQTest { viewer { email } orders(first: 2) { nodes { number } } }`
	hash := sha(q)

	if r := postAPQ(t, h, owner, nil, v1(hash)); r.Status != 200 || r.code() != "PERSISTED_QUERY_NOT_FOUND" || r.Data != nil {
		t.Fatalf("unknown hash: HTTP %d %+v", r.Status, r.Errors)
	}
	// The same for a client that asks for application/graphql-response+json (the portal): a step of the
	// protocol, not a 4xx the browser would log as a failure.
	raw, _ := json.Marshal(map[string]any{"extensions": map[string]any{"persistedQuery": v1(hash)}})
	req, _ := http.NewRequest(http.MethodPost, h.URL+"/graphql", bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/graphql-response+json")
	req.Header.Set("Authorization", "Bearer "+owner)
	if r := h.do(t, req); r.Status != 200 || r.code() != "PERSISTED_QUERY_NOT_FOUND" || r.Data != nil {
		t.Fatalf("unknown hash, graphql-response+json: HTTP %d %+v", r.Status, r.Errors)
	}
	withText := ok(t, postAPQ(t, h, owner, &q, v1(hash)))
	hashOnly := ok(t, postAPQ(t, h, owner, nil, v1(hash)))
	if string(withText.Data["orders"]) != string(hashOnly.Data["orders"]) || !strings.Contains(string(hashOnly.Data["viewer"]), lotusOwner) {
		t.Fatalf("the hash ran something else: %s / %s", withText.Data["orders"], hashOnly.Data["orders"])
	}
	// GET with the hash alone (what Apollo's clients send for queries, to be cached by HTTP caches).
	ext, _ := json.Marshal(map[string]any{"persistedQuery": v1(hash)})
	req, _ = http.NewRequest(http.MethodGet, h.URL+"/graphql?extensions="+url.QueryEscape(string(ext)), nil)
	req.Header.Set("Authorization", "Bearer "+owner)
	if r := ok(t, h.do(t, req)); string(r.Data["orders"]) != string(withText.Data["orders"]) {
		t.Fatalf("GET by hash: %s", r.Data["orders"])
	}
	// The stored text runs as its caller: another store's merchant gets its own orders from the same hash.
	if r := ok(t, postAPQ(t, h, h.login(t, mapleOwner), nil, v1(hash))); strings.Contains(string(r.Data["viewer"]), lotusOwner) {
		t.Fatalf("another caller: %s", r.Data["viewer"])
	}

	other := `query APQOther { viewer { id } }`
	for _, c := range []struct {
		name  string
		query *string
		pq    any
		code  string
	}{
		{"a hash that is not the text's", &other, v1(hash), "PERSISTED_QUERY_HASH_MISMATCH"},
		{"the mismatched hash was not kept", nil, v1(sha(other) + ""), "PERSISTED_QUERY_NOT_FOUND"},
		{"version 2", nil, map[string]any{"version": 2, "sha256Hash": hash}, "PERSISTED_QUERY_INVALID"},
		{"no version", nil, map[string]any{"sha256Hash": hash}, "PERSISTED_QUERY_INVALID"},
		{"a version as text", nil, map[string]any{"version": "1", "sha256Hash": hash}, "PERSISTED_QUERY_INVALID"},
		{"upper-case hex", nil, v1(strings.ToUpper(hash)), "PERSISTED_QUERY_INVALID"},
		{"too short", nil, v1(hash[:63]), "PERSISTED_QUERY_INVALID"},
		{"not hex", nil, v1(strings.Repeat("z", 64)), "PERSISTED_QUERY_INVALID"},
		{"a hash that is a number", nil, map[string]any{"version": 1, "sha256Hash": 5}, "PERSISTED_QUERY_INVALID"},
		{"persistedQuery a string", nil, "abc", "PERSISTED_QUERY_INVALID"},
		{"persistedQuery a list", nil, []any{1}, "PERSISTED_QUERY_INVALID"},
	} {
		if r := postAPQ(t, h, owner, c.query, c.pq); r.code() != c.code || r.Data != nil {
			t.Errorf("%s: want %s, got HTTP %d %+v", c.name, c.code, r.Status, r.Errors)
		}
	}

	// What runs from a hash passes the limits like text: a query with too many aliases is kept, and
	// refused each time.
	var aliases strings.Builder
	for i := range 31 {
		fmt.Fprintf(&aliases, " a%d: viewer { id }", i)
	}
	wide := "{" + aliases.String() + " }"
	for _, query := range []*string{&wide, nil} {
		if r := postAPQ(t, h, owner, query, v1(sha(wide))); r.code() != "TOO_MANY_ALIASES" {
			t.Errorf("a persisted query past the limits (text sent: %v): %+v", query != nil, r.Errors)
		}
	}
	// A text past 16 KiB runs but is not kept: its hash alone asks for it again.
	big := `query APQBig { viewer { id } }` + strings.Repeat(" ", 17<<10)
	ok(t, postAPQ(t, h, owner, &big, v1(sha(big))))
	if r := postAPQ(t, h, owner, nil, v1(sha(big))); r.code() != "PERSISTED_QUERY_NOT_FOUND" {
		t.Errorf("a large text is not kept: %+v", r.Errors)
	}
}
