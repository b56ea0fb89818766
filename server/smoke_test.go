package main

import (
	"net/http"
	"testing"
)

func TestViewerAndOrdersAsMerchant(t *testing.T) {
	h := setup(t)
	tok := h.login(t, lotusOwner)
	r := ok(t, h.post(t, tok, `{ viewer { role staffRole email store { slug } } orders(first: 3) { totalCount nodes { number store { slug } } } }`, nil))
	var v struct {
		Role, StaffRole, Email string
		Store                  struct{ Slug string }
	}
	field(t, r, "viewer", &v)
	if v.Role != "MERCHANT" || v.StaffRole != "OWNER" || v.Email != lotusOwner || v.Store.Slug != "lotus-electronics" {
		t.Fatalf("viewer = %+v", v)
	}
	var o struct {
		TotalCount int
		Nodes      []struct {
			Number string
			Store  struct{ Slug string }
		}
	}
	field(t, r, "orders", &o)
	if o.TotalCount != 420 || len(o.Nodes) != 3 {
		t.Fatalf("orders: total %d, %d nodes", o.TotalCount, len(o.Nodes))
	}
	for _, n := range o.Nodes {
		if n.Store.Slug != "lotus-electronics" {
			t.Fatalf("merchant of lotus sees order %s of %s", n.Number, n.Store.Slug)
		}
	}
}

func TestHealthReadyMetrics(t *testing.T) {
	h := setup(t)
	for _, path := range []string{"/healthz", "/readyz", "/metrics", "/", "/some/client/route"} {
		res, err := http.Get(h.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Errorf("GET %s = %d", path, res.StatusCode)
		}
	}
}
