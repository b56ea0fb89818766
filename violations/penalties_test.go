package violations_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"tradeguard/tenants"
	"tradeguard/violations"
)

// TestEveryThresholdCrossedAndUncrossed walks each track up through 12, 24, 36 and 48 points (with a step
// just under each threshold), checks the penalty each crossing starts and what CheckPenalty says, then revokes
// its way back down, checking which penalties each revocation lifts, and crosses again.
func TestEveryThresholdCrossedAndUncrossed(t *testing.T) {
	type rung struct {
		kind string
		days int // 0: until a platform review
	}
	for _, tc := range []struct {
		track   string
		code    string
		rungs   map[int]rung
		closure bool
		blocks  string // the kind a timed penalty of the track blocks, for CheckPenalty
	}{
		{violations.General, violations.CodeFakeTracking, map[int]rung{
			12: {tenants.PenaltyNoNewProducts, 7}, 24: {tenants.PenaltyNoNewProducts, 14},
			36: {tenants.PenaltyNoNewProducts, 21}, 48: {tenants.PenaltyStoreSuspended, 0}}, false, tenants.PenaltyNoNewProducts},
		{violations.Serious, violations.CodeCounterfeit, map[int]rung{
			12: {tenants.PenaltyHiddenFromSearch, 7}, 24: {tenants.PenaltyHiddenFromSearch, 14},
			36: {tenants.PenaltySellingSuspended, 21}, 48: {tenants.PenaltyStoreSuspended, 0}}, true, ""},
	} {
		t.Run(tc.track, func(t *testing.T) {
			e := newEnv(t)
			st := e.newStore()
			at := t0
			total := 0
			var issued []violations.Violation
			pts := func() int {
				g, s := e.points(st, at)
				if tc.track == violations.General {
					return g
				}
				return s
			}
			for _, th := range violations.Thresholds {
				// One point short: no new penalty.
				before := len(e.all(st))
				at = at.Add(time.Hour)
				issued = append(issued, e.issue(st, tc.code, th-1-total, at))
				total = th - 1
				if got := pts(); got != total {
					t.Fatalf("at %s: %d points, want %d", rfc(at), got, total)
				}
				if n := len(e.all(st)); n != before {
					t.Fatalf("%d points started a penalty: %s", total, describe(e.all(st)))
				}
				// The point that crosses it.
				at = at.Add(time.Hour)
				issued = append(issued, e.issue(st, tc.code, 1, at))
				total = th
				if got := pts(); got != th {
					t.Fatalf("at %s: %d points, want %d", rfc(at), got, th)
				}
				all := e.all(st)
				if len(all) != before+1 {
					t.Fatalf("crossing %d started %d penalties: %s", th, len(all)-before, describe(all))
				}
				p, want := all[0], tc.rungs[th]
				if p.Kind != want.kind || p.Track != tc.track || p.Threshold != th || p.Points != th || !p.StartsAt.Equal(at) {
					t.Fatalf("crossing %d: penalty %s, want %s at %s", th, describe(all[:1]), want.kind, rfc(at))
				}
				if want.days == 0 {
					if p.EndsAt != nil || p.ClosureReview != (th == 48 && tc.closure) {
						t.Fatalf("crossing 48: penalty %s closure=%v, want until a review, closure=%v", describe(all[:1]), p.ClosureReview, tc.closure)
					}
				} else if p.EndsAt == nil || !p.EndsAt.Equal(at.Add(time.Duration(want.days)*day)) {
					t.Fatalf("crossing %d: ends %v, want %d days after %s", th, p.EndsAt, want.days, rfc(at))
				}
				// Enforcement: what the new penalty blocks, named, with its end.
				code, msg := ruleCode(t, e.check(e.buyer, st, want.kind, at))
				until := "until a platform review"
				if want.days > 0 {
					until = "until " + rfc(*p.EndsAt)
				}
				if code != want.kind || !strings.Contains(msg, until) || !strings.Contains(msg, want.kind) ||
					!strings.Contains(msg, tc.track) || !strings.Contains(msg, "threshold "+strconv.Itoa(th)) {
					t.Fatalf("crossing %d: CheckPenalty = %s: %q; want %s naming %q, the track and the threshold", th, code, msg, want.kind, until)
				}
			}
			if tc.closure && !strings.Contains(e.all(st)[0].Until(), "close the store") {
				t.Errorf("a serious suspension says %q, want the closure review named", e.all(st)[0].Until())
			}
			// At 48 the suspension blocks every kind.
			for _, kind := range tenants.PenaltyKinds {
				if code, _ := ruleCode(t, e.check(e.buyer, st, kind, at)); code != tenants.PenaltyStoreSuspended {
					t.Errorf("at 48 points, CheckPenalty(%s) = %s, want STORE_SUSPENDED", kind, code)
				}
			}
			var queued bool
			e.must(e.as(e.admin, func(s *tenants.Session) error {
				q, err := violations.ReviewQueue(e.ctx, s, 1000)
				for _, p := range q {
					queued = queued || p.StoreID == st.id
				}
				return err
			}))
			if !queued {
				t.Error("the suspension is not in the platform's review queue")
			}

			// Down again, one revocation at a time (newest first): each threshold the points fall under lifts
			// its penalty, now; the others stay.
			inForce := func() map[int]bool {
				out := map[int]bool{}
				for _, p := range e.inForce(st, at) {
					out[p.Threshold] = true
				}
				return out
			}
			for i := len(issued) - 1; i >= 2; i-- {
				at = at.Add(time.Hour)
				e.revoke(st, issued[i], at)
				total -= issued[i].Points
				if got := pts(); got != total {
					t.Fatalf("after revoking %d points: %d points, want %d", issued[i].Points, got, total)
				}
				got := inForce()
				for _, th := range violations.Thresholds {
					if want := th <= total; got[th] != want {
						t.Fatalf("at %d points: penalty of %d in force = %v, want %v (%s)", total, th, got[th], want, describe(e.all(st)))
					}
				}
			}
			for _, p := range e.all(st) {
				if p.LiftedAt != nil && (p.LiftReason == nil || !strings.Contains(*p.LiftReason, "under the")) {
					t.Errorf("lifted penalty %s says %v", describe([]tenants.Penalty{p}), p.LiftReason)
				}
			}
			if tc.blocks != "" {
				if err := e.check(e.buyer, st, tc.blocks, at); err == nil {
					t.Errorf("at %d points (12 still in force) CheckPenalty(%s) = nil", total, tc.blocks)
				}
			}
			// 12 points now (11 + 1), the 12 penalty still in force. Crossing 24 again starts a new 24 penalty.
			before := len(e.all(st))
			at = at.Add(time.Hour)
			e.issue(st, tc.code, 12, at)
			all := e.all(st)
			if len(all) != before+1 || all[0].Threshold != 24 || !all[0].StartsAt.Equal(at) {
				t.Fatalf("crossing 24 again: %s", describe(all))
			}
			// Running the bookkeeping again changes nothing.
			e.must(e.as(e.admin, func(s *tenants.Session) error { return violations.Recompute(e.ctx, s, st.id, at) }))
			if n := len(e.all(st)); n != before+1 {
				t.Fatalf("a second Recompute wrote %d more penalties", n-before-1)
			}
		})
	}
}

// TestExpiryAtTheEdge: points count until expires_at (exclusive), the scheduler recomputes at that instant and
// lifts what the expiry took the store under; a timed penalty ends by itself at its ends_at; crossing again
// after that starts a new one, staying above does not.
func TestExpiryAtTheEdge(t *testing.T) {
	e := newEnv(t)
	st := e.newStore()
	a := e.issue(st, violations.CodeFakeTracking, 8, t0)
	t1 := t0.Add(360 * day)
	e.issue(st, violations.CodeFakeTracking, 4, t1)
	ps := e.inForce(st, t1)
	if len(ps) != 1 || ps[0].Threshold != 12 || !ps[0].EndsAt.Equal(t1.Add(7*day)) {
		t.Fatalf("12 points at %s: in force %s", rfc(t1), describe(ps))
	}
	// The next change is a's expiry (before the penalty's end).
	if due := e.recomputeDue(st); due == nil || !due.Equal(a.ExpiresAt) {
		t.Fatalf("recompute deadline %v, want a's expiry %s", due, rfc(a.ExpiresAt))
	}
	edge := a.ExpiresAt
	if !edge.Equal(t0.Add(365 * day)) {
		t.Fatalf("expires_at %s, want 365 days after issue", rfc(edge))
	}

	before := edge.Add(-time.Second)
	if g, _ := e.points(st, before); g != 12 {
		t.Fatalf("one second before expiry: %d points, want 12", g)
	}
	e.runDue(before)
	if err := e.check(e.buyer, st, tenants.PenaltyNoNewProducts, before); err == nil {
		t.Fatal("one second before expiry the penalty no longer blocks")
	}
	if ps := e.inForce(st, before); len(ps) != 1 || ps[0].LiftedAt != nil {
		t.Fatalf("one second before expiry: %s", describe(ps))
	}

	if g, _ := e.points(st, edge); g != 4 {
		t.Fatalf("at expires_at: %d points, want 4", g)
	}
	e.runDue(edge)
	all := e.all(st)
	if len(all) != 1 || all[0].LiftedAt == nil || !all[0].LiftedAt.Equal(edge) {
		t.Fatalf("at expires_at the penalty is not lifted then: %s", describe(all))
	}
	if err := e.check(e.buyer, st, tenants.PenaltyNoNewProducts, edge); err != nil {
		t.Fatalf("after the lift: %v", err)
	}
	// Next: the 4 points' expiry.
	if due := e.recomputeDue(st); due == nil || !due.Equal(t1.Add(violations.Lifetime)) {
		t.Fatalf("recompute deadline %v, want %s", due, rfc(t1.Add(violations.Lifetime)))
	}

	// Crossing again (4 + 8) starts a new penalty; it ends by itself after 7 days, no write needed.
	t2 := edge.Add(day)
	e.issue(st, violations.CodeFakeTracking, 8, t2)
	ps = e.inForce(st, t2)
	if len(ps) != 1 || !ps[0].StartsAt.Equal(t2) {
		t.Fatalf("crossing again: %s", describe(ps))
	}
	end := *ps[0].EndsAt
	if err := e.check(e.buyer, st, tenants.PenaltyNoNewProducts, end.Add(-time.Second)); err == nil {
		t.Fatal("one second before its end the penalty does not block")
	}
	if err := e.check(e.buyer, st, tenants.PenaltyNoNewProducts, end); err != nil {
		t.Fatalf("at its end the penalty still blocks: %v", err)
	}
	e.runDue(end)
	if all := e.all(st); all[0].LiftedAt != nil {
		t.Fatalf("a penalty that ran out was written as lifted: %s", describe(all))
	}
	// Staying above 12 (one point more) after it ran out starts nothing.
	e.issue(st, violations.CodeFakeTracking, 1, end.Add(time.Hour))
	if n := len(e.all(st)); n != 2 {
		t.Fatalf("staying above the threshold started another penalty: %s", describe(e.all(st)))
	}
	// Future dates: what remains after expiries.
	if g, _ := e.points(st, t2.Add(violations.Lifetime)); g != 1 {
		t.Fatalf("a year after t2: %d points, want 1", g)
	}
}

// TestAdminLiftsASuspension: a store suspension lasts until an admin lifts it; the lift holds (the points are
// still 48, but that crossing was answered).
func TestAdminLiftsASuspension(t *testing.T) {
	e := newEnv(t)
	st := e.newStore()
	e.issue(st, violations.CodeFakeTracking, 48, t0)
	ps := e.inForce(st, t0)
	if len(ps) != 1 || ps[0].Kind != tenants.PenaltyStoreSuspended || ps[0].EndsAt != nil {
		t.Fatalf("48 points: %s", describe(ps))
	}
	key := violations.PenaltyKey{StoreID: st.id, ID: ps[0].ID}
	if err := e.as(st.owner, func(s *tenants.Session) error {
		_, err := violations.LiftPenalty(e.ctx, s, key, "fine", t0)
		return err
	}); !isErr(err, tenants.ErrForbidden) {
		t.Fatalf("the owner lifts its own suspension: %v", err)
	}
	at := t0.Add(2 * day)
	if err := e.as(e.admin, func(s *tenants.Session) error {
		_, err := violations.LiftPenalty(e.ctx, s, key, " ", at)
		return err
	}); !strings.Contains(codesString(t, err), "NOTE_REQUIRED") {
		t.Fatalf("lift without a note: %v", err)
	}
	e.must(e.as(e.admin, func(s *tenants.Session) error {
		_, err := violations.LiftPenalty(e.ctx, s, key, "reviewed: the store fixed its shipping", at)
		return err
	}))
	if err := e.check(e.buyer, st, tenants.PenaltySellingSuspended, at); err != nil {
		t.Fatalf("after the review: %v", err)
	}
	e.must(e.as(e.admin, func(s *tenants.Session) error { return violations.Recompute(e.ctx, s, st.id, at.Add(time.Hour)) }))
	if ps := e.inForce(st, at.Add(time.Hour)); len(ps) != 0 {
		t.Fatalf("Recompute brought the lifted suspension back: %s", describe(ps))
	}
	err := e.as(e.admin, func(s *tenants.Session) error {
		_, err := violations.LiftPenalty(e.ctx, s, key, "again", at.Add(2*time.Hour))
		return err
	})
	if code, _ := ruleCode(t, err); code != "PENALTY_NOT_IN_FORCE" {
		t.Fatalf("lifting twice: %s", code)
	}
}

func codesString(t *testing.T, err error) string {
	t.Helper()
	var out []string
	for c := range codes(t, err) {
		out = append(out, c)
	}
	return strings.Join(out, ",")
}
