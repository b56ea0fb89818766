package aftersales_test

// The metric signals the cases' triggers keep, through the real arbitration functions: a ruling for the
// merchant overturned on appeal enters the dispute rate from the decision on, and as of any instant before it
// the metric stays as it stood then.

import (
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"tradeguard/aftersales"
	"tradeguard/metrics"
	"tradeguard/tenants"
)

// numerator is metric key's numerator for the env's store as of asOf.
func (e *arbEnv) numerator(key string, asOf time.Time) int {
	e.t.Helper()
	var m metrics.Store
	e.sys(func(tx *sqlx.Tx) (err error) {
		m, err = metrics.Compute(e.ctx, tenants.Attach(tx, tenants.System), tenants.Store{ID: e.store, TimeZone: "Asia/Taipei"}, asOf)
		return err
	})
	return m.Rates[key].Numerator
}

func TestDisputeRateFollowsARulingOverturnedOnAppeal(t *testing.T) {
	e := newArbEnv(t)
	c := e.inArbitration()
	escalated := e.clock.Now()
	if n := e.numerator(metrics.Intervention, escalated); n != 1 {
		t.Fatalf("interventionRate numerator once escalated = %d, want 1", n)
	}
	c, err := e.rule(e.admin, c, aftersales.Ruling{Liability: "BUYER", Note: "no defect visible"})
	if err != nil {
		t.Fatalf("rule: %v", err)
	}
	e.clock.Advance(24 * time.Hour)
	if n := e.numerator(metrics.Dispute, e.clock.Now()); n != 0 {
		t.Fatalf("disputeRate after a ruling for the merchant = %d, want 0", n)
	}
	if c, err = e.appeal(e.buyer, c, "the video shows it never powered on"); err != nil {
		t.Fatalf("appeal: %v", err)
	}
	e.clock.Advance(24 * time.Hour)
	beforeDecision := e.clock.Now().Add(-time.Second)
	if _, err = e.decide(e.admin2, c, false, "the video is conclusive"); err != nil {
		t.Fatalf("decide: %v", err)
	}
	decided := e.clock.Now()
	if n := e.numerator(metrics.Dispute, decided); n != 1 {
		t.Fatalf("disputeRate once overturned for the buyer = %d, want 1", n)
	}
	if n := e.numerator(metrics.OrderDefect, decided); n != 1 {
		t.Fatalf("orderDefectRate once overturned for the buyer = %d, want 1", n)
	}
	if n := e.numerator(metrics.Dispute, beforeDecision); n != 0 {
		t.Fatalf("disputeRate as of a second before the decision = %d, want 0 (as it stood then)", n)
	}
}
