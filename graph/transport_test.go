package graph

import "testing"

func TestNegotiateMedia(t *testing.T) {
	const gr, js = MediaGraphQLResponse, MediaJSON
	for _, c := range []struct {
		accept, want string // want "" means 406
	}{
		{"", js},
		{"*/*", js},
		{"application/*", js},
		{"application/json", js},
		{gr, gr},
		{gr + ", application/json;q=0.9", gr},
		{"application/json, " + gr, gr}, // a tie goes to the type named exactly
		{"application/json, " + gr + ";q=0.5", js},
		{"application/json;q=0, */*", gr}, // JSON refused outright; the wildcard still allows the other
		{gr + ";q=0, */*", js},
		{"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", js}, // a browser's navigation
		{"text/html", ""},
		{"application/json;charset=latin1", ""},
		{"application/json; charset=UTF-8", js},
		{"application/json;q=2, " + gr + ";q=abc", ""},
		{"application/json;q=0", ""},
		{"garbage;;, " + gr, gr},
	} {
		got, ok := NegotiateMedia(c.accept)
		if !ok {
			got = ""
		}
		if got != c.want {
			t.Errorf("Accept %q: %q, want %q", c.accept, got, c.want)
		}
	}
}
