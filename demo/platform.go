package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"tradeguard/metrics"
	"tradeguard/orders"
	"tradeguard/scoring"
	"tradeguard/tenants"
	"tradeguard/violations"
)

// The platform's side of the story, after the cases: a chargeback and an abusive buyer flagged, the
// violations the daily scan issues from the cases' missed deadlines and lost arbitrations, the admins'
// violations with their appeals (harbor ends with a penalty in force), and 90 days of daily score snapshots.

// adminViolation is one violation an admin issues, and what becomes of it.
type adminViolation struct {
	store, code, note, evidence string
	ago                         time.Duration
	appeal                      string // the owner's appeal, a day later ("" for none)
	decide                      string // "uphold", "revoke", or "" (the appeal stays open)
}

var adminViolations = []adminViolation{
	{store: "harbor-foods", code: "HARASSING_BUYERS", ago: 100 * dayD,
		note: "Messages pressing a buyer to remove a 1-star rating.", evidence: "Case thread screenshots, buyer report #4411",
		appeal: "The messages were sent by a former employee, now gone; we apologised to the buyer.", decide: "revoke"},
	{store: "harbor-foods", code: "FALSE_ADVERTISING", ago: 40 * dayD,
		note: "Listing says wild-caught; the supplier's invoice says farmed.", evidence: "Supplier invoice INV-20391, listing HF-SM-008 snapshot"},
	{store: "maple-apparel", code: "FAKE_TRACKING", ago: 20 * dayD,
		note: "Tracking number of another parcel on order shipment.", evidence: "Carrier confirmation, SF Express ticket 88121",
		appeal: "The label printer swapped two labels; both parcels were delivered.", decide: "uphold"},
	{store: "harbor-foods", code: "FALSE_ADVERTISING", ago: 2 * dayD,
		note: "Organic certification shown on the listing has expired.", evidence: "Certifier's register, listing HF-HN-003 snapshot",
		appeal: "The renewal is in progress; the certifier's letter is attached."},
}

func playPlatform(ctx context.Context, tx *sqlx.Tx, now time.Time) error {
	adm, err := tenants.Become(ctx, tx, admin())
	if err != nil {
		return err
	}
	if err := chargebackAndFlag(ctx, tx, adm, now); err != nil {
		return err
	}
	// The daily violation scan over the 180 days, with the admins' violations at their own instants.
	pending := adminViolations
	for d := now.Add(-181 * dayD); d.Before(now); d = d.Add(dayD) {
		end := minTime(d.Add(dayD), now)
		for len(pending) > 0 && !now.Add(-pending[0].ago).After(end) {
			if err := issue(ctx, tx, pending[0], now); err != nil {
				return err
			}
			pending = pending[1:]
		}
		sys, err := tenants.Become(ctx, tx, tenants.System)
		if err != nil {
			return err
		}
		if _, err := violations.FromCaseEvents(ctx, sys, d, end); err != nil {
			return fmt.Errorf("violation scan: %w", err)
		}
	}
	sys, err := tenants.Become(ctx, tx, tenants.System)
	if err != nil {
		return err
	}
	for _, spec := range stores {
		if err := violations.Recompute(ctx, sys, storeID(spec.slug), now); err != nil {
			return err
		}
	}
	return snapshotScores(ctx, sys, now)
}

// issue plays one admin violation: issued by the admin, appealed by the owner a day later, decided by the
// arbiter two days after that — each only if its time has come.
func issue(ctx context.Context, tx *sqlx.Tx, v adminViolation, now time.Time) error {
	at := now.Add(-v.ago)
	adm, err := tenants.Become(ctx, tx, admin())
	if err != nil {
		return err
	}
	got, err := violations.Issue(ctx, adm, violations.IssueInput{StoreID: storeID(v.store), Code: v.code, Note: v.note, Evidence: v.evidence}, at)
	if err != nil {
		return fmt.Errorf("violation %s of %s: %w", v.code, v.store, err)
	}
	if at = at.Add(dayD); v.appeal == "" || at.After(now) {
		return nil
	}
	own, err := tenants.Become(ctx, tx, owner(v.store))
	if err != nil {
		return err
	}
	if _, err := violations.Appeal(ctx, own, violations.KeyOf(got), v.appeal, at); err != nil {
		return fmt.Errorf("appeal of %s: %w", v.code, err)
	}
	if at = at.Add(2 * dayD); v.decide == "" || at.After(now) {
		return nil
	}
	arb, err := tenants.Become(ctx, tx, arbiter())
	if err != nil {
		return err
	}
	note := "The evidence stands: the violation is upheld."
	if v.decide == "revoke" {
		note = "The store showed it acted at once; the violation is revoked."
	}
	if _, err := violations.Decide(ctx, arb, violations.KeyOf(got), v.decide == "uphold", note, at); err != nil {
		return fmt.Errorf("decision on %s: %w", v.code, err)
	}
	return nil
}

// chargebackAndFlag: a card chargeback on one of harbor's recent orders (the order defect rate), and a buyer
// of maple flagged as abusive after a run of refund requests (their orders leave the dissatisfaction rate).
func chargebackAndFlag(ctx context.Context, tx *sqlx.Tx, adm *tenants.Session, now time.Time) error {
	var o struct {
		ID    uuid.UUID `db:"id"`
		Total int64     `db:"total_minor"`
	}
	if err := tx.GetContext(ctx, &o, `select id, total_minor from orders where tenant_id = $1 and status = $2
		and payment_method = 'CARD' and delivered_at < $3 order by delivered_at desc limit 1`,
		storeID("harbor-foods"), orders.Completed, now.Add(-12*dayD)); err != nil {
		return fmt.Errorf("chargeback order: %w", err)
	}
	if _, err := metrics.RecordChargeback(ctx, adm, metrics.ChargebackInput{StoreID: storeID("harbor-foods"), OrderID: o.ID,
		AmountMinor: o.Total, Reason: "Cardholder says the goods never arrived", ProviderRef: "cb_demo_harbor_1"}, now.Add(-3*dayD)); err != nil {
		return fmt.Errorf("chargeback: %w", err)
	}
	if _, err := metrics.SetAbuseFlag(ctx, adm, userID(buyerEmail(11)), true,
		"Refund requests on most orders across stores, with the same photos reused.", now.Add(-6*dayD)); err != nil {
		return fmt.Errorf("abuse flag: %w", err)
	}
	return nil
}

// snapshotScores stores each store's daily score for the last 90 days, as the scheduler would have at each
// day's end.
func snapshotScores(ctx context.Context, sys *tenants.Session, now time.Time) error {
	ids := make([]uuid.UUID, len(stores))
	for i, s := range stores {
		ids[i] = storeID(s.slug)
	}
	all, err := tenants.StoresByIDs(ctx, sys, ids)
	if err != nil {
		return err
	}
	for _, st := range all {
		tz := metrics.Location(st)
		today := metrics.Day(now, tz)
		for d := 90; d >= 0; d-- {
			day := today.AddDate(0, 0, -d)
			at := minTime(metrics.EndOfDay(day, tz), now)
			if _, err := scoring.SnapshotDay(ctx, sys, st, day, at); err != nil {
				return fmt.Errorf("score of %s on %s: %w", st.Slug, day.Format(time.DateOnly), err)
			}
		}
	}
	return nil
}
