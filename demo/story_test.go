package demo_test

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"tradeguard/metrics"
	"tradeguard/scoring"
	"tradeguard/tenants"
)

// checkStory: the demo tells its story — one excellent store, one average, one failing on dissatisfaction and
// late shipments, each rated on enough recent orders; cases of every type in every state, a queue due today,
// arbitrations, appeals, complaints, violations with a penalty in force, score history — and its money adds up.
func checkStory(t *testing.T, super, app *sqlx.DB, now time.Time) {
	ctx := context.Background()
	var stores []tenants.Store
	if err := super.Select(&stores, `select id, slug, name, category, currency, time_zone, status, created_at from stores order by slug`); err != nil {
		t.Fatal(err)
	}
	// Maple's level may move by one band with the time of day (its windows are whole days in its time zone,
	// and a handful of its orders sit at their edges); the order of the three and the gaps between them stay.
	wantLevel := map[string][]string{"lotus-electronics": {"S", "A"}, "maple-apparel": {"A", "B", "C"}, "harbor-foods": {"D"}}
	scores := map[string]float64{}
	for _, st := range stores {
		var sc scoring.Score
		if err := tenants.Run(ctx, app, tenants.System, func(tx *sqlx.Tx) (err error) {
			sc, err = scoring.Live(ctx, tenants.Attach(tx, tenants.System), st, now, now)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: score %.1f level %s (orders in 30 days %d, points %d general / %d serious)", st.Slug, sc.Score, sc.Level,
			sc.Orders30d, sc.GeneralPoints, sc.SeriousPoints)
		keys := make([]string, 0, len(sc.Metrics))
		for k := range sc.Metrics {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			v := sc.Metrics[k]
			t.Logf("    %-20s %8.4f  %d/%d  %s", k, v.Value, v.Numerator, v.Denominator, v.Status)
		}
		scores[st.Slug] = sc.Score
		if sc.Orders30d < metrics.MinOrders {
			t.Errorf("%s: %d orders in 30 days, want at least %d", st.Slug, sc.Orders30d, metrics.MinOrders)
		}
		if !slices.Contains(wantLevel[st.Slug], sc.Level) {
			t.Errorf("%s: level %s (score %.1f), want one of %v", st.Slug, sc.Level, sc.Score, wantLevel[st.Slug])
		}
		if st.Slug == "harbor-foods" {
			for _, k := range []string{metrics.Dissatisfaction, metrics.LateShipment} {
				if s := sc.Metrics[k].Status; s != scoring.Failing {
					t.Errorf("harbor: %s is %s, want %s", k, s, scoring.Failing)
				}
			}
		}
	}

	if !(scores["lotus-electronics"] >= scores["maple-apparel"]+10 && scores["maple-apparel"] >= scores["harbor-foods"]+20) {
		t.Errorf("scores %v: want lotus well above maple, maple well above harbor", scores)
	}

	// every type, every state (REFUNDING only lasts while the provider is unreachable)
	var kinds []struct {
		Type   string `db:"type"`
		Status string `db:"status"`
		N      int    `db:"n"`
	}
	if err := super.Select(&kinds, `select type, status, count(*) n from cases group by 1, 2 order by 1, 2`); err != nil {
		t.Fatal(err)
	}
	var perStore pq.StringArray
	if err := super.Get(&perStore, `select array_agg(x order by x) from (select s.slug || ':' || c.type || '/' || c.status ||
		coalesce('/' || c.ruling, '') || '=' || count(*) x from cases c join stores s on s.id = c.tenant_id
		group by s.slug, c.type, c.status, c.ruling) y`); err != nil {
		t.Fatal(err)
	}
	t.Logf("cases by store: %v", perStore)
	types, statuses := map[string]int{}, map[string]int{}
	var lines []string
	for _, k := range kinds {
		types[k.Type] += k.N
		statuses[k.Status] += k.N
		lines = append(lines, fmt.Sprintf("%s/%s=%d", k.Type, k.Status, k.N))
	}
	t.Logf("cases: %s", strings.Join(lines, " "))
	for _, ty := range []string{"ORDER_CANCEL", "REFUND_ONLY", "RETURN_REFUND", "EXCHANGE", "WARRANTY_REPAIR", "COMPLAINT"} {
		if types[ty] == 0 {
			t.Errorf("no %s case", ty)
		}
	}
	for _, s := range []string{"REQUESTED", "AWAITING_RETURN", "RETURN_SHIPPED", "AWAITING_RESHIP", "RESHIPPED", "REFUNDED",
		"REFUND_FAILED", "REJECTED", "IN_ARBITRATION", "CLOSED_FOR_MERCHANT", "COMPLETED", "WITHDRAWN", "CLOSED", "PLATFORM_REVIEW"} {
		if statuses[s] == 0 {
			t.Errorf("no case in %s", s)
		}
	}

	var n struct {
		DueToday, Overdue, Appealed, Reversed, UpheldComplaints, Penalties, Snapshots, Flags, Chargebacks, Messages int
	}
	if err := super.QueryRow(`select
			(select count(distinct tenant_id) from cases where status = 'REQUESTED' and respond_by between $1 and $1::timestamptz + interval '24 hours'),
			(select count(*) from cases where deadline_at < $1 and deadline_action in ('PLATFORM_ANSWERS', 'EVIDENCE_CLOSES')),
			(select count(*) from cases where appealed_at is not null and appeal_decided_at is null),
			(select count(*) from cases where appeal_decided_at is not null),
			(select count(*) from cases where type = 'COMPLAINT' and complaint_outcome <> 'REJECTED'),
			(select count(*) from store_penalties p join stores s on s.id = p.tenant_id
				where s.slug = 'harbor-foods' and p.starts_at <= $1 and (p.ends_at is null or p.ends_at > $1) and p.lifted_at is null),
			(select count(*) from score_snapshots),
			(select count(*) from buyer_abuse_flags),
			(select count(*) from chargebacks),
			(select count(*) from case_messages)`, now).Scan(&n.DueToday, &n.Overdue, &n.Appealed, &n.Reversed,
		&n.UpheldComplaints, &n.Penalties, &n.Snapshots, &n.Flags, &n.Chargebacks, &n.Messages); err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", n)
	if n.DueToday != 3 {
		t.Errorf("%d stores with a case due within a day, want 3", n.DueToday)
	}
	if n.Overdue < 2 || n.Appealed < 2 || n.Reversed == 0 || n.UpheldComplaints == 0 || n.Flags != 1 || n.Chargebacks != 1 || n.Messages == 0 {
		t.Errorf("platform's queue: %+v", n)
	}
	if n.Penalties == 0 {
		t.Error("harbor: no penalty in force")
	}
	if n.Snapshots < 3*90 {
		t.Errorf("%d score snapshots, want 91 days of 3 stores", n.Snapshots)
	}
	// every store rated all along its history: enough orders in every window
	var unrated pq.StringArray
	if err := super.Get(&unrated, `select coalesce(array_agg(s.slug || ' ' || x.day || ' ' || x.orders_30d), '{}')
		from score_snapshots x join stores s on s.id = x.tenant_id where x.level = 'UNRATED'`); err != nil {
		t.Fatal(err)
	}
	if len(unrated) > 0 {
		t.Errorf("unrated days (store, day, orders in 30 days): %v", unrated)
	}
	var violations pq.StringArray
	if err := super.Get(&violations, `select array_agg(s.slug || ':' || v.code || ':' || v.status order by s.slug, v.issued_at)
		from violations v join stores s on s.id = v.tenant_id`); err != nil {
		t.Fatal(err)
	}
	t.Logf("violations: %v", violations)
	for _, want := range []string{"harbor-foods:HARASSING_BUYERS:REVOKED", "harbor-foods:FALSE_ADVERTISING:APPEALED",
		"maple-apparel:FAKE_TRACKING:UPHELD", "harbor-foods:MISSED_RESPONSE:ACTIVE"} {
		if !slices.Contains(violations, want) {
			t.Errorf("no violation %s", want)
		}
	}

	// money: every case's refunds are its refunded amount; an order's refunds are its cases' and never more
	// than was paid.
	zero(t, super, "case refunds", `select count(*) from cases c where c.type <> 'ORDER_CANCEL' and c.refunded_minor <> coalesce((select sum(amount_minor)
		from refunds r where r.tenant_id = c.tenant_id and r.case_id = c.id and r.status = 'SUCCEEDED'), 0)`)
	zero(t, super, "order refunds", `select count(*) from orders o where o.refunded_minor > o.paid_minor
		or (o.status <> 'CANCELLED' and o.refunded_minor <> coalesce((select sum(refunded_minor) from cases c
			where c.tenant_id = o.tenant_id and c.order_id = o.id), 0))`)
	zero(t, super, "case times after now", `select count(*) from case_events where at > $1`, now)
}
