package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/prometheus/client_golang/prometheus"

	"tradeguard/internal/pgstmt"
	"tradeguard/internal/replica"
	"tradeguard/internal/testdb"
	"tradeguard/migrations"
)

// replicaHarness is a server on a database of its own with a streaming replica made by pg_basebackup -R, its
// router checking every 50 ms; the router's log goes to logs.
type replicaHarness struct {
	*harness
	Replica *testdb.Replica
	Router  *replica.Router
	Reg     *prometheus.Registry
	Logs    *syncBuffer
}

func newReplicaHarness(t testing.TB) *replicaHarness {
	t.Helper()
	super, owner, app := testdb.Another(t, "replica")
	rep := testdb.StartReplica(t)
	read, err := pgstmt.Open(rep.DSN(migrations.AppRole, "replica"), pgstmt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { read.Close() })
	rh := &replicaHarness{Replica: rep, Reg: prometheus.NewRegistry(), Logs: &syncBuffer{}}
	rh.Router = replica.New(app, read, replica.Options{Interval: 50 * time.Millisecond, MaxLag: 10 * time.Second,
		Logger: slog.New(slog.NewTextHandler(rh.Logs, nil)), Registry: rh.Reg})
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go rh.Router.Run(ctx)
	rh.harness = startHarness(t, owner, app, super, func(o *appOptions) { o.Replicas = rh.Router })
	return rh
}

// reads is how many reads that allow staleness ran on target ("replica" or "primary") for reason ("" any).
func (rh *replicaHarness) reads(t testing.TB, target, reason string) float64 {
	t.Helper()
	families, err := rh.Reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	n := 0.0
	for _, f := range families {
		if f.GetName() != "tradeguard_replica_reads_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["target"] == target && (reason == "" || labels["reason"] == reason) {
				n += m.GetCounter().GetValue()
			}
		}
	}
	return n
}

// gauge is the value of the router's gauge name.
func (rh *replicaHarness) gauge(t testing.TB, name string) float64 {
	t.Helper()
	families, err := rh.Reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() == name {
			return f.GetMetric()[0].GetGauge().GetValue()
		}
	}
	t.Fatalf("no gauge %s", name)
	return 0
}

// ordersSeen asks for the store's ordersLast30Days with the staleness header (if not "") and says which
// pool served it by the change in the read counters.
func (rh *replicaHarness) ordersSeen(t *testing.T, token, storeID, staleness string) (n int, on string) {
	t.Helper()
	before := rh.reads(t, "replica", "")
	req := rh.graphqlRequest(t, token, `query($id: ID!) { node(id: $id) { ... on Store { metrics { ordersLast30Days } } } }`,
		map[string]any{"id": storeID})
	if staleness != "" {
		req.Header.Set(replica.Header, staleness)
	}
	var out struct {
		Metrics struct{ OrdersLast30Days int }
	}
	field(t, ok(t, rh.do(t, req)), "node", &out)
	on = "primary"
	if rh.reads(t, "replica", "") > before {
		on = "replica"
	}
	return out.Metrics.OrdersLast30Days, on
}

func TestReadReplica(t *testing.T) {
	rh := newReplicaHarness(t)
	h := rh.harness
	st := h.freshStore(t)
	owner := h.login(t, st.OwnerEmail)
	partner := tokCreate(t, h, owner, "analytics", "METRICS_READ")
	buyer := uuid.New()
	paid := 0
	addOrder := func() {
		t.Helper()
		h.asSystem(t, func(tx *sqlx.Tx) {
			if paid == 0 {
				if _, err := tx.Exec(`insert into users (id, email, password_hash, display_name, role, created_at)
					values ($1, $2, 'x', 'Replica buyer', 'BUYER', $3)`, buyer, "buyer-"+st.Slug+"@tradeguard.test", h.Clock.Now()); err != nil {
					t.Fatal(err)
				}
			}
			insertPaidOrder(t, tx, st.UUID, uuid.New(), fmt.Sprintf("R-%03d", paid), buyer, 100000, h.Clock.Now().Add(-time.Hour), h.Clock.Now().Add(48*time.Hour))
		})
		paid++
	}

	addOrder()
	eventually(t, "the replica serves the partner's metrics with the first order", func() bool {
		n, on := rh.ordersSeen(t, partner, st.StoreID, "")
		return n == 1 && on == "replica"
	})
	if up, lag := rh.Router.Status(); !up || lag > 5*time.Second {
		t.Fatalf("router: up %v, lag %s", up, lag)
	}

	t.Run("a lagging replica serves what it has; fresher reads go to the primary", func(t *testing.T) {
		rh.Replica.PauseReplay(t)
		defer rh.Replica.ResumeReplay(t)
		addOrder()
		if n, on := rh.ordersSeen(t, partner, st.StoreID, ""); n != 1 || on != "replica" {
			t.Fatalf("replay paused: %d orders from the %s, want 1 from the replica", n, on)
		}
		if n, on := rh.ordersSeen(t, partner, st.StoreID, "0"); n != 2 || on != "primary" {
			t.Fatalf("%s: 0: %d orders from the %s, want 2 from the primary", replica.Header, n, on)
		}
		eventually(t, "the lag passes 1 s", func() bool { _, lag := rh.Router.Status(); return lag > time.Second })
		if g := rh.gauge(t, "tradeguard_replica_lag_seconds"); g < 0.9 {
			t.Fatalf("tradeguard_replica_lag_seconds = %v with over 1 s of lag", g)
		}
		if n, on := rh.ordersSeen(t, partner, st.StoreID, "0.5"); n != 2 || on != "primary" {
			t.Fatalf("%s: 0.5 with over 1 s of lag: %d orders from the %s, want 2 from the primary", replica.Header, n, on)
		}
		if n, on := rh.ordersSeen(t, partner, st.StoreID, "60"); n != 1 || on != "replica" {
			t.Fatalf("%s: 60: %d orders from the %s, want 1 from the replica", replica.Header, n, on)
		}
		// The owner writes (a token): its next reads wait for the replica to replay that write.
		before := rh.reads(t, "primary", "own_write")
		tokCreate(t, h, owner, "another", "ORDERS_READ")
		if n, on := rh.ordersSeen(t, owner, st.StoreID, ""); n != 2 || on != "primary" {
			t.Fatalf("after its own write, the owner read %d orders from the %s, want 2 from the primary", n, on)
		}
		if got := rh.reads(t, "primary", "own_write"); got != before+1 {
			t.Fatalf("primary reads for own_write: %v, want %v", got, before+1)
		}
		if n, on := rh.ordersSeen(t, partner, st.StoreID, ""); n != 1 || on != "replica" {
			t.Fatalf("someone else's write does not fence the partner: %d orders from the %s, want 1 from the replica", n, on)
		}
	})
	eventually(t, "replay resumed: the owner reads both orders from the replica", func() bool {
		n, on := rh.ordersSeen(t, owner, st.StoreID, "")
		return n == 2 && on == "replica"
	})

	t.Run("a bad staleness header is refused before anything runs", func(t *testing.T) {
		for _, v := range []string{"soon", "-1", "1e9", "NaN"} {
			req := rh.graphqlRequest(t, partner, `{ viewer { __typename } }`, nil)
			req.Header.Set(replica.Header, v)
			r := rh.do(t, req)
			if r.Status != http.StatusBadRequest || r.code() != "BAD_USER_INPUT" || !strings.Contains(r.Errors[0].Message, replica.Header) {
				t.Errorf("%s: %q: %d %q %+v", replica.Header, v, r.Status, r.code(), r.Errors)
			}
		}
	})

	t.Run("the scoreboard export reads from the replica", func(t *testing.T) {
		admin := h.login(t, "admin@tradeguard.test")
		before := rh.reads(t, "replica", "")
		req, _ := http.NewRequest(http.MethodGet, h.URL+"/exports/scoreboard.csv", nil)
		req.Header.Set("Authorization", "Bearer "+admin)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 || rh.reads(t, "replica", "") <= before {
			t.Fatalf("scoreboard.csv: %d; replica reads %v → %v", res.StatusCode, before, rh.reads(t, "replica", ""))
		}
	})

	t.Run("a bulk export reads its rows from the replica", func(t *testing.T) {
		x := testExporter(h, 0, 0)
		x.Replicas = rh.Router
		p := createExport(t, h, owner, map[string]any{"kind": "ORDERS"})
		if p.Export == nil {
			t.Fatalf("bulkExportCreate: %+v", p.UserErrors)
		}
		// The export's own row was just written on the primary: wait for the replica to have it too.
		eventually(t, "the replica catches up", func() bool { _, lag := rh.Router.Status(); return lag < time.Second })
		before := rh.reads(t, "replica", "")
		e := finishExport(t, h, x, owner, p.Export.ID)
		if e.Status != "SUCCEEDED" || e.RowsTotal == nil || *e.RowsTotal != 2 || e.RowsDone != 2 || rh.reads(t, "replica", "") <= before {
			t.Fatalf("export %s, %d rows; replica reads %v → %v", e.Status, e.RowsDone, before, rh.reads(t, "replica", ""))
		}
	})

	t.Run("a replica that goes away: the primary serves, with a warning, until it is back", func(t *testing.T) {
		rh.Replica.Stop(t)
		addOrder()
		for range 3 {
			if n, on := rh.ordersSeen(t, partner, st.StoreID, ""); n != 3 || on != "primary" {
				t.Fatalf("replica stopped: %d orders from the %s, want 3 from the primary", n, on)
			}
		}
		if up, _ := rh.Router.Status(); up || rh.gauge(t, "tradeguard_replica_up") != 0 {
			t.Fatal("the router still says the replica is up")
		}
		if !strings.Contains(rh.Logs.String(), "level=WARN msg=\"read replica unavailable") {
			t.Fatalf("no warning logged:\n%s", rh.Logs.String())
		}
		rh.Replica.Start(t)
		eventually(t, "the replica is back and serves all three orders", func() bool {
			n, on := rh.ordersSeen(t, partner, st.StoreID, "")
			return n == 3 && on == "replica"
		})
		if !strings.Contains(rh.Logs.String(), "read replica is back") {
			t.Fatalf("no recovery logged:\n%s", rh.Logs.String())
		}
	})
}

func TestReplicaURL(t *testing.T) {
	app := "postgres://tradeguard_app:secret@primary:5432/tg?sslmode=disable"
	for _, c := range []struct{ read, app, want string }{
		{"postgres://replica:5432/tg?sslmode=disable", app, "postgres://tradeguard_app:secret@replica:5432/tg?sslmode=disable"},
		{"postgresql://reader:pw@replica/tg", app, "postgresql://reader:pw@replica/tg"}, // its own credentials: kept
		{"host=/run/replica user=tradeguard_app dbname=tg", app, "host=/run/replica user=tradeguard_app dbname=tg"},
		{"postgres://replica/tg", "host=/run/primary user=tradeguard_app", "postgres://replica/tg"},
	} {
		if got := replicaURL(c.read, c.app); got != c.want {
			t.Errorf("replicaURL(%q, %q) = %q, want %q", c.read, c.app, got, c.want)
		}
	}
	cfg, err := loadConfig(nil, func(k string) string {
		return map[string]string{"DATABASE_URL": "postgres://o@p/tg", "READ_DATABASE_URL": "postgres://replica/tg"}[k]
	})
	if err != nil || cfg.ReadURL != "postgres://replica/tg" || cfg.ReplicaMaxLag != 10*time.Second {
		t.Fatalf("config: %v, %q, %s", err, cfg.ReadURL, cfg.ReplicaMaxLag)
	}
	if _, err := loadConfig([]string{"-replica-max-lag", "0s"}, func(string) string { return "" }); err == nil ||
		!strings.Contains(err.Error(), "-replica-max-lag") {
		t.Fatalf("-replica-max-lag 0s: %v", err)
	}
}

// BenchmarkReplicaLag: the write loop of make bench (bench/writes: 16 workers, 20 s of orderCreate → orderPay →
// afterSalesCaseCreate → afterSalesCaseApprove) against a server whose database streams to a replica made by
// pg_basebackup -R, on the test cluster (fsync off; synchronous_commit on, as in production). Every 10 ms it samples the
// primary's pg_stat_replication.replay_lag (the walsender's own measure) and the router's bound as
// tradeguard_replica_lag_seconds exports it (set at each check, every 50 ms here). One iteration is the measure:
//
//	go test ./server -run '^$' -bench ReplicaLag -benchtime 1x
func BenchmarkReplicaLag(b *testing.B) {
	rh := newReplicaHarness(b)
	super, err := sqlx.Open("postgres", testdb.New(b))
	if err != nil {
		b.Fatal(err)
	}
	defer super.Close()
	// Commits flush WAL as in production (the test cluster turns synchronous_commit off, which leaves WAL to
	// the 200 ms WAL writer, and a walsender sends only flushed WAL). fsync stays off: flushing costs nothing.
	for _, q := range []string{`alter system set synchronous_commit = on`, `select pg_reload_conf()`} {
		if _, err := super.Exec(q); err != nil {
			b.Fatal(err)
		}
	}
	defer func() {
		_, _ = super.Exec(`alter system reset synchronous_commit`)
		_, _ = super.Exec(`select pg_reload_conf()`)
	}()
	var replay, bound []time.Duration
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			select {
			case <-stop:
				return
			case <-time.After(10 * time.Millisecond):
			}
			var us *float64
			if err := super.Get(&us, `select extract(epoch from replay_lag) * 1e6 from pg_stat_replication limit 1`); err == nil {
				d := time.Duration(0)
				if us != nil { // null: nothing to replay since the last report
					d = time.Duration(*us) * time.Microsecond
				}
				replay = append(replay, d)
			}
			bound = append(bound, time.Duration(rh.gauge(b, "tradeguard_replica_lag_seconds")*float64(time.Second)))
		}
	}()
	cmd := exec.Command("go", "run", "./bench/writes", "-url", rh.URL+"/graphql", "-c", "16", "-d", "20s")
	cmd.Dir = ".."
	out, err := cmd.CombinedOutput()
	close(stop)
	<-sampled
	if err != nil {
		b.Fatalf("bench/writes: %v\n%s", err, out)
	}
	b.Logf("bench/writes (step RESULT requests/s p50 p99 failed):\n%s", out)
	for name, ds := range map[string][]time.Duration{"replay_lag": replay, "gauge": bound} {
		slices.Sort(ds)
		q := func(f float64) float64 { return float64(ds[int(f*float64(len(ds)-1))].Microseconds()) / 1000 }
		b.ReportMetric(q(0.5), name+"-p50-ms")
		b.ReportMetric(q(0.99), name+"-p99-ms")
		b.ReportMetric(q(1), name+"-max-ms")
	}
}
