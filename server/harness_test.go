package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/prometheus/client_golang/prometheus"

	"tradeguard/demo"
	"tradeguard/internal/clock"
	"tradeguard/internal/testdb"
	"tradeguard/payments"
	"tradeguard/scheduler"
	"tradeguard/throttle"
	"tradeguard/webhooks"
)

// The server tests run the real HTTP handler (httptest.Server, real TCP) against a real PostgreSQL database,
// migrated as the server does it and loaded with the demo data, with a clock the tests control.

func TestMain(m *testing.M) { testdb.Main(m) }

// demoNow is the fixed "now" of the demo data and of the test clock.
var demoNow = time.Date(2026, 6, 15, 2, 0, 0, 0, time.UTC)

type harness struct {
	URL   string
	Clock *clock.Fake
	Owner *sqlx.DB // schema owner (tests use it for setup only)
	App   *sqlx.DB // the server's own role
	Super string   // superuser DSN (pg_stat_statements)
	Key   []byte
	// Scheduler acts on due deadlines when a test calls RunDue (the test server runs no background loop).
	Scheduler *scheduler.Runner
	// FailRefunds makes the payment provider unreachable for refunds. Charges whose idempotency key starts
	// with "decline" are declined.
	FailRefunds atomic.Bool
	// passwordOf is the accounts' password when not the demo's (generated data).
	passwordOf string
}

var (
	harnessOnce sync.Once
	shared      *harness
)

// setup starts one server for the whole package; tests must not leave state that others depend on.
func setup(t *testing.T) *harness {
	t.Helper()
	harnessOnce.Do(func() {
		owner, app := testdb.Migrated(&keepAlive{t})
		shared = startHarness(t, owner, app, testdb.New(t))
	})
	if shared == nil {
		t.Fatal("harness setup failed earlier")
	}
	return shared
}

// startHarness loads the demo data into the database of owner/app and starts a server on it; with changes to
// its options, if given.
func startHarness(t testing.TB, owner, app *sqlx.DB, super string, change ...func(*appOptions)) *harness {
	t.Helper()
	if _, err := demo.Load(context.Background(), app, demoNow); err != nil {
		t.Fatalf("demo data: %v", err)
	}
	h := &harness{Clock: clock.NewFake(demoNow), Owner: owner, App: app, Super: super,
		Key: bytes.Repeat([]byte("k"), 32)}
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	pay := payments.Scripted{
		DeclineCharge: func(r payments.Request) string {
			if strings.HasPrefix(r.IdempotencyKey, "decline") {
				return "card declined"
			}
			return ""
		},
		FailRefund: func(payments.Request) error {
			if h.FailRefunds.Load() {
				return errors.New("payment provider unreachable")
			}
			return nil
		},
	}
	o := appOptions{DB: app, Key: h.Key, Now: h.Clock.Now, Dev: false, Logger: log,
		Ready: app.PingContext, Payments: pay, Registry: prometheus.NewRegistry(), Limits: unthrottled(),
		Webhooks: webhooks.Endpoints{AllowLoopback: true}}
	for _, c := range change {
		c(&o)
	}
	handler, err := newApp(o)
	h.Scheduler = newScheduler(app, h.Clock.Now, pay, log, nil)
	if err != nil {
		t.Fatalf("newApp: %v", err)
	}
	h.URL = httptest.NewServer(handler).URL
	return h
}

// unthrottled are the default limits with buckets no test empties: the tests send far more requests per
// second as one user than anyone may (the throttle's own tests start servers with small buckets).
func unthrottled() serveLimits {
	l := defaultServeLimits()
	l.Throttle.Caller = throttle.Policy{Capacity: 1e15, RestorePerSecond: 1e15}
	l.Throttle.Admin = l.Throttle.Caller
	return l
}

// keepAlive lets the package-wide connections outlive the first test that opened them.
type keepAlive struct{ testing.TB }

func (k *keepAlive) Cleanup(func()) {}

// gqlResponse is a GraphQL response with its HTTP status.
type gqlResponse struct {
	Status int
	Data   map[string]json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Path       []any          `json:"path"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

// code is the first error's extensions.code ("" if none).
func (r gqlResponse) code() string {
	if len(r.Errors) == 0 {
		return ""
	}
	c, _ := r.Errors[0].Extensions["code"].(string)
	return c
}

// post sends a GraphQL POST with an optional bearer token.
func (h *harness) post(t testing.TB, token, query string, vars map[string]any) gqlResponse {
	t.Helper()
	return h.do(t, h.graphqlRequest(t, token, query, vars))
}

// graphqlRequest is the POST that post sends, for a test that adds headers of its own.
func (h *harness) graphqlRequest(t testing.TB, token, query string, vars map[string]any) *http.Request {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, err := http.NewRequest(http.MethodPost, h.URL+"/graphql", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return req
}

func (h *harness) do(t testing.TB, req *http.Request) gqlResponse {
	t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	out := gqlResponse{Status: res.StatusCode}
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("response is not JSON (%d): %.300s", res.StatusCode, raw)
	}
	return out
}

// ok fails the test unless the response has no errors; it returns the response for chaining.
func ok(t testing.TB, r gqlResponse) gqlResponse {
	t.Helper()
	if r.Status != http.StatusOK || len(r.Errors) > 0 {
		t.Fatalf("want success, got HTTP %d errors %+v", r.Status, r.Errors)
	}
	return r
}

// field decodes data[name] into v.
func field(t testing.TB, r gqlResponse, name string, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Data[name], v); err != nil {
		t.Fatalf("decode data.%s (%s): %v", name, r.Data[name], err)
	}
}

// login signs in a demo account and returns its access token.
func (h *harness) login(t testing.TB, email string) string {
	t.Helper()
	r := ok(t, h.post(t, "", `mutation($i: LoginInput!) { login(input: $i) { accessToken userErrors { code message } } }`,
		map[string]any{"i": map[string]any{"email": email, "password": cmp.Or(h.passwordOf, demo.Password)}}))
	var p struct {
		AccessToken *string
		UserErrors  []struct{ Code, Message string }
	}
	field(t, r, "login", &p)
	if p.AccessToken == nil {
		t.Fatalf("login %s: %+v", email, p.UserErrors)
	}
	return *p.AccessToken
}

const (
	adminEmail = "admin@tradeguard.test"
	lotusOwner = "owner@lotus-electronics.test"
	lotusAgent = "agent@lotus-electronics.test"
	mapleOwner = "owner@maple-apparel.test"
	buyer1     = "buyer1@tradeguard.test"
	buyer2     = "buyer2@tradeguard.test"
)
