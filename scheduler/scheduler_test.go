package scheduler_test

// The scheduler on its own, against real PostgreSQL: scheduling moves a deadline, cancelling touches only
// pending ones, RunDue works through more than one batch, a handler may postpone its own deadline, and a
// store's deadlines are its own under row-level security. (Order deadlines at their edges, two runners, and
// retries are tested with the orders in orders/lifecycle_test.go.)

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"tradeguard/internal/clock"
	"tradeguard/internal/testdb"
	"tradeguard/scheduler"
	"tradeguard/tenants"
)

func TestMain(m *testing.M) { testdb.Main(m) }

var t0 = time.Date(2026, 6, 15, 2, 0, 0, 0, time.UTC)

type env struct {
	t     *testing.T
	ctx   context.Context
	app   *sqlx.DB
	clock *clock.Fake
	store uuid.UUID
}

func newEnv(t *testing.T) *env {
	t.Helper()
	_, app := testdb.Migrated(t)
	e := &env{t: t, ctx: context.Background(), app: app, clock: clock.NewFake(t0), store: uuid.New()}
	e.sys(func(s *tenants.Session) error {
		return s.Do(e.ctx, func(tx *sqlx.Tx) error {
			_, err := tx.Exec(`insert into stores (id, slug, name, category, currency) values ($1, $2, 'Test', 'electronics', 'TWD')`,
				e.store, "s-"+e.store.String()[:8])
			return err
		})
	})
	return e
}

func (e *env) as(p tenants.Principal, fn func(s *tenants.Session) error) error {
	return tenants.Run(e.ctx, e.app, p, func(tx *sqlx.Tx) error { return fn(tenants.Attach(tx, p)) })
}

func (e *env) sys(fn func(s *tenants.Session) error) {
	e.t.Helper()
	if err := e.as(tenants.System, fn); err != nil {
		e.t.Fatalf("as system: %v", err)
	}
}

func (e *env) schedule(kind string, subject uuid.UUID, due time.Time) {
	e.t.Helper()
	e.sys(func(s *tenants.Session) error {
		return scheduler.Schedule(e.ctx, s, scheduler.Deadline{TenantID: &e.store, Kind: kind, SubjectID: subject, DueAt: due}, e.clock.Now())
	})
}

func (e *env) get(kind string, subject uuid.UUID) scheduler.Deadline {
	e.t.Helper()
	var d scheduler.Deadline
	e.sys(func(s *tenants.Session) error {
		return s.Do(e.ctx, func(tx *sqlx.Tx) error {
			return tx.Get(&d, `select id, tenant_id, buyer_id, user_id, kind, subject_id, due_at, status, attempts, last_error
				from deadlines where kind = $1 and subject_id = $2
				union all select id, null, null, user_id, kind, subject_id, due_at, status, attempts, last_error
				from platform_deadlines where kind = $1 and subject_id = $2`, kind, subject)
		})
	})
	return d
}

func (e *env) runner(handlers map[string]scheduler.Handler) *scheduler.Runner {
	return &scheduler.Runner{DB: e.app, Now: e.clock.Now, Handlers: handlers, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

func TestScheduleMovesAndCancelTouchesOnlyPending(t *testing.T) {
	e := newEnv(t)
	subject := uuid.New()
	e.schedule("test.move", subject, t0.Add(time.Hour))
	first := e.get("test.move", subject)
	e.schedule("test.move", subject, t0.Add(2*time.Hour))
	moved := e.get("test.move", subject)
	if moved.ID != first.ID || !moved.DueAt.Equal(t0.Add(2*time.Hour)) || moved.Status != "PENDING" {
		t.Fatalf("scheduling again: %+v, want the same row moved", moved)
	}
	var pending []scheduler.Deadline
	e.sys(func(s *tenants.Session) (err error) { pending, err = scheduler.Pending(e.ctx, s, subject); return err })
	if len(pending) != 1 {
		t.Fatalf("pending: %+v", pending)
	}

	e.sys(func(s *tenants.Session) error {
		return scheduler.Cancel(e.ctx, s, &e.store, "test.move", subject, e.clock.Now())
	})
	if d := e.get("test.move", subject); d.Status != "CANCELLED" {
		t.Fatalf("cancelled: %+v", d)
	}
	// Cancelling a deadline that already acted leaves it as it was.
	done := uuid.New()
	e.schedule("test.done", done, t0)
	if _, err := e.runner(map[string]scheduler.Handler{"test.done": func(context.Context, *tenants.Session, scheduler.Deadline, time.Time) error {
		return nil
	}}).RunDue(e.ctx); err != nil {
		t.Fatal(err)
	}
	e.sys(func(s *tenants.Session) error {
		return scheduler.Cancel(e.ctx, s, &e.store, "test.done", done, e.clock.Now())
	})
	if d := e.get("test.done", done); d.Status != "DONE" {
		t.Fatalf("a done deadline after Cancel: %+v", d)
	}
	// Scheduling a cancelled deadline again revives it, with a clean slate.
	e.schedule("test.move", subject, t0.Add(3*time.Hour))
	if d := e.get("test.move", subject); d.Status != "PENDING" || d.Attempts != 0 || d.LastError != nil {
		t.Fatalf("rescheduled: %+v", d)
	}
}

func TestRunDueWorksThroughEveryBatch(t *testing.T) {
	// Several workers claim batches at once: still each deadline acts exactly once.
	for _, workers := range []int{1, 3} {
		t.Run(fmt.Sprintf("workers=%d", workers), func(t *testing.T) { runEveryBatch(t, workers) })
	}
}

func runEveryBatch(t *testing.T, workers int) {
	e := newEnv(t)
	const n = 130 // more than two batches
	var calls atomic.Int32
	var mu sync.Mutex
	seen := map[uuid.UUID]int{}
	var subjects []uuid.UUID
	for range n {
		s := uuid.New()
		subjects = append(subjects, s)
		e.schedule("test.batch", s, t0.Add(-time.Minute))
	}
	later := uuid.New()
	e.schedule("test.batch", later, t0.Add(time.Second))
	r := e.runner(map[string]scheduler.Handler{"test.batch": func(_ context.Context, _ *tenants.Session, d scheduler.Deadline, _ time.Time) error {
		calls.Add(1)
		mu.Lock()
		defer mu.Unlock()
		seen[d.SubjectID]++
		return nil
	}})
	r.Workers = workers
	st, err := r.RunDue(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Done < n || calls.Load() != n {
		t.Fatalf("RunDue: %+v, %d calls, want %d", st, calls.Load(), n)
	}
	for _, s := range subjects {
		if seen[s] != 1 || e.get("test.batch", s).Status != "DONE" {
			t.Fatalf("subject %s: %d calls, %+v", s, seen[s], e.get("test.batch", s))
		}
	}
	if d := e.get("test.batch", later); d.Status != "PENDING" || seen[later] != 0 {
		t.Fatalf("a deadline due 1s later acted: %+v", d)
	}
	e.clock.Advance(time.Second)
	if _, err := r.RunDue(e.ctx); err != nil {
		t.Fatal(err)
	}
	if d := e.get("test.batch", later); d.Status != "DONE" || calls.Load() != n+1 {
		t.Fatalf("at its time: %+v, %d calls", d, calls.Load())
	}
}

func TestHandlerMayPostponeItsOwnDeadline(t *testing.T) {
	e := newEnv(t)
	subject := uuid.New()
	e.schedule("test.postpone", subject, t0)
	var calls atomic.Int32
	r := e.runner(map[string]scheduler.Handler{"test.postpone": func(ctx context.Context, s *tenants.Session, d scheduler.Deadline, now time.Time) error {
		if calls.Add(1) == 1 {
			return scheduler.Schedule(ctx, s, scheduler.Deadline{TenantID: d.TenantID, Kind: d.Kind, SubjectID: d.SubjectID, DueAt: now.Add(time.Hour)}, now)
		}
		return nil
	}})
	if _, err := r.RunDue(e.ctx); err != nil {
		t.Fatal(err)
	}
	if d := e.get("test.postpone", subject); d.Status != "PENDING" || !d.DueAt.Equal(t0.Add(time.Hour)) || calls.Load() != 1 {
		t.Fatalf("postponed: %+v (%d calls)", d, calls.Load())
	}
	e.clock.Set(t0.Add(time.Hour))
	if _, err := r.RunDue(e.ctx); err != nil {
		t.Fatal(err)
	}
	if d := e.get("test.postpone", subject); d.Status != "DONE" || calls.Load() != 2 {
		t.Fatalf("at the new time: %+v (%d calls)", d, calls.Load())
	}
}

func TestStoresSeeOnlyTheirOwnDeadlines(t *testing.T) {
	e := newEnv(t)
	subject := uuid.New()
	e.schedule("test.mine", subject, t0.Add(time.Hour))
	own := tenants.Principal{Role: tenants.RoleMerchant, UserID: uuid.New(), StoreID: e.store, StaffRole: tenants.StaffOwner}
	foreign := tenants.Principal{Role: tenants.RoleMerchant, UserID: uuid.New(), StoreID: uuid.New(), StaffRole: tenants.StaffOwner}
	for _, tc := range []struct {
		name string
		p    tenants.Principal
		want int
	}{{"own store", own, 1}, {"another store", foreign, 0}, {"a buyer", tenants.Principal{Role: tenants.RoleBuyer, UserID: uuid.New()}, 0},
		{"anonymous", tenants.Anonymous, 0}} {
		var got []scheduler.Deadline
		if err := e.as(tc.p, func(s *tenants.Session) (err error) { got, err = scheduler.Pending(e.ctx, s, subject); return err }); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if len(got) != tc.want {
			t.Fatalf("%s sees %d pending deadlines, want %d", tc.name, len(got), tc.want)
		}
	}
	if err := e.as(foreign, func(s *tenants.Session) error { return scheduler.Cancel(e.ctx, s, &e.store, "test.mine", subject, t0) }); err != nil {
		t.Fatal(err)
	}
	if d := e.get("test.mine", subject); d.Status != "PENDING" {
		t.Fatalf("another store cancelled the deadline: %+v", d)
	}
}

// TestEnsureLeavesAPendingJobAlone: Ensure (what every process calls at start-up for a recurring job) creates
// the row when missing and restarts it when it has stopped, but never moves a pending one, so a restart does
// not run the job again early. (A platform job's kind: only those may have a row without an owner.)
func TestEnsureLeavesAPendingJobAlone(t *testing.T) {
	e := newEnv(t)
	ensure := func(subject uuid.UUID, due time.Time) {
		e.sys(func(s *tenants.Session) error {
			return scheduler.Ensure(e.ctx, s, scheduler.Deadline{Kind: "scores.snapshot", SubjectID: subject, DueAt: due}, e.clock.Now())
		})
	}
	cases := []struct {
		name   string
		before func(subject uuid.UUID) // the row's state when Ensure is called
		want   time.Time               // its due time after Ensure(t0)
	}{
		{"missing", func(uuid.UUID) {}, t0},
		{"pending later", func(subject uuid.UUID) { ensure(subject, t0.Add(time.Hour)) }, t0.Add(time.Hour)},
		{"pending earlier", func(subject uuid.UUID) { ensure(subject, t0.Add(-time.Hour)) }, t0.Add(-time.Hour)},
		{"cancelled", func(subject uuid.UUID) {
			ensure(subject, t0.Add(time.Hour))
			e.sys(func(s *tenants.Session) error {
				return scheduler.Cancel(e.ctx, s, nil, "scores.snapshot", subject, e.clock.Now())
			})
		}, t0},
	}
	for _, c := range cases { // not subtests: the env's helpers fail the test they were made with
		subject := uuid.New()
		c.before(subject)
		ensure(subject, t0)
		if d := e.get("scores.snapshot", subject); d.Status != "PENDING" || !d.DueAt.Equal(c.want) {
			t.Errorf("%s: after Ensure %s due %s, want PENDING due %s", c.name, d.Status, d.DueAt.UTC(), c.want)
		}
	}
}
