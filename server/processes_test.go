package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/signal"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"tradeguard/internal/testdb"
	"tradeguard/migrations"
	"tradeguard/webhooks"
)

// Real server processes (this test binary re-run as the server, so each is an OS process that can be
// killed) on one database of their own: webhook deliveries survive a SIGKILL mid-delivery, and two
// processes running at once send each event once.

const helperArgs = "TG_HELPER_SERVER_ARGS"

// TestHelperServerProcess is not a test: the tests below run the binary with it to get a server process.
func TestHelperServerProcess(t *testing.T) {
	args := os.Getenv(helperArgs)
	if args == "" {
		t.Skip("a server process for the multi-process tests; runs only when they start it")
	}
	cfg, err := loadConfig(strings.Fields(args), os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if err := run(ctx, cfg, log, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(0)
}

// serverProcess is one running server process.
type serverProcess struct {
	cmd *exec.Cmd
	out *syncBuffer
}

// startProcess runs a server process on the database suffix (made by testdb.Another) and waits until it
// listens.
func startProcess(t testing.TB, suffix string, flags ...string) *serverProcess {
	t.Helper()
	p := spawnProcess(t, suffix, flags...)
	p.waitReady(t)
	return p
}

// spawnProcess starts a server process without waiting for it.
func spawnProcess(t testing.TB, suffix string, flags ...string) *serverProcess {
	t.Helper()
	args := append([]string{"-addr", "127.0.0.1:0", "-data", t.TempDir(), "-demo", "off"}, flags...)
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperServerProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperArgs+"="+strings.Join(args, " "),
		"DATABASE_URL="+testdb.DSNForAnother(t, migrations.OwnerRole, suffix),
		"APP_DATABASE_URL="+testdb.DSNForAnother(t, migrations.AppRole, suffix))
	p := &serverProcess{cmd: cmd, out: &syncBuffer{}}
	cmd.Stdout, cmd.Stderr = p.out, p.out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("process %d said:\n%s", cmd.Process.Pid, p.out)
		}
	})
	return p
}

// waitReady waits until the process listens (it prints the portal's address).
func (p *serverProcess) waitReady(t testing.TB) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if strings.Contains(p.out.String(), "portal:") {
			return
		}
		if p.cmd.ProcessState != nil {
			break
		}
	}
	t.Fatalf("server process did not start:\n%s", p.out)
}

// kill ends the process at once, as a crash or an OOM kill would: nothing is flushed, nothing recorded.
func (p *serverProcess) kill(t testing.TB) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = p.cmd.Wait()
}

func TestWebhooksSurviveAKilledProcessAndTwoProcessesSendOnce(t *testing.T) {
	const suffix = "processes"
	_, owner, _ := testdb.Another(t, suffix)
	store, user := uuid.New(), uuid.New()

	// The receiver holds every request until the first process is killed; later ones it answers at once.
	var mu sync.Mutex
	var killed bool
	before, after := map[string]int{}, map[string]int{}
	firstIn := make(chan struct{}, 1)
	release := make(chan struct{})
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		var b webhooks.Body
		_ = json.Unmarshal(raw, &b)
		mu.Lock()
		wasKilled := killed
		if wasKilled {
			after[b.ID]++
		} else {
			before[b.ID]++
		}
		mu.Unlock()
		if !wasKilled {
			select {
			case firstIn <- struct{}{}:
			default:
			}
			<-release
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer rcv.Close()
	defer func() {
		select {
		case <-release:
		default:
			close(release)
		}
	}()

	sys := func(q string, args ...any) {
		t.Helper()
		tx := owner.MustBegin()
		tx.MustExec(`select set_config('app.role', 'system', true)`)
		if _, err := tx.Exec(q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	sys(`insert into stores (id, slug, name, category, currency, time_zone, status, created_at)
		values ($1, 'procs', 'Processes', 'electronics', 'TWD', 'Asia/Taipei', 'ACTIVE', now())`, store)
	sys(`insert into users (id, email, password_hash, display_name, role, created_at)
		values ($1, 'owner@procs.test', 'x', 'Owner', 'MERCHANT', now())`, user)
	sys(`insert into webhook_subscriptions (id, tenant_id, url, topics, secret, created_by, created_at, updated_at)
		values ($1, $2, $3, '{order.paid}', 'whsec_test', $4, now(), now())`, uuid.New(), store, rcv.URL+"/hooks", user)
	emit := func(n int) []string {
		var ids []string
		for range n {
			id := uuid.New()
			tx := owner.MustBegin()
			tx.MustExec(`select set_config('app.role', 'system', true)`)
			tx.MustExec(`select webhook_emit($1, 'order.paid', $2, '{}', now())`, store, id)
			var event string
			if err := tx.Get(&event, `select id::text from outbox_events where tenant_id = $1 and subject_id = $2`, store, id); err != nil {
				t.Fatal(err)
			}
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, event)
		}
		return ids
	}
	flags := []string{"-scheduler-every", "100ms", "-webhooks-allow-loopback", "-webhooks-timeout", "1s"}

	// One process takes a batch of deliveries and is killed while they are in flight.
	a := startProcess(t, suffix, flags...)
	first := emit(10)
	select {
	case <-firstIn:
	case <-time.After(30 * time.Second):
		t.Fatalf("no delivery reached the receiver; process said:\n%s", a.out)
	}
	time.Sleep(300 * time.Millisecond) // the rest of its batch arrives
	a.kill(t)
	mu.Lock()
	killed = true
	inFlight := len(before)
	mu.Unlock()
	close(release)
	if inFlight == 0 {
		t.Fatal("nothing was in flight when the process was killed")
	}

	// It comes back, and a second process runs beside it; more events come meanwhile.
	startProcess(t, suffix, flags...)
	startProcess(t, suffix, flags...)
	second := emit(40)
	all := append(append([]string{}, first...), second...)
	var pending int
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if err := owner.Get(&pending, `select count(*) from webhook_deliveries where status <> 'DELIVERED'`); err != nil {
			t.Fatal(err)
		}
		if pending == 0 {
			break
		}
	}
	if pending != 0 {
		t.Fatalf("%d deliveries still not delivered a minute on", pending)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, id := range all {
		switch {
		case after[id] > 1:
			t.Errorf("event %s was sent %d times after the restart: two processes sent it", id, after[id])
		case after[id] == 0:
			t.Errorf("event %s (sent %d times before the kill) is recorded delivered but never arrived after it", id, before[id])
		}
	}
	for id := range before {
		if after[id] != 1 {
			t.Errorf("event %s, in flight when its process was killed, was sent %d times after; want once", id, after[id])
		}
	}
	t.Logf("%d deliveries in flight at the kill, each sent again once; %d more sent once each by two processes", inFlight, len(all)-inFlight)
}

// Two processes started together on an empty database: one migrates while the other waits for it, and
// both serve (issue #14: start-up migrations are safe when processes start together).
func TestTwoProcessesStartTogetherOnAnEmptyDatabase(t *testing.T) {
	const suffix = "together"
	testdb.Migrated(t) // the cluster's roles
	super := sqlx.MustOpen("postgres", testdb.New(t))
	name := regexp.MustCompile(`dbname=(\S+)`).FindStringSubmatch(testdb.DSNForAnother(t, migrations.OwnerRole, suffix))[1]
	super.MustExec(`create database ` + pq.QuoteIdentifier(name) + ` owner ` + migrations.OwnerRole)
	t.Cleanup(func() { // after the processes are gone (cleanups run last first)
		if _, err := super.Exec(`drop database if exists ` + pq.QuoteIdentifier(name) + ` with (force)`); err != nil {
			t.Errorf("drop the test's database: %v", err)
		}
		super.Close()
	})

	a := spawnProcess(t, suffix, "-scheduler-every", "0")
	b := spawnProcess(t, suffix, "-scheduler-every", "0")
	a.waitReady(t)
	b.waitReady(t)
	owner := sqlx.MustOpen("postgres", testdb.DSNForAnother(t, migrations.OwnerRole, suffix))
	defer owner.Close()
	var applied, distinct, files int
	if err := owner.QueryRow(`select count(*), count(distinct version_id) from tradeguard_meta.goose_db_version where version_id > 0`).Scan(&applied, &distinct); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir("../migrations")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".sql") {
			files++
		}
	}
	if applied != files || distinct != files {
		t.Fatalf("%d migrations recorded (%d distinct); there are %d", applied, distinct, files)
	}
	for _, p := range []*serverProcess{a, b} {
		res, err := http.Get(strings.TrimSuffix(portalURL(p), "/") + "/readyz")
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("a process is not ready: %v %v", res, err)
		}
		res.Body.Close()
	}
}

func portalURL(p *serverProcess) string {
	m := regexp.MustCompile(`portal:\s+(http://\S+)`).FindStringSubmatch(p.out.String())
	if m == nil {
		return ""
	}
	return m[1]
}
