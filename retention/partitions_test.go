package retention_test

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"tradeguard/demo"
	"tradeguard/internal/testdb"
	"tradeguard/retention"
	"tradeguard/scheduler"
	"tradeguard/tenants"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// TestMaintenanceJob: scheduled once at start-up, it runs when due as the system, making the months the demo's
// events need (they waited in the default partition) and the next one's run a day later; nobody else may run it.
func TestMaintenanceJob(t *testing.T) {
	_, app := testdb.Migrated(t)
	now := time.Date(2026, 6, 15, 2, 0, 0, 0, time.UTC)
	if _, err := demo.Load(context.Background(), app, now); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	run := func(p tenants.Principal, fn func(s *tenants.Session) error) error {
		s := tenants.NewSession(app, p, false)
		if err := fn(s); err != nil {
			_ = s.Rollback()
			return err
		}
		return s.Commit()
	}
	admin := tenants.Principal{Role: tenants.RoleAdmin}
	if _, err := retention.Maintain(ctx, tenants.NewSession(app, admin, false), now); err != tenants.ErrForbidden {
		t.Fatalf("Maintain as an admin: %v, want ErrForbidden", err)
	}
	if err := run(admin, func(s *tenants.Session) error { return retention.Ensure(ctx, s, now) }); err != tenants.ErrForbidden {
		t.Fatalf("Ensure as an admin: %v, want ErrForbidden", err)
	}
	for range 2 { // a second process starting: still one row, same time
		if err := run(tenants.System, func(s *tenants.Session) error { return retention.Ensure(ctx, s, now) }); err != nil {
			t.Fatal(err)
		}
	}
	pending := func() []scheduler.Deadline {
		var ds []scheduler.Deadline
		if err := run(tenants.System, func(s *tenants.Session) (err error) {
			ds, err = scheduler.Pending(ctx, s, retention.Subject)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return ds
	}
	if ds := pending(); len(ds) != 1 || !ds[0].DueAt.Equal(now) || ds[0].TenantID != nil {
		t.Fatalf("pending maintenance: %+v", ds)
	}
	r := &scheduler.Runner{DB: app, Now: func() time.Time { return now.Add(time.Minute) }, Handlers: retention.Handlers(),
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if n, err := r.RunDue(ctx); err != nil || n.Done != 1 {
		t.Fatalf("RunDue: %+v, %v", n, err)
	}
	if ds := pending(); len(ds) != 1 || !ds[0].DueAt.Equal(now.Add(time.Minute+retention.Every)) {
		t.Fatalf("after the run: %+v, want the next run a day later", ds)
	}
	// The demo's events (up to a year before now) left the default partition for their months.
	var parts []string
	if err := run(tenants.System, func(s *tenants.Session) error {
		return s.Do(ctx, func(tx *sqlx.Tx) error {
			return tx.Select(&parts, `select distinct tableoid::regclass::text from order_events order by 1`)
		})
	}); err != nil {
		t.Fatal(err)
	}
	if len(parts) < 6 || slices.Contains(parts, "order_events_default") || !slices.Contains(parts, "order_events_202606") {
		t.Fatalf("order events are in %v", parts)
	}
}
