package migrations_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"tradeguard/demo"
	"tradeguard/internal/testdb"
	"tradeguard/migrations"
)

// systemCount counts a table's rows as the system (the owner, with the system context).
func systemCount(t *testing.T, owner *sqlx.DB, table string) int {
	t.Helper()
	tx := owner.MustBegin()
	defer tx.Rollback()
	if _, err := tx.Exec(setContext, "system", "", ""); err != nil {
		t.Fatal(err)
	}
	return count(t, tx, table)
}

// TestOrderEventsPartitionsDownAndUp: migrations 00019 and 00023 turn order_events and case_events into
// monthly partitions and back (with 00020–00022 between them), and neither way loses an event.
func TestOrderEventsPartitionsDownAndUp(t *testing.T) {
	_, owner, app := testdb.Another(t, "partitions")
	if _, err := demo.Load(context.Background(), app, demoNow); err != nil {
		t.Fatal(err)
	}
	n := systemCount(t, owner, "order_events")
	cases := systemCount(t, owner, "case_events")
	if n == 0 || cases == 0 {
		t.Fatalf("the demo wrote %d order events and %d case events", n, cases)
	}
	if err := migrations.DownTo(context.Background(), owner.DB, 18); err != nil {
		t.Fatal(err)
	}
	var kind string
	if err := owner.Get(&kind, `select relkind::text from pg_class where oid = 'order_events'::regclass`); err != nil || kind != "r" {
		t.Fatalf("after Down: order_events relkind %q (%v), want r", kind, err)
	}
	if got := systemCount(t, owner, "order_events"); got != n {
		t.Fatalf("after Down: %d order events, want %d", got, n)
	}
	if err := migrations.Up(context.Background(), owner.DB); err != nil {
		t.Fatal(err)
	}
	if got := systemCount(t, owner, "order_events"); got != n {
		t.Fatalf("after Up again: %d order events, want %d", got, n)
	}
	if got := systemCount(t, owner, "case_events"); got != cases {
		t.Fatalf("after down and up: %d case events, want %d", got, cases)
	}
}

// TestMaintainTimePartitions: months ahead are made, months past the retention are detached into schema
// archive, a row of a month not made yet waits in the default partition and moves into its month when that
// month is made; queries by store and time read only the months they name.
func TestMaintainTimePartitions(t *testing.T) {
	_, owner, app := testdb.Another(t, "maintain")
	if _, err := demo.Load(context.Background(), app, demoNow); err != nil {
		t.Fatal(err)
	}
	maintain := func(at time.Time) []string {
		t.Helper()
		var actions []string
		if err := app.Select(&actions, `select * from maintain_time_partitions($1)`, at); err != nil {
			t.Fatalf("maintain_time_partitions(%s): %v", at, err)
		}
		return actions
	}
	partitionOf := func(id string) string {
		t.Helper()
		tx := owner.MustBegin()
		defer tx.Rollback()
		if _, err := tx.Exec(setContext, "system", "", ""); err != nil {
			t.Fatal(err)
		}
		var p string
		if err := tx.Get(&p, `select tableoid::regclass::text from order_events where id = $1`, id); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// An event far in the future: no month of it yet, so the default partition holds it.
	future := time.Date(2031, 3, 10, 12, 0, 0, 0, time.UTC)
	var id string
	tx := owner.MustBegin()
	if _, err := tx.Exec(setContext, "system", "", ""); err != nil {
		t.Fatal(err)
	}
	if err := tx.Get(&id, `insert into order_events (tenant_id, id, order_id, buyer_id, at, actor, action)
		select tenant_id, gen_random_uuid(), id, buyer_id, $1, 'SYSTEM', 'TEST' from orders limit 1 returning id`, future); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if p := partitionOf(id); p != "order_events_default" {
		t.Fatalf("an event of 2031-03 is in %s, want order_events_default", p)
	}
	before := systemCount(t, owner, "order_events")

	// Maintenance as of 2031-01: months up to 2031-04 are made (2031-03 takes the waiting row); every month
	// that ended before 2027-01 (4 years back) is detached.
	actions := maintain(time.Date(2031, 1, 20, 0, 0, 0, 0, time.UTC))
	joined := strings.Join(actions, "\n")
	for _, want := range []string{"created order_events_203103", "created order_events_203104", "detached order_events_202612"} {
		if !strings.Contains(joined, want) {
			t.Errorf("maintenance did not report %q:\n%s", want, joined)
		}
	}
	if strings.Contains(joined, "order_events_203105") || strings.Contains(joined, "detached order_events_202701") {
		t.Errorf("maintenance went too far:\n%s", joined)
	}
	if p := partitionOf(id); p != "order_events_203103" {
		t.Fatalf("after maintenance the 2031-03 event is in %s, want order_events_203103", p)
	}
	var archived []string
	if err := owner.Select(&archived, `select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
		where n.nspname = 'archive' and c.relkind = 'r' order by 1`); err != nil {
		t.Fatal(err)
	}
	if len(archived) == 0 || archived[len(archived)-1] != "order_events_202612" {
		t.Fatalf("schema archive holds %v, want the months up to order_events_202612", archived)
	}
	// The detached months' events left the table (the demo's events are of 2026), the rest stayed.
	if after := systemCount(t, owner, "order_events"); after >= before || after < 1 {
		t.Fatalf("order events: %d before, %d after detaching", before, after)
	}
	if again := maintain(time.Date(2031, 1, 21, 0, 0, 0, 0, time.UTC)); len(again) != 0 {
		t.Fatalf("a second run the next day did something: %v", again)
	}

	// A store's events in a time range read only the months of the range.
	var plan []string
	if err := owner.Select(&plan, `explain (costs off) select * from order_events
		where tenant_id = gen_random_uuid() and at >= '2031-03-01' and at < '2031-04-01'`); err != nil {
		t.Fatal(err)
	}
	text := strings.Join(plan, "\n")
	t.Logf("plan:\n%s", text)
	if !strings.Contains(text, "order_events_203103") || strings.Contains(text, "order_events_203102") ||
		strings.Contains(text, "order_events_203104") || strings.Contains(text, "order_events_default") {
		t.Fatalf("the plan does not prune to 2031-03:\n%s", text)
	}
}
