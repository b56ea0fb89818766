package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe to read while the server writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// startServer runs the whole process (embedded PostgreSQL, migrations, demo data, HTTP) until stop is called.
func startServer(t *testing.T, dataDir string) (base string, out *syncBuffer, stop func() error) {
	t.Helper()
	cfg, err := loadConfig([]string{"-addr", "127.0.0.1:0", "-data", dataDir}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	out = &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)), out) }()
	portal := regexp.MustCompile(`portal:\s+(http://\S+)/`)
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		if m := portal.FindStringSubmatch(out.String()); m != nil {
			return m[1], out, func() error { cancel(); return <-done }
		}
		select {
		case err := <-done:
			t.Fatalf("server exited during start-up: %v\n%s", err, out)
		case <-time.After(100 * time.Millisecond):
		}
	}
	cancel()
	t.Fatalf("server did not print its address; output:\n%s", out)
	return
}

// TestServerStartsEmbeddedDatabaseWithDemoDataAndReusesIt runs the process as `make run` does: the first
// start creates the cluster, migrates and loads the demo data, prints the portal URL and logins; a second
// start on the same data directory reuses all of it; both shut down cleanly when cancelled.
func TestServerStartsEmbeddedDatabaseWithDemoDataAndReusesIt(t *testing.T) {
	dir, err := os.MkdirTemp("", "tgserver") // not t.TempDir: the postgres user must be able to enter it
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}

	for i, wantDemoLoaded := range []bool{true, false} {
		base, out, stop := startServer(t, dir)
		for _, want := range []string{"GraphQL:  " + base + "/graphql", "admin@tradeguard.test", "owner@lotus-electronics.test", `password "demo-password"`} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("start %d: output lacks %q:\n%s", i+1, want, out)
			}
		}
		if strings.Contains(out.String(), "GraphiQL") {
			t.Errorf("GraphiQL announced without -dev")
		}
		res, err := http.Get(base + "/readyz")
		if err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("start %d: readyz: %v %v", i+1, err, res)
		}
		res.Body.Close()
		h := &harness{URL: base}
		tok := h.login(t, "owner@harbor-foods.test")
		r := ok(t, h.post(t, tok, `{ orders(first: 1) { totalCount } }`, nil))
		var o struct{ TotalCount int }
		field(t, r, "orders", &o)
		if o.TotalCount != 330 {
			t.Errorf("start %d: harbor-foods has %d orders, want the demo's 330 (loaded once: %v)", i+1, o.TotalCount, wantDemoLoaded)
		}
		if err := stop(); err != nil {
			t.Fatalf("start %d: shutdown: %v", i+1, err)
		}
		if _, err := http.Get(base + "/healthz"); err == nil {
			t.Errorf("start %d: still serving after shutdown", i+1)
		}
	}
}
