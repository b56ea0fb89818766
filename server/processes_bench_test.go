package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"tradeguard/demo"
	"tradeguard/internal/testdb"
)

// roundRobin is the benchmark's load balancer: a reverse proxy sending each request to the next backend.
func roundRobin(backends []string) *httptest.Server {
	var next atomic.Uint64
	targets := make([]*url.URL, len(backends))
	for i, b := range backends {
		targets[i], _ = url.Parse(b)
	}
	proxy := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(targets[next.Add(1)%uint64(len(targets))])
		},
		Transport: &http.Transport{MaxIdleConnsPerHost: 64},
	}
	return httptest.NewServer(proxy)
}

// BenchmarkTwoProcesses: the orders page of make bench (bench/orders-query.json, as lotus-electronics' owner)
// through a round-robin reverse proxy to one server process, then to two, against one database (the demo,
// loaded into the test cluster); 16 clients, 10 s per run, runs alternating one, two, one, two. Both
// processes are real OS processes with the same signing key, throttling and schedulers off. Reports each
// setup's requests per second and two over one. One iteration is the measure:
//
//	go test ./server -run '^$' -bench TwoProcesses -benchtime 1x
func BenchmarkTwoProcesses(b *testing.B) {
	const suffix, clients, dur = "twoproc", 16, 10 * time.Second
	_, _, app := testdb.Another(b, suffix)
	if _, err := demo.Load(context.Background(), app, time.Now()); err != nil {
		b.Fatal(err)
	}
	b.Setenv("TRADEGUARD_JWT_KEY", "6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b")
	flags := []string{"-scheduler-every", "0", "-throttle-capacity", "0", "-throttle-admin-capacity", "0"}
	one, two := startProcess(b, suffix, flags...), startProcess(b, suffix, flags...)
	query, err := os.ReadFile("../bench/orders-query.json")
	if err != nil {
		b.Fatal(err)
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	login, _ := json.Marshal(map[string]any{"query": `mutation($i: LoginInput!) { login(input: $i) { accessToken } }`,
		"variables": map[string]any{"i": map[string]any{"email": lotusOwner, "password": demo.Password}}})
	res, err := client.Post(one.baseURL(b)+"/graphql", "application/json", bytes.NewReader(login))
	if err != nil {
		b.Fatal(err)
	}
	var lr struct {
		Data struct{ Login struct{ AccessToken string } }
	}
	_ = json.NewDecoder(res.Body).Decode(&lr)
	res.Body.Close()
	token := lr.Data.Login.AccessToken
	if token == "" {
		b.Fatal("login failed")
	}
	run := func(backends ...string) float64 {
		proxy := roundRobin(backends)
		defer proxy.Close()
		var done, failed atomic.Int64
		end := time.Now().Add(dur)
		var wg sync.WaitGroup
		for range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for time.Now().Before(end) {
					req, _ := http.NewRequest(http.MethodPost, proxy.URL+"/graphql", bytes.NewReader(query))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("Authorization", "Bearer "+token)
					res, err := client.Do(req)
					if err != nil {
						failed.Add(1)
						continue
					}
					_, _ = io.Copy(io.Discard, res.Body)
					res.Body.Close()
					if res.StatusCode != http.StatusOK {
						failed.Add(1)
						continue
					}
					done.Add(1)
				}
			}()
		}
		wg.Wait()
		if failed.Load() > 0 {
			b.Fatalf("%d requests failed", failed.Load())
		}
		return float64(done.Load()) / dur.Seconds()
	}
	run(one.baseURL(b), two.baseURL(b)) // warm both up
	var single, double float64
	for range 2 {
		single += run(one.baseURL(b)) / 2
		double += run(one.baseURL(b), two.baseURL(b)) / 2
	}
	b.ReportMetric(single, "one-process-req/s")
	b.ReportMetric(double, "two-processes-req/s")
	b.ReportMetric(double/single, "two/one")
	fmt.Fprintf(os.Stderr, "orders page: one process %.1f req/s, two %.1f req/s (%.2f×)\n", single, double, double/single)
}
