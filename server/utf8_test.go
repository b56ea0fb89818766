package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

func TestBadUTF8Path(t *testing.T) {
	cases := []struct{ doc, want string }{
		{`{"query":"{ a }","variables":{"in":{"name":"x` + "\xff" + `"}}}`, "variables.in.name"},
		{`{"query":"{ a(s: \"` + "\xfe" + `\") }"}`, "query"},
		{`{"variables":{"in":{"lines":[{"note":"ok"},{"note":"` + "\xc3" + `"}]}}}`, "variables.in.lines.1.note"},
		{`{"variables":{"k` + "\xff" + `":1}}`, "variables.k\ufffd"},
		{`{"variables":{"a":[1,2,["` + "\xff" + `"]]}}`, "variables.a.2.0"},
	}
	for _, c := range cases {
		if got := badUTF8Path([]byte(c.doc)); got != c.want {
			t.Errorf("%q: got %q, want %q", c.doc, got, c.want)
		}
	}
}

// Text that is not UTF-8 is refused over every way a request comes, naming where it is.
func TestInvalidUTF8Refused(t *testing.T) {
	h := setup(t)
	get := func(q string) gqlResponse {
		req, _ := http.NewRequest(http.MethodGet, h.URL+"/graphql?"+q, nil)
		return h.do(t, req)
	}
	for _, c := range []struct {
		name  string
		r     gqlResponse
		field string
	}{
		{"GET query", get("query=%7B%20__typename%20%23%FF%0A%7D"), "query"},
		{"GET variables", get("query=query(%24s%3AString)%7B__typename%7D&variables=%7B%22s%22%3A%22%FF%22%7D"), "variables.s"},
		{"POST variables", h.post(t, "", `query($s: String) { products(filter: {search: $s}) { totalCount } }`,
			map[string]any{"s": "ok"}), ""},
	} {
		if c.field == "" {
			ok(t, c.r)
			continue
		}
		if c.r.Status != http.StatusBadRequest || c.r.code() != "BAD_USER_INPUT" {
			t.Errorf("%s: want 400 BAD_USER_INPUT, got %d %+v", c.name, c.r.Status, c.r.Errors)
			continue
		}
		if f := fmt.Sprint(c.r.Errors[0].Extensions["field"]); f != "["+strings.ReplaceAll(c.field, ".", " ")+"]" {
			t.Errorf("%s: field %s, want %s", c.name, f, c.field)
		}
	}
	raw := `{"query":"query($s: String) { products(filter: {search: $s}) { totalCount } }","variables":{"s":"caf` + "\xe9" + `"}}`
	req, _ := http.NewRequest(http.MethodPost, h.URL+"/graphql", strings.NewReader(raw))
	req.Header.Set("Content-Type", "application/json")
	r := h.do(t, req)
	if r.Status != http.StatusBadRequest || r.code() != "BAD_USER_INPUT" || !strings.Contains(r.Errors[0].Message, "variables.s") {
		t.Errorf("Latin-1 in a JSON variable: want 400 BAD_USER_INPUT naming variables.s, got %d %+v", r.Status, r.Errors)
	}
}
