package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/prometheus/client_golang/prometheus"
)

// Work stops when nobody waits: a request past its deadline and a client that disconnects both cancel
// their SQL, and a server at its concurrency limit queues briefly, then refuses with 503 + Retry-After.
// A lock held on the orders table by the schema owner makes the API's orders query wait as long as a test
// needs; PostgreSQL's pg_stat_activity shows whether the app role's statement is still waiting.

// serverWith starts another server on the shared test database with other serving limits.
func serverWith(t *testing.T, h *harness, lim serveLimits) *httptest.Server {
	t.Helper()
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	handler, err := newApp(appOptions{DB: h.App, Key: h.Key, Now: h.Clock.Now, Logger: log, Ready: h.App.PingContext,
		Registry: prometheus.NewRegistry(), Limits: lim})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	return srv
}

// lockOrders holds an exclusive lock on orders until the returned function is called.
func lockOrders(t *testing.T, h *harness) (release func()) {
	t.Helper()
	tx, err := h.Owner.Beginx()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(`lock table orders in access exclusive mode`); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	release = func() { once.Do(func() { _ = tx.Rollback() }) }
	t.Cleanup(release)
	return release
}

// waitingOnLock counts the app role's statements waiting for a lock right now.
func waitingOnLock(t *testing.T, super *sqlx.DB) int {
	t.Helper()
	var n int
	if err := super.Get(&n, `select count(*) from pg_stat_activity where usename = 'tradeguard_app'
		and datname = current_database() and wait_event_type = 'Lock'`); err != nil {
		t.Fatal(err)
	}
	return n
}

// eventually polls cond for up to 30 s (the machine may be slow; the assertion is that it happens at all).
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting until %s", what)
}

func postTo(ctx context.Context, url, token, query string) (*http.Response, []byte, error) {
	body, _ := json.Marshal(map[string]any{"query": query})
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	return res, raw, err
}

const ordersQuery = `{ orders(first: 1) { totalCount } }`

func TestDeadlineStopsTheRequestAndItsSQL(t *testing.T) {
	h := setup(t)
	super := limSuper(t, h)
	lim := defaultServeLimits()
	lim.RequestTimeout = time.Second
	srv := serverWith(t, h, lim)
	tok := h.login(t, lotusOwner)
	lockOrders(t, h)

	res, raw, err := postTo(context.Background(), srv.URL, tok, ordersQuery)
	if err != nil {
		t.Fatal(err)
	}
	var r gqlResponse
	if err := json.Unmarshal(raw, &r); err != nil || r.code() != "TIMEOUT" || res.StatusCode >= 500 {
		t.Fatalf("HTTP %d %s: want a TIMEOUT error", res.StatusCode, raw)
	}
	if strings.Contains(string(raw), "pq:") || strings.Contains(string(raw), "canceling") {
		t.Errorf("the answer shows database text: %s", raw)
	}
	// The statement was cancelled, not left waiting for the lock.
	eventually(t, "the app's statement stops waiting", func() bool { return waitingOnLock(t, super) == 0 })
}

func TestDisconnectCancelsSQL(t *testing.T) {
	h := setup(t)
	super := limSuper(t, h)
	srv := serverWith(t, h, defaultServeLimits()) // 15 s deadline: far longer than the test waits
	tok := h.login(t, lotusOwner)
	release := lockOrders(t, h)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, _, err := postTo(ctx, srv.URL, tok, ordersQuery)
		done <- err
	}()
	eventually(t, "the request waits for the lock", func() bool { return waitingOnLock(t, super) == 1 })
	cancel() // the client goes away
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("client: %v", err)
	}
	// With the lock still held, the statement stops: nobody waits for it.
	eventually(t, "the app's statement is cancelled", func() bool { return waitingOnLock(t, super) == 0 })
	release()
}

func TestAdmissionQueuesThenRefuses(t *testing.T) {
	h := setup(t)
	super := limSuper(t, h)
	lim := defaultServeLimits()
	lim.MaxInFlight, lim.MaxQueued, lim.QueueWait = 1, 1, 500*time.Millisecond
	srv := serverWith(t, h, lim)
	tok := h.login(t, lotusOwner)
	release := lockOrders(t, h)

	first := make(chan []byte, 1)
	go func() {
		_, raw, _ := postTo(context.Background(), srv.URL, tok, ordersQuery)
		first <- raw
	}()
	eventually(t, "the first request holds the only slot", func() bool { return waitingOnLock(t, super) == 1 })

	queued := make(chan *http.Response, 1)
	go func() {
		res, _, _ := postTo(context.Background(), srv.URL, tok, ordersQuery)
		queued <- res
	}()
	eventually(t, "the second request is queued", func() bool { return metric(t, srv.URL, "http_requests_queued") == "1" })

	// The queue is full: the third is refused at once.
	res, raw, err := postTo(context.Background(), srv.URL, tok, ordersQuery)
	if err != nil {
		t.Fatal(err)
	}
	busy(t, res, raw)
	// The queued one gets no slot within the queue wait.
	res = <-queued
	if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" {
		t.Fatalf("queued request: HTTP %d, Retry-After %q", res.StatusCode, res.Header.Get("Retry-After"))
	}
	if got := metric(t, srv.URL, `http_requests_shed_total{reason="queue_full"}`); got != "1" {
		t.Errorf("queue_full shed: %s", got)
	}
	if got := metric(t, srv.URL, `http_requests_shed_total{reason="queue_timeout"}`); got != "1" {
		t.Errorf("queue_timeout shed: %s", got)
	}

	release()
	if raw := <-first; !bytes.Contains(raw, []byte(`"totalCount":420`)) {
		t.Fatalf("the first request, once the lock went: %s", raw)
	}
	// With the slot free again, requests run.
	if _, raw, _ := postTo(context.Background(), srv.URL, tok, ordersQuery); !bytes.Contains(raw, []byte(`"totalCount":420`)) {
		t.Fatalf("after the load: %s", raw)
	}
}

func busy(t *testing.T, res *http.Response, raw []byte) {
	t.Helper()
	var r gqlResponse
	_ = json.Unmarshal(raw, &r)
	if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") != "1" || r.code() != "SERVER_BUSY" {
		t.Fatalf("want 503 SERVER_BUSY with Retry-After: 1, got HTTP %d %q %s", res.StatusCode, res.Header.Get("Retry-After"), raw)
	}
}

// metric reads one sample of the server's /metrics ("" if absent).
func metric(t testing.TB, url, name string) string {
	t.Helper()
	res, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			return v
		}
	}
	return ""
}
