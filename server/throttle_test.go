package main

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"tradeguard/internal/clock"
	"tradeguard/throttle"
)

// Throttling (README: Throttling): each API token and signed-in user has a cost bucket; a request is
// charged its requested cost before it runs and refunded to its actual cost after; a request the bucket
// does not hold answers 429 THROTTLED with Retry-After and runs nothing. The buckets run on their own fake
// clock here, so restoring is exact and no test waits.

type costExt struct {
	Requested int `json:"requestedQueryCost"`
	Actual    int `json:"actualQueryCost"`
	Status    *struct {
		Maximum   float64 `json:"maximumAvailable"`
		Available float64 `json:"currentlyAvailable"`
		Restore   float64 `json:"restoreRate"`
	} `json:"throttleStatus"`
}

type throttledAnswer struct {
	status     int
	retryAfter string
	cost       costExt
	hasData    bool
	code       string
	message    string
}

func askCost(t *testing.T, url, token, query string) throttledAnswer {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query})
	req, _ := http.NewRequest(http.MethodPost, url+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var out struct {
		Data   json.RawMessage `json:"data"`
		Errors []struct {
			Message    string         `json:"message"`
			Extensions map[string]any `json:"extensions"`
		} `json:"errors"`
		Extensions struct {
			Cost costExt `json:"cost"`
		} `json:"extensions"`
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("not JSON (%d): %.300s", res.StatusCode, raw)
	}
	a := throttledAnswer{status: res.StatusCode, retryAfter: res.Header.Get("Retry-After"), cost: out.Extensions.Cost,
		hasData: len(out.Data) > 0 && string(out.Data) != "null"}
	if len(out.Errors) > 0 {
		a.code, _ = out.Errors[0].Extensions["code"].(string)
		a.message = out.Errors[0].Message
	}
	return a
}

func TestThrottleChargesRequestedRefundsActualAndRefusesWith429(t *testing.T) {
	h := setup(t)
	ticks := clock.NewFake(time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC))
	lim := defaultServeLimits()
	lim.Throttle.Caller = throttle.Policy{Capacity: 20000, RestorePerSecond: 1000}
	lim.Throttle.Admin = throttle.Policy{Capacity: 100000, RestorePerSecond: 5000}
	srv := throttledServer(t, h, lim, ticks)

	raw, err := os.ReadFile("../bench/orders-query.json")
	if err != nil {
		t.Fatal(err)
	}
	var page struct{ Query string }
	if err := json.Unmarshal(raw, &page); err != nil {
		t.Fatal(err)
	}
	owner := h.login(t, lotusOwner)

	// The first page: charged what it asked for, refunded down to the fields it resolved.
	first := askCost(t, srv.URL, owner, page.Query)
	c := first.cost
	if first.status != http.StatusOK || !first.hasData || first.code != "" {
		t.Fatalf("first page: HTTP %d, code %q", first.status, first.code)
	}
	if c.Requested <= 0 || c.Actual <= 0 || c.Actual >= c.Requested || c.Status == nil {
		t.Fatalf("cost: %+v", c)
	}
	if c.Status.Maximum != 20000 || c.Status.Restore != 1000 || c.Status.Available != float64(20000-c.Actual) {
		t.Fatalf("throttle status after one page of actual cost %d: %+v", c.Actual, *c.Status)
	}
	// The actual cost is one point per field in the answer: the orders page has 50 orders of the same
	// shape, so it is at least 50 times the fields of one order (id, number, status, createdAt, total{2},
	// buyer{1}, items{…}).
	t.Logf("the orders page: requested %d, actual %d", c.Requested, c.Actual)
	if c.Actual < 50*9 {
		t.Fatalf("actual cost %d is below the fields a page of 50 orders has", c.Actual)
	}

	// Without time passing, pages go through while the bucket holds the requested cost.
	available := 20000 - c.Actual
	for available >= c.Requested {
		a := askCost(t, srv.URL, owner, page.Query)
		if a.status != http.StatusOK || a.cost.Actual != c.Actual {
			t.Fatalf("with %d available: HTTP %d, cost %+v", available, a.status, a.cost)
		}
		available -= c.Actual
	}
	refused := askCost(t, srv.URL, owner, page.Query)
	wait := int(math.Ceil(float64(c.Requested-available) / 1000))
	if refused.status != http.StatusTooManyRequests || refused.code != "THROTTLED" || refused.hasData ||
		refused.retryAfter != strconv.Itoa(wait) {
		t.Fatalf("with %d available: HTTP %d, code %q, data %v, Retry-After %q (want %d)", available, refused.status,
			refused.code, refused.hasData, refused.retryAfter, wait)
	}
	for _, want := range []string{strconv.Itoa(c.Requested) + " points", strconv.Itoa(available) + " of 20000", "retry after " + strconv.Itoa(wait) + " s"} {
		if !strings.Contains(refused.message, want) {
			t.Errorf("the refusal %q does not say %q", refused.message, want)
		}
	}
	if s := refused.cost.Status; s == nil || s.Available != float64(available) || refused.cost.Actual != 0 {
		t.Fatalf("a refusal charges nothing: %+v", refused.cost)
	}

	// Others are not affected: another merchant, a token of the same store, an admin, anonymous callers.
	if a := askCost(t, srv.URL, h.login(t, mapleOwner), page.Query); a.status != http.StatusOK || a.cost.Status.Available != float64(20000-a.cost.Actual) {
		t.Fatalf("another merchant: HTTP %d %+v", a.status, a.cost)
	}
	_, token := isoCreateToken(t, h, owner, "throttle-test ERP", "ORDERS_READ")
	if a := askCost(t, srv.URL, token, page.Query); a.status != http.StatusOK || a.cost.Status.Maximum != 20000 {
		t.Fatalf("the store's API token has its own bucket: HTTP %d %+v", a.status, a.cost)
	}
	if a := askCost(t, srv.URL, h.login(t, adminEmail), `{ stores(first: 5) { nodes { id } } }`); a.status != http.StatusOK || a.cost.Status.Maximum != 100000 || a.cost.Status.Restore != 5000 {
		t.Fatalf("an admin's bucket: HTTP %d %+v", a.status, a.cost)
	}
	if a := askCost(t, srv.URL, "", `{ __typename }`); a.status != http.StatusOK || a.cost.Status != nil || a.cost.Requested != 1 {
		t.Fatalf("anonymous: no bucket, still a cost: HTTP %d %+v", a.status, a.cost)
	}

	// One second short of the wait, still refused; at the wait, the page goes through.
	ticks.Advance(time.Duration(wait-1) * time.Second)
	if a := askCost(t, srv.URL, owner, page.Query); a.status != http.StatusTooManyRequests || a.retryAfter != "1" {
		t.Fatalf("a second before: HTTP %d, Retry-After %q", a.status, a.retryAfter)
	}
	ticks.Advance(time.Second)
	if a := askCost(t, srv.URL, owner, page.Query); a.status != http.StatusOK || !a.hasData {
		t.Fatalf("after Retry-After: HTTP %d %q", a.status, a.message)
	}
}

func TestThrottleSettingsAreChecked(t *testing.T) {
	for _, c := range []struct {
		args  []string
		names string // what the error must name
	}{
		{[]string{"-throttle-capacity", "100"}, "-max-complexity"}, // a legal request could never run
		{[]string{"-throttle-admin-capacity", "-1"}, "-throttle-admin-capacity"},
		{[]string{"-throttle-restore", "0"}, "-throttle-restore"}, // an emptied bucket would never refill
		{[]string{"-throttle-admin-restore", "-5"}, "-throttle-admin-restore"},
	} {
		if _, err := loadConfig(c.args, func(string) string { return "" }); err == nil || !strings.Contains(err.Error(), c.names) {
			t.Errorf("%v: want an error naming %s, got %v", c.args, c.names, err)
		}
	}
	for _, args := range [][]string{{"-throttle-capacity", "0", "-throttle-restore", "0"}, {"-throttle-capacity", "50000"}} {
		if _, err := loadConfig(args, func(string) string { return "" }); err != nil {
			t.Errorf("%v: %v", args, err)
		}
	}
}

// throttledServer starts another server on the shared test database with lim, its buckets on ticks.
func throttledServer(t *testing.T, h *harness, lim serveLimits, ticks *clock.Fake) *httptest.Server {
	t.Helper()
	handler, err := newApp(appOptions{DB: h.App, Key: h.Key, Now: h.Clock.Now, Logger: slog.New(slog.NewJSONHandler(io.Discard, nil)),
		Ready: h.App.PingContext, Registry: prometheus.NewRegistry(), Limits: lim, ThrottleClock: ticks.Now})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	return srv
}
