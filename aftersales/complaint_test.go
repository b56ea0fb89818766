package aftersales_test

// Complaints against real PostgreSQL, with the clock moved by hand (helpers in arbitration_test.go): the
// store answers with each outcome; an unanswered complaint goes to the platform exactly 48 h after it was
// opened; an admin answers it there; the buyer's one priority escalation and its 4 h platform deadline; the
// platform's complaint queue, ordered by deadline and for admins only.

import (
	"testing"
	"time"

	"tradeguard/aftersales"
	"tradeguard/orders"
	"tradeguard/tenants"

	"github.com/google/uuid"
)

// complaint opens a price-fraud complaint (no items) on a new delivered order, an hour after delivery.
func (e *arbEnv) complaint() aftersales.Case {
	e.t.Helper()
	o, _ := e.deliveredOrder()
	e.clock.Advance(time.Hour)
	c := e.open(aftersales.OpenInput{Order: orders.Key{StoreID: o.StoreID, ID: o.ID}, Type: aftersales.Complaint,
		Reason: aftersales.PriceFraud, Description: "the price went up after I added it to the cart"})
	if c.Status != aftersales.Requested || !c.RespondBy.Equal(e.clock.Now().Add(48*time.Hour)) {
		e.t.Fatalf("new complaint %s: %s, respond by %s", c.Number, c.Status, c.RespondBy)
	}
	return c
}

func (e *arbEnv) resolve(p tenants.Principal, c aftersales.Case, in aftersales.Resolution) (aftersales.Case, error) {
	return e.do(p, func(s *tenants.Session, now time.Time) (aftersales.Case, error) {
		return aftersales.ResolveComplaint(e.ctx, s, e.pay, aftersales.KeyOf(c), in, "resolve:"+uuid.NewString(), nil, now)
	})
}

func (e *arbEnv) priority(p tenants.Principal, c aftersales.Case) (aftersales.Case, error) {
	return e.do(p, func(s *tenants.Session, now time.Time) (aftersales.Case, error) {
		return aftersales.PriorityEscalate(e.ctx, s, aftersales.KeyOf(c), nil, now)
	})
}

func TestComplaintStoreResolvesEachOutcome(t *testing.T) {
	e := newArbEnv(t)
	other := newArbEnv(t) // another store's staff
	other.clock = e.clock

	t.Run("refusals", func(t *testing.T) {
		e := *e
		e.t = t
		c := e.complaint()
		for _, tc := range []struct {
			name string
			p    tenants.Principal
			in   aftersales.Resolution
			want string
		}{
			{"by the buyer", e.buyer, aftersales.Resolution{Outcome: "REFUND"}, "FORBIDDEN"},
			{"by another store", other.merchant, aftersales.Resolution{Outcome: "REFUND"}, "NOT_FOUND"},
			{"by an admin before the platform has it", e.admin, aftersales.Resolution{Outcome: "REFUND"}, "INVALID_STATE"},
			{"no outcome", e.merchant, aftersales.Resolution{}, "INVALID_OUTCOME"},
			{"unknown outcome", e.merchant, aftersales.Resolution{Outcome: "APOLOGIZE"}, "INVALID_OUTCOME"},
			{"refund of 0", e.merchant, aftersales.Resolution{Outcome: "REFUND", AmountMinor: ptrTo(int64(0))}, "AMOUNT_NOT_POSITIVE"},
			{"refund above the paid 20000", e.merchant, aftersales.Resolution{Outcome: "REFUND", AmountMinor: ptrTo(int64(20001))}, "INVALID_AMOUNT"},
			{"price difference without an amount", e.merchant, aftersales.Resolution{Outcome: "PRICE_DIFFERENCE"}, "INVALID_AMOUNT"},
			{"price difference above the balance", e.merchant, aftersales.Resolution{Outcome: "PRICE_DIFFERENCE", AmountMinor: ptrTo(int64(20001))}, "INVALID_AMOUNT"},
			{"exchange with an amount", e.merchant, aftersales.Resolution{Outcome: "EXCHANGE", AmountMinor: ptrTo(int64(100))}, "INVALID_AMOUNT"},
			{"rejection without a reason", e.merchant, aftersales.Resolution{Outcome: "REJECTED", Note: "  "}, "NOTE_REQUIRED"},
		} {
			_, err := e.resolve(tc.p, c, tc.in)
			e.refused(tc.name, err, tc.want)
		}
		if got := e.read(c); got.Version != c.Version || got.ComplaintOutcome != nil || got.FirstResponseAt != nil {
			t.Fatalf("refusals changed the complaint: version %d → %d, outcome %v", c.Version, got.Version, got.ComplaintOutcome)
		}
		// Approve and reject are for other cases; a complaint is resolved.
		_, err := e.do(e.merchant, func(s *tenants.Session, now time.Time) (aftersales.Case, error) {
			return aftersales.Reject(e.ctx, s, aftersales.KeyOf(c), "no", nil, now)
		})
		e.refused("reject a complaint", err, "NOT_FOR_THIS_TYPE")
	})

	t.Run("refund: by default what the order can still refund", func(t *testing.T) {
		e := *e
		e.t = t
		c := e.complaint()
		e.clock.Advance(2 * time.Hour)
		c, err := e.resolve(e.agent, c, aftersales.Resolution{Outcome: "refund", Note: "sorry about that"})
		if err != nil {
			t.Fatalf("resolve: %v", err)
		}
		if deref(c.ComplaintOutcome) != "REFUND" || !aftersales.ComplaintUpheld(deref(c.ComplaintOutcome)) ||
			!deref(c.FirstResponseAt).Equal(e.clock.Now()) || !deref(c.ApprovedAt).Equal(e.clock.Now()) {
			t.Fatalf("refund: outcome %s, first response %v, approved %v", deref(c.ComplaintOutcome), c.FirstResponseAt, c.ApprovedAt)
		}
		e.checkRefunded(c, 20000)
		if ev := e.lastEvent(c); ev.Action != "RESOLVE_COMPLAINT" || deref(ev.Reason) != "REFUND" || deref(ev.Note) != "sorry about that" {
			t.Errorf("event %s reason %s note %q", ev.Action, deref(ev.Reason), deref(ev.Note))
		}
	})

	t.Run("refund: a partial amount", func(t *testing.T) {
		e := *e
		e.t = t
		c := e.complaint()
		c, err := e.resolve(e.merchant, c, aftersales.Resolution{Outcome: "REFUND", AmountMinor: ptrTo(int64(7000))})
		if err != nil {
			t.Fatalf("resolve: %v", err)
		}
		e.checkRefunded(c, 7000)
	})

	t.Run("price difference (補差價)", func(t *testing.T) {
		e := *e
		e.t = t
		c := e.complaint()
		c, err := e.resolve(e.merchant, c, aftersales.Resolution{Outcome: "PRICE_DIFFERENCE", AmountMinor: ptrTo(int64(1500))})
		if err != nil {
			t.Fatalf("resolve: %v", err)
		}
		if deref(c.ComplaintOutcome) != "PRICE_DIFFERENCE" || !aftersales.ComplaintUpheld("PRICE_DIFFERENCE") {
			t.Fatalf("outcome %s", deref(c.ComplaintOutcome))
		}
		e.checkRefunded(c, 1500)
	})

	t.Run("exchange", func(t *testing.T) {
		e := *e
		e.t = t
		c := e.complaint()
		c, err := e.resolve(e.merchant, c, aftersales.Resolution{Outcome: "EXCHANGE", Note: "we send the right model"})
		if err != nil {
			t.Fatalf("resolve: %v", err)
		}
		now := e.clock.Now()
		if c.Status != aftersales.AwaitingReturn || deref(c.ComplaintOutcome) != "EXCHANGE" || !deref(c.ApprovedAt).Equal(now) ||
			c.ApprovedMinor != nil || c.ClosedAt != nil {
			t.Fatalf("exchange: %s outcome %s approved at %v amount %v", c.Status, deref(c.ComplaintOutcome), c.ApprovedAt, c.ApprovedMinor)
		}
		// The exchange flow follows: the buyer has 7 days to send the goods back.
		e.checkDeadline(c, now.Add(7*24*time.Hour), aftersales.DeadlineWithdraw, true)
		c = e.must("ship the return", e.buyer, func(s *tenants.Session, now time.Time) (aftersales.Case, error) {
			return aftersales.ShipReturn(e.ctx, s, aftersales.KeyOf(c), "Black Cat", "BC-87654321", nil, now)
		})
		if c.Status != aftersales.ReturnShipped {
			t.Fatalf("after the buyer ships: %s", c.Status)
		}
	})

	t.Run("rejected", func(t *testing.T) {
		e := *e
		e.t = t
		c := e.complaint()
		c, err := e.resolve(e.merchant, c, aftersales.Resolution{Outcome: "REJECTED", Note: " the price was shown at checkout "})
		if err != nil {
			t.Fatalf("resolve: %v", err)
		}
		now := e.clock.Now()
		if c.Status != aftersales.Rejected || deref(c.ComplaintOutcome) != "REJECTED" || aftersales.ComplaintUpheld("REJECTED") ||
			!deref(c.RejectedAt).Equal(now) || deref(c.RejectionReason) != "the price was shown at checkout" || c.ApprovedMinor != nil {
			t.Fatalf("rejected: %s outcome %s at %v reason %q", c.Status, deref(c.ComplaintOutcome), c.RejectedAt, deref(c.RejectionReason))
		}
		e.checkDeadline(c, now.Add(7*24*time.Hour), aftersales.DeadlineClose, true)
		_, err = e.resolve(e.merchant, c, aftersales.Resolution{Outcome: "REFUND"})
		e.refused("resolve twice", err, "INVALID_STATE")
		// The buyer takes the rejection to the platform.
		e.clock.Advance(time.Hour)
		c = e.must("escalate", e.buyer, func(s *tenants.Session, now time.Time) (aftersales.Case, error) {
			return aftersales.Escalate(e.ctx, s, aftersales.KeyOf(c), nil, now)
		})
		if c.Status != aftersales.PlatformReview {
			t.Fatalf("escalated rejection: %s", c.Status)
		}
		e.checkDeadline(c, e.clock.Now().Add(24*time.Hour), aftersales.DeadlinePlatformAnswers, false)
		c, err = e.resolve(e.admin, c, aftersales.Resolution{Outcome: "PRICE_DIFFERENCE", AmountMinor: ptrTo(int64(800)), Note: "the cart showed less"})
		if err != nil {
			t.Fatalf("the platform resolves: %v", err)
		}
		if deref(c.ComplaintOutcome) != "PRICE_DIFFERENCE" {
			t.Fatalf("the platform's outcome replaces the store's: %s", deref(c.ComplaintOutcome))
		}
		e.checkRefunded(c, 800)
	})
}

func TestComplaintUnansweredGoesToThePlatformAfter48h(t *testing.T) {
	e := newArbEnv(t)
	c := e.complaint()
	respondBy := c.RespondBy
	e.checkDeadline(c, respondBy, aftersales.DeadlineToPlatform, true)

	e.clock.Set(respondBy.Add(-time.Second))
	e.runDue()
	if got := e.read(c); got.Status != aftersales.Requested || got.Version != c.Version {
		t.Fatalf("1 s before 48 h: %s (version %d → %d)", got.Status, c.Version, got.Version)
	}
	e.clock.Set(respondBy)
	e.runDue()
	got := e.read(c)
	if got.Status != aftersales.PlatformReview || deref(got.EscalatedBy) != "SYSTEM" || !deref(got.EscalatedAt).Equal(respondBy) ||
		got.PriorityEscalatedAt != nil || got.FirstResponseAt != nil {
		t.Fatalf("at 48 h: %s escalated by %s at %v", got.Status, deref(got.EscalatedBy), got.EscalatedAt)
	}
	if ev := e.lastEvent(got); ev.Actor != "SYSTEM" || deref(ev.Reason) != aftersales.ReasonMerchantNoResponse {
		t.Errorf("event: %s by %s reason %s", ev.Action, ev.Actor, deref(ev.Reason))
	}
	// The platform's own 24 h are shown; nothing acts on them.
	e.checkDeadline(got, respondBy.Add(24*time.Hour), aftersales.DeadlinePlatformAnswers, false)

	_, err := e.resolve(e.merchant, got, aftersales.Resolution{Outcome: "REFUND"})
	e.refused("the store answers too late", err, "INVALID_STATE")
	_, err = e.resolve(e.buyer, got, aftersales.Resolution{Outcome: "REFUND"})
	e.refused("the buyer resolves", err, "FORBIDDEN")
	e.clock.Advance(26 * time.Hour) // past the platform's 24 h: still the platform's to answer
	e.runDue()
	if got := e.read(c); got.Status != aftersales.PlatformReview {
		t.Fatalf("after the platform's 24 h: %s", got.Status)
	}
	c, err = e.resolve(e.admin, got, aftersales.Resolution{Outcome: "REFUND", AmountMinor: ptrTo(int64(6000)), Note: "store did not answer"})
	if err != nil {
		t.Fatalf("the platform resolves: %v", err)
	}
	if deref(c.ComplaintOutcome) != "REFUND" || c.FirstResponseAt != nil {
		t.Errorf("outcome %s; first response %v (an admin's answer is not the store's)", deref(c.ComplaintOutcome), c.FirstResponseAt)
	}
	e.checkRefunded(c, 6000)
}

func TestComplaintPriorityEscalationOnce(t *testing.T) {
	e := newArbEnv(t)

	t.Run("from an unanswered complaint", func(t *testing.T) {
		e := *e
		e.t = t
		c := e.complaint()
		e.clock.Advance(3 * time.Hour)
		_, err := e.priority(e.merchant, c)
		e.refused("the store", err, "FORBIDDEN")
		_, err = e.priority(e.admin, c)
		e.refused("an admin", err, "FORBIDDEN")
		at := e.clock.Now()
		c, err = e.priority(e.buyer, c)
		if err != nil {
			t.Fatalf("priority: %v", err)
		}
		if c.Status != aftersales.PlatformReview || !deref(c.PriorityEscalatedAt).Equal(at) || !deref(c.EscalatedAt).Equal(at) ||
			deref(c.EscalatedBy) != "BUYER" {
			t.Fatalf("priority escalation: %s at %v, escalated %v by %s", c.Status, c.PriorityEscalatedAt, c.EscalatedAt, deref(c.EscalatedBy))
		}
		// The platform has 4 h; the store's 48 h no longer act.
		e.checkDeadline(c, at.Add(4*time.Hour), aftersales.DeadlinePlatformAnswers, false)
		_, err = e.priority(e.buyer, c)
		e.refused("a second priority escalation", err, "ALREADY_PRIORITY_ESCALATED")
		e.clock.Set(c.RespondBy)
		e.runDue()
		if got := e.read(c); got.Version != c.Version || got.Status != aftersales.PlatformReview || deref(got.EscalatedBy) != "BUYER" {
			t.Fatalf("the old 48 h acted: %s by %s (version %d → %d)", got.Status, deref(got.EscalatedBy), c.Version, got.Version)
		}
		c, err = e.resolve(e.admin, c, aftersales.Resolution{Outcome: "EXCHANGE"})
		if err != nil {
			t.Fatalf("the platform resolves: %v", err)
		}
		if c.Status != aftersales.AwaitingReturn || deref(c.ComplaintOutcome) != "EXCHANGE" {
			t.Fatalf("exchange by the platform: %s %s", c.Status, deref(c.ComplaintOutcome))
		}
		_, err = e.priority(e.buyer, c)
		e.refused("priority after the resolution", err, "ALREADY_PRIORITY_ESCALATED")
	})

	t.Run("from a rejection", func(t *testing.T) {
		e := *e
		e.t = t
		c := e.complaint()
		c, err := e.resolve(e.merchant, c, aftersales.Resolution{Outcome: "REJECTED", Note: "price as listed"})
		if err != nil {
			t.Fatalf("reject: %v", err)
		}
		e.clock.Advance(time.Hour)
		at := e.clock.Now()
		if c, err = e.priority(e.buyer, c); err != nil {
			t.Fatalf("priority: %v", err)
		}
		if c.Status != aftersales.PlatformReview || !deref(c.EscalatedAt).Equal(at) {
			t.Fatalf("priority from a rejection: %s escalated %v", c.Status, c.EscalatedAt)
		}
		e.checkDeadline(c, at.Add(4*time.Hour), aftersales.DeadlinePlatformAnswers, false)
		c, err = e.resolve(e.admin, c, aftersales.Resolution{Outcome: "REJECTED", Note: "the listing showed this price"})
		if err != nil {
			t.Fatalf("the platform rejects: %v", err)
		}
		// The platform's rejection is final: nothing is left to escalate to.
		if c.Status != aftersales.Closed || deref(c.ComplaintOutcome) != "REJECTED" || c.ClosedAt == nil {
			t.Fatalf("rejected by the platform: %s %s", c.Status, deref(c.ComplaintOutcome))
		}
	})

	t.Run("while the platform already has it", func(t *testing.T) {
		e := *e
		e.t = t
		c := e.complaint()
		e.clock.Set(c.RespondBy)
		e.runDue() // the store did not answer
		c = e.read(c)
		escalatedAt := deref(c.EscalatedAt)
		e.checkDeadline(c, escalatedAt.Add(24*time.Hour), aftersales.DeadlinePlatformAnswers, false)
		e.clock.Advance(2 * time.Hour)
		at := e.clock.Now()
		c, err := e.priority(e.buyer, c)
		if err != nil {
			t.Fatalf("priority: %v", err)
		}
		if !deref(c.EscalatedAt).Equal(escalatedAt) || deref(c.EscalatedBy) != "SYSTEM" || !deref(c.PriorityEscalatedAt).Equal(at) {
			t.Fatalf("priority in review: escalated %v by %s, priority %v", c.EscalatedAt, deref(c.EscalatedBy), c.PriorityEscalatedAt)
		}
		// 4 h from the priority escalation, sooner than the 24 h from the escalation.
		e.checkDeadline(c, at.Add(4*time.Hour), aftersales.DeadlinePlatformAnswers, false)
	})

	t.Run("not for other cases", func(t *testing.T) {
		e := *e
		e.t = t
		c := e.inArbitration()
		_, err := e.priority(e.buyer, c)
		e.refused("priority on a refund case", err, "NOT_FOR_THIS_TYPE")
	})
}

func TestComplaintQueueByDeadlineForAdminsOnly(t *testing.T) {
	e := newArbEnv(t)
	other := newArbEnv(t)
	other.clock = e.clock
	// Three complaints reach the platform: one rejected and escalated (24 h), then a priority one (4 h: it
	// jumps ahead), then another store's rejected and escalated one (24 h, later).
	escalated := func(e *arbEnv) aftersales.Case {
		t.Helper()
		c := e.complaint()
		if _, err := e.resolve(e.merchant, c, aftersales.Resolution{Outcome: "REJECTED", Note: "no"}); err != nil {
			t.Fatalf("reject: %v", err)
		}
		return e.must("escalate", e.buyer, func(s *tenants.Session, now time.Time) (aftersales.Case, error) {
			return aftersales.Escalate(e.ctx, s, aftersales.KeyOf(c), nil, now)
		})
	}
	slow := escalated(e)
	fast, err := e.priority(e.buyer, e.complaint())
	if err != nil {
		t.Fatalf("priority: %v", err)
	}
	later := escalated(other)
	if !fast.DeadlineAt.Before(*slow.DeadlineAt) || !slow.DeadlineAt.Before(*later.DeadlineAt) {
		t.Fatalf("deadlines: priority %v, first %v, other store %v", fast.DeadlineAt, slow.DeadlineAt, later.DeadlineAt)
	}
	all := arbQueueWalk(e, e.admin, aftersales.ComplaintQueue, aftersales.PlatformReview)
	pos := arbPositions(all, fast, slow, later)
	if pos[0] < 0 || pos[1] < 0 || pos[2] < 0 || !(pos[0] < pos[1] && pos[1] < pos[2]) {
		t.Fatalf("positions of the priority, first and other store's complaints: %v; want in that order", pos)
	}
	// The platform answers the priority one: it leaves the queue.
	if _, err := e.resolve(e.admin2, fast, aftersales.Resolution{Outcome: "REFUND", AmountMinor: ptrTo(int64(100))}); err != nil {
		t.Fatalf("resolve: %v", err)
	}
	all = arbQueueWalk(e, e.admin2, aftersales.ComplaintQueue, aftersales.PlatformReview)
	if pos := arbPositions(all, fast, slow, later); pos[0] != -1 || pos[1] < 0 || pos[1] > pos[2] {
		t.Fatalf("after the priority complaint was resolved: positions %v", pos)
	}
	// Nobody but an admin reads it; the store's own complaints are in its case list, not here.
	for name, p := range map[string]tenants.Principal{"owner": e.merchant, "other store": other.merchant, "buyer": e.buyer} {
		err := e.as(p, func(s *tenants.Session) error {
			_, _, err := aftersales.ComplaintQueue(e.ctx, s, nil, 50)
			return err
		})
		e.refused(name+" reads the complaint queue", err, "FORBIDDEN")
	}
}
