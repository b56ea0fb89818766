package datagen_test

// The metrics recount: generate the tiny data set, then for every store, every rate, the rating average and
// the response time, at several as-of instants, compare metrics.Compute (which counts metric_signals written by
// the triggers) with a plain-SQL recount over the raw facts written here from DESIGN §3.4 alone.

import (
	"context"
	"errors"
	"math"
	"sort"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"tradeguard/datagen"
	"tradeguard/internal/testdb"
	"tradeguard/metrics"
	"tradeguard/scoring"
	"tradeguard/tenants"
)

func TestMain(m *testing.M) { testdb.Main(m) }

var genNow = time.Date(2026, 12, 5, 10, 30, 0, 0, time.UTC)

// generated is the tiny data set in this binary's database, made once.
var generated struct {
	sum  datagen.Summary
	err  error
	done bool
}

// tiny returns connections (closed when t ends) to the database holding the tiny data set, seed 1.
func tiny(t *testing.T) (owner, app *sqlx.DB, sum datagen.Summary) {
	t.Helper()
	owner, app = testdb.Migrated(t)
	if !generated.done {
		generated.done = true
		generated.sum, generated.err = datagen.Generate(context.Background(), owner.DB, datagen.Tiny, 1, genNow, nil)
		t.Logf("tiny: %+v", generated.sum)
	}
	if generated.err != nil {
		t.Fatalf("generate: %v", generated.err)
	}
	return owner, app, generated.sum
}

// recountSQL: one row per rate metric (key, numerator, denominator) for store $1 as of $2 in time zone $3.
// A window of N days is the orders paid from midnight (store time) N-1 days before the as-of day up to the
// as-of instant. A ruling "stands" at t as the appeal's decision if it was decided by t, else the first
// ruling if made by t (the first ruling of an overturned case is the opposite of the final one).
const recountSQL = `
with w as (
	select (date_trunc('day', $2::timestamptz at time zone $3) - interval '29 days') at time zone $3 f30,
		(date_trunc('day', $2::timestamptz at time zone $3) - interval '59 days') at time zone $3 f60),
rc as (
	select c.*, case when c.appeal_decided_at <= $2 then c.ruling
		when c.ruled_at <= $2 then case when c.appeal_outcome = 'OVERTURNED' then
			case c.ruling when 'FOR_BUYER' then 'FOR_MERCHANT' else 'FOR_BUYER' end else c.ruling end end standing,
		(select min(e.at) from case_events e where e.tenant_id = c.tenant_id and e.case_id = c.id and e.action = 'RESOLVE_COMPLAINT') resolved_at
	from cases c where c.tenant_id = $1 and c.created_at <= $2),
o as (
	select o.*, o.paid_at >= w.f30 in30,
		exists (select 1 from rc where rc.order_id = o.id and rc.type <> 'COMPLAINT' and rc.reason_category = 'QUALITY'
			and rc.standing is distinct from 'FOR_MERCHANT') quality_case,
		exists (select 1 from rc where rc.order_id = o.id and rc.type = 'COMPLAINT' and rc.complaint_outcome <> 'REJECTED'
			and rc.resolved_at <= $2 and rc.standing is distinct from 'FOR_MERCHANT') upheld_complaint,
		exists (select 1 from ratings r where r.tenant_id = $1 and r.order_id = o.id and r.created_at <= $2
			and case when r.revised_at <= $2 then r.overall else r.initial_overall end <= 2) negative,
		exists (select 1 from buyer_abuse_flags f where f.buyer_id = o.buyer_id and f.flagged_at <= $2
			and (f.cleared_at is null or f.cleared_at > $2)) flagged,
		exists (select 1 from rc where rc.order_id = o.id and rc.reason_category <> 'BUYER' and rc.standing = 'FOR_BUYER') for_buyer,
		exists (select 1 from chargebacks b where b.tenant_id = $1 and b.order_id = o.id and b.reported_at <= $2) chargeback,
		exists (select 1 from rc where rc.order_id = o.id and rc.reason_category <> 'BUYER' and rc.refunded_at <= $2
			and rc.refunded_minor > 0) refund,
		exists (select 1 from rc where rc.order_id = o.id and rc.reason_category = 'QUALITY' and rc.refunded_at <= $2
			and rc.refunded_minor > 0) quality_refund,
		exists (select 1 from rc where rc.order_id = o.id and rc.reason_category <> 'BUYER' and rc.escalated_at <= $2) escalated,
		o.ship_by < $2 and not coalesce(o.cancelled_at < o.ship_by, false) ship_due,
		o.shipped_at is null or o.shipped_at > o.ship_by or o.shipped_at > $2 shipped_late
	from orders o, w where o.tenant_id = $1 and o.paid_at >= w.f60 and o.paid_at <= $2)
select k, num, den from (
	select count(*) filter (where in30 and not flagged and (quality_case or negative or upheld_complaint)) dis_n,
		count(*) filter (where in30) n30, count(*) n60,
		count(*) filter (where negative or for_buyer or chargeback) odr_n,
		count(*) filter (where in30 and refund) ref_n, count(*) filter (where in30 and quality_refund) qref_n,
		count(*) filter (where in30 and escalated) int_n, count(*) filter (where in30 and for_buyer) dis2_n,
		count(*) filter (where in30 and ship_due and shipped_late) late_n, count(*) filter (where in30 and ship_due) late_d,
		count(*) filter (where in30 and cancelled_at <= $2 and cancel_kind in ('MERCHANT', 'NOT_SHIPPED')) can_n
	from o) x,
lateral (values ('dissatisfactionRate', dis_n, n30), ('orderDefectRate', odr_n, n60), ('refundRate', ref_n, n30),
	('qualityRefundRate', qref_n, n30), ('interventionRate', int_n, n30), ('disputeRate', dis2_n, n30),
	('lateShipmentRate', late_n, late_d), ('cancellationRate', can_n, n30)) v(k, num, den)`

type fig struct{ num, den int }

func TestGenRecountAgreesWithMetrics(t *testing.T) {
	_, app, _ := tiny(t)
	ctx := context.Background()
	var stores []tenants.Store
	if err := tenants.Run(ctx, app, tenants.System, func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &stores, `select * from stores where slug like 'gen-%' order by slug`)
	}); err != nil {
		t.Fatal(err)
	}
	if len(stores) != 12 {
		t.Fatalf("%d stores", len(stores))
	}
	nonTrivial := map[string]int{}
	for _, asOf := range []time.Time{genNow, genNow.AddDate(0, 0, -45), genNow.AddDate(0, 0, -90).Add(-7 * time.Hour)} {
		for _, st := range stores {
			s := tenants.NewSession(app, tenants.System, true)
			got, err := metrics.Compute(ctx, s, st, asOf)
			s.Rollback()
			if err != nil {
				t.Fatal(err)
			}
			want, ratings, hours := recount(t, app, st, asOf)
			for _, d := range metrics.Rates {
				r := got.Rates[d.Key]
				if g := (fig{r.Numerator, r.Denominator}); g != want[d.Key] {
					t.Errorf("%s as of %s: %s = %d/%d, recount %d/%d", st.Slug, asOf.Format(time.RFC3339), d.Key,
						g.num, g.den, want[d.Key].num, want[d.Key].den)
				}
				if r.Numerator > 0 {
					nonTrivial[d.Key]++
				}
			}
			if got.Ratings.Count != len(ratings) || math.Abs(got.Ratings.Overall-mean(ratings)) > 1e-9 {
				t.Errorf("%s as of %s: ratings %d, average %.6f; recount %d, %.6f", st.Slug, asOf, got.Ratings.Count,
					got.Ratings.Overall, len(ratings), mean(ratings))
			}
			if got.Response.Answered != len(hours) || math.Abs(got.Response.MedianHours-median(hours)) > 1e-6 {
				t.Errorf("%s as of %s: response %d answered, median %.6f h; recount %d, %.6f h", st.Slug, asOf,
					got.Response.Answered, got.Response.MedianHours, len(hours), median(hours))
			}
		}
	}
	// The edge cases the recount must agree on are in the data set.
	var edges struct {
		Overturned int `db:"overturned"`
		Revised    int `db:"revised"`
		Flagged    int `db:"flagged"`
		Upheld     int `db:"upheld"`
		NotShipped int `db:"not_shipped"`
		ForBuyer   int `db:"for_buyer"`
		ForMerch   int `db:"for_merchant"`
	}
	if err := tenants.Run(ctx, app, tenants.System, func(tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &edges, `select
			(select count(*) from cases where appeal_outcome = 'OVERTURNED') overturned,
			(select count(*) from ratings where revised_at is not null) revised,
			(select count(*) from metric_signals s join buyer_abuse_flags f on f.buyer_id = s.buyer_id
				where s.metric = 'dissatisfactionRate') flagged,
			(select count(*) from cases where complaint_outcome <> 'REJECTED') upheld,
			(select count(*) from orders where cancel_kind = 'NOT_SHIPPED') not_shipped,
			(select count(*) from cases where ruling = 'FOR_BUYER') for_buyer,
			(select count(*) from cases where ruling = 'FOR_MERCHANT') for_merchant`)
	}); err != nil {
		t.Fatal(err)
	}
	t.Logf("edge cases in tiny: %+v", edges)
	if edges.Overturned == 0 || edges.Revised == 0 || edges.Flagged == 0 || edges.Upheld == 0 || edges.NotShipped == 0 ||
		edges.ForBuyer == 0 || edges.ForMerch == 0 {
		t.Errorf("tiny lacks an edge case: %+v", edges)
	}
	for _, d := range metrics.Rates {
		if nonTrivial[d.Key] == 0 {
			t.Errorf("%s: no store has a non-zero numerator; the generator leaves it untested", d.Key)
		}
	}
}

// recount reads the raw facts of one store as of asOf: the rates (recountSQL), the overall stars of the
// ratings given in the 180-day window as they stood then, and the hours to the first answer of the cases
// opened in the 30-day window and answered by then.
func recount(t *testing.T, app *sqlx.DB, st tenants.Store, asOf time.Time) (map[string]fig, []float64, []float64) {
	t.Helper()
	ctx := context.Background()
	out := map[string]fig{}
	var stars, hours []float64
	err := tenants.Run(ctx, app, tenants.System, func(tx *sqlx.Tx) error {
		rows, err := tx.QueryContext(ctx, recountSQL, st.ID, asOf, st.TimeZone)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var k string
			var f fig
			if err := rows.Scan(&k, &f.num, &f.den); err != nil {
				return err
			}
			out[k] = f
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if err := tx.SelectContext(ctx, &stars, `select (case when revised_at <= $2 then overall else initial_overall end)::float8
			from ratings where tenant_id = $1 and created_at <= $2
			and created_at >= (date_trunc('day', $2::timestamptz at time zone $3) - interval '179 days') at time zone $3`,
			st.ID, asOf, st.TimeZone); err != nil {
			return err
		}
		return tx.SelectContext(ctx, &hours, `select extract(epoch from first_response_at - created_at)::float8 / 3600
			from cases where tenant_id = $1 and created_at <= $2 and first_response_at <= $2
			and created_at >= (date_trunc('day', $2::timestamptz at time zone $3) - interval '29 days') at time zone $3`,
			st.ID, asOf, st.TimeZone)
	})
	if err != nil {
		t.Fatal(err)
	}
	return out, stars, hours
}

func mean(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// A few stores fail (the bad ones: late shipments and dissatisfaction), most do not.
func TestGenPutsAFewStoresInFailing(t *testing.T) {
	_, app, _ := tiny(t)
	ctx := context.Background()
	var stores []tenants.Store
	if err := tenants.Run(ctx, app, tenants.System, func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &stores, `select * from stores where slug like 'gen-%' order by slug`)
	}); err != nil {
		t.Fatal(err)
	}
	policy := scoring.Default()
	failing := map[string]bool{}
	for _, st := range stores {
		s := tenants.NewSession(app, tenants.System, true)
		m, err := metrics.Compute(ctx, s, st, genNow)
		s.Rollback()
		if err != nil {
			t.Fatal(err)
		}
		fails := 0
		for _, key := range []string{metrics.LateShipment, metrics.Dissatisfaction} {
			rule, _ := policy.RuleFor(key)
			r := m.Rates[key]
			if scoring.Status(rule, r.Value(), r.Insufficient) == scoring.Failing {
				fails++
			}
		}
		failing[st.Slug] = fails == 2
	}
	n := 0
	for _, f := range failing {
		if f {
			n++
		}
	}
	if !failing["gen-0005"] || !failing["gen-0011"] || n > len(stores)/3 {
		t.Fatalf("stores failing both late shipment and dissatisfaction: %v", failing)
	}
}

// The same seed gives the same data set; a second generation into the same database is refused.
func TestGenIsDeterministicAndRefusesTwice(t *testing.T) {
	owner, app, sum := tiny(t)
	ctx := context.Background()
	if _, err := datagen.Generate(ctx, owner.DB, datagen.Tiny, 1, genNow, nil); !errors.Is(err, datagen.ErrAlreadyGenerated) {
		t.Fatalf("second generation: %v, want ErrAlreadyGenerated", err)
	}
	_, owner2, app2 := testdb.Another(t, "again")
	sum2, err := datagen.Generate(ctx, owner2.DB, datagen.Tiny, 1, genNow, nil)
	if err != nil {
		t.Fatal(err)
	}
	sum.Elapsed, sum2.Elapsed = 0, 0
	if sum != sum2 {
		t.Fatalf("same seed, different data sets:\n%+v\n%+v", sum, sum2)
	}
	digest := func(db *sqlx.DB) (d string) {
		if err := tenants.Run(ctx, db, tenants.System, func(tx *sqlx.Tx) error {
			return tx.GetContext(ctx, &d, `select md5(string_agg(order_id::text || metric || signal || effective_at::text
				|| coalesce(revoked_at::text, ''), ',' order by order_id, metric, signal, effective_at)) from metric_signals`)
		}); err != nil {
			t.Fatal(err)
		}
		return d
	}
	if a, b := digest(app), digest(app2); a != b {
		t.Fatalf("same seed, different signals: %s vs %s", a, b)
	}
	if sum.Orders < 5500 || sum.Orders > 6000 || sum.Stores != 12 || sum.Cases == 0 || sum.Ratings == 0 || sum.Chargebacks == 0 ||
		sum.Violations == 0 || sum.AbuseFlags == 0 {
		t.Fatalf("tiny: %+v", sum)
	}
}
