package main

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"testing"
)

// BenchmarkOrdersPage: orders(first: 50) with lines, products and buyer, as the merchant of lotus, over real
// HTTP against real PostgreSQL (the demo data). The README's load numbers come from scripts/bench.sh; this
// one is for profiling (go test -bench OrdersPage -cpuprofile).
func BenchmarkOrdersPage(b *testing.B) {
	t := &testing.T{}
	h := setup(t)
	tok := h.login(t, lotusOwner)
	body, err := os.ReadFile("../bench/orders-query.json")
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest(http.MethodPost, h.URL+"/graphql", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+tok)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				b.Fatalf("status %d", res.StatusCode)
			}
		}
	})
}
