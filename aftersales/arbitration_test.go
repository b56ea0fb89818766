package aftersales_test

// Arbitration against real PostgreSQL (row-level security on, the app role), with a clock the tests move by
// hand: cases reach arbitration through the core (an order created, paid, shipped and delivered; a case
// opened, rejected and escalated), an admin rules, the losing side appeals once within 7 days, a different
// admin decides, and the scheduler carries out a ruling nobody appealed exactly when the window closes. The
// helpers here (arb*) serve complaint_test.go too.
//
// Each env is its own store, and its clock lies in 2024 (two weeks per env), before any deadline of the demo
// data or of tests anchored in 2026, so the scheduler runs here act on this file's deadlines only; an env
// cancels the deadlines it leaves pending when its test ends.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"tradeguard/aftersales"
	"tradeguard/internal/clock"
	"tradeguard/internal/testdb"
	"tradeguard/orders"
	"tradeguard/payments"
	"tradeguard/scheduler"
	"tradeguard/tenants"
)

var (
	arbEpoch  = time.Date(2024, 1, 10, 2, 0, 0, 0, time.UTC)
	arbEpochs atomic.Int64
)

type arbEnv struct {
	t        *testing.T
	ctx      context.Context
	app      *sqlx.DB
	clock    *clock.Fake
	store    uuid.UUID
	product  uuid.UUID
	buyer    tenants.Principal
	merchant tenants.Principal // the store's owner
	agent    tenants.Principal
	admin    tenants.Principal
	admin2   tenants.Principal
	pay      payments.Adapter
}

// newArbEnv makes a store with its owner and agent, one product, a buyer and two admins, on a clock of its own.
func newArbEnv(t *testing.T) *arbEnv {
	t.Helper()
	_, app := testdb.Migrated(t)
	e := &arbEnv{t: t, ctx: context.Background(), app: app, store: uuid.New(), product: uuid.New(), pay: payments.Recorder{},
		clock: clock.NewFake(arbEpoch.AddDate(0, 0, 14*int(arbEpochs.Add(1))))}
	slug := "arb-" + e.store.String()[:8]
	ids := map[string]uuid.UUID{}
	e.sys(func(tx *sqlx.Tx) error {
		if _, err := tx.Exec(`insert into stores (id, slug, name, category, currency, time_zone, created_at)
			values ($1, $2, $3, 'electronics', 'TWD', 'Asia/Taipei', $4)`, e.store, slug, "Store "+slug, arbEpoch); err != nil {
			return err
		}
		for _, u := range []struct{ name, role string }{{"owner", "MERCHANT"}, {"agent", "MERCHANT"}, {"buyer", "BUYER"},
			{"admin", "ADMIN"}, {"admin2", "ADMIN"}} {
			ids[u.name] = uuid.New()
			if _, err := tx.Exec(`insert into users (id, email, password_hash, display_name, role, created_at, staff_store_id)
				values ($1, $2, 'x', $3, $4, $5, case when $4 = 'MERCHANT' then $6::uuid end)`,
				ids[u.name], u.name+"@"+slug+".test", u.name, u.role, arbEpoch, e.store); err != nil {
				return err
			}
		}
		for who, role := range map[string]string{"owner": "OWNER", "agent": "AGENT"} {
			if _, err := tx.Exec(`insert into store_staff (tenant_id, user_id, staff_role) values ($1, $2, $3)`, e.store, ids[who], role); err != nil {
				return err
			}
		}
		_, err := tx.Exec(`insert into products (tenant_id, id, sku, title, category, price_minor, currency, warranty_days)
			values ($1, $2, 'ARB-1', 'Headphones', 'electronics', 10000, 'TWD', 365)`, e.store, e.product)
		return err
	})
	e.merchant = tenants.Principal{Role: tenants.RoleMerchant, UserID: ids["owner"], StoreID: e.store, StaffRole: tenants.StaffOwner}
	e.agent = tenants.Principal{Role: tenants.RoleMerchant, UserID: ids["agent"], StoreID: e.store, StaffRole: tenants.StaffAgent}
	e.buyer = tenants.Principal{Role: tenants.RoleBuyer, UserID: ids["buyer"]}
	e.admin = tenants.Principal{Role: tenants.RoleAdmin, UserID: ids["admin"]}
	e.admin2 = tenants.Principal{Role: tenants.RoleAdmin, UserID: ids["admin2"]}
	t.Cleanup(func() {
		// Leave nothing for other tests' scheduler runs (they run later, on later clocks).
		_ = tenants.Run(context.Background(), app, tenants.System, func(tx *sqlx.Tx) error {
			_, err := tx.Exec(`update deadlines set status = 'CANCELLED' where tenant_id = $1 and status = 'PENDING'`, e.store)
			return err
		})
	})
	return e
}

// sys runs fn as the system through the app role (row-level security on) and commits.
func (e *arbEnv) sys(fn func(tx *sqlx.Tx) error) {
	e.t.Helper()
	if err := tenants.Run(e.ctx, e.app, tenants.System, fn); err != nil {
		e.t.Fatalf("as system: %v", err)
	}
}

// as runs fn in a session of p that commits if fn succeeds.
func (e *arbEnv) as(p tenants.Principal, fn func(s *tenants.Session) error) error {
	return tenants.Run(e.ctx, e.app, p, func(tx *sqlx.Tx) error { return fn(tenants.Attach(tx, p)) })
}

// do runs one case action as p at the clock's now and returns the case it answered.
func (e *arbEnv) do(p tenants.Principal, fn func(s *tenants.Session, now time.Time) (aftersales.Case, error)) (aftersales.Case, error) {
	var c aftersales.Case
	err := e.as(p, func(s *tenants.Session) (err error) {
		c, err = fn(s, e.clock.Now())
		return err
	})
	return c, err
}

// must is do that fails the test on an error.
func (e *arbEnv) must(what string, p tenants.Principal, fn func(s *tenants.Session, now time.Time) (aftersales.Case, error)) aftersales.Case {
	e.t.Helper()
	c, err := e.do(p, fn)
	if err != nil {
		e.t.Fatalf("%s: %v", what, err)
	}
	return c
}

// refused checks that err is the refusal want: a RuleError code, "FORBIDDEN", "NOT_FOUND" or "CONFLICT".
func (e *arbEnv) refused(what string, err error, want string) {
	e.t.Helper()
	if got := arbCode(err); got != want {
		e.t.Errorf("%s: %q (%v), want %s", what, got, err, want)
	}
}

func arbCode(err error) string {
	var re *tenants.RuleError
	switch {
	case err == nil:
		return ""
	case errors.Is(err, tenants.ErrForbidden):
		return "FORBIDDEN"
	case errors.Is(err, tenants.ErrNotFound):
		return "NOT_FOUND"
	case errors.Is(err, tenants.ErrConflict):
		return "CONFLICT"
	case errors.As(err, &re):
		return re.Code
	}
	return "unexpected: " + err.Error()
}

// deliveredOrder is an order of 2 × the product, created, paid, shipped and delivered now.
func (e *arbEnv) deliveredOrder() (orders.Order, orders.Item) {
	e.t.Helper()
	var o orders.Order
	step := func(what string, p tenants.Principal, fn func(s *tenants.Session, now time.Time) (orders.Order, error)) {
		e.t.Helper()
		if err := e.as(p, func(s *tenants.Session) (err error) { o, err = fn(s, e.clock.Now()); return err }); err != nil {
			e.t.Fatalf("order %s: %v", what, err)
		}
	}
	k := func() orders.Key { return orders.Key{StoreID: o.StoreID, ID: o.ID} }
	step("create", e.buyer, func(s *tenants.Session, now time.Time) (orders.Order, error) {
		return orders.Create(e.ctx, s, orders.CreateInput{StoreID: e.store, PaymentMethod: "CARD", ShipName: "Lin Mei",
			ShipPhone: "+886 912 345 678", ShipAddress: "No. 1, Section 1, Zhongshan Rd, Taipei",
			Lines: []orders.LineInput{{ProductID: e.product, Quantity: 2}}}, now)
	})
	step("pay", e.buyer, func(s *tenants.Session, now time.Time) (orders.Order, error) {
		return orders.Pay(e.ctx, s, e.pay, k(), "pay-"+o.ID.String(), now)
	})
	step("ship", e.merchant, func(s *tenants.Session, now time.Time) (orders.Order, error) {
		return orders.Ship(e.ctx, s, k(), "Black Cat", "BC-12345678", nil, now)
	})
	step("deliver", e.merchant, func(s *tenants.Session, now time.Time) (orders.Order, error) {
		return orders.MarkDelivered(e.ctx, s, k(), nil, now)
	})
	var items map[orders.Key][]orders.Item
	e.sys(func(tx *sqlx.Tx) (err error) {
		items, err = orders.ItemsByOrders(e.ctx, tenants.Attach(tx, tenants.System), []orders.Key{k()})
		return err
	})
	if len(items[k()]) != 1 || o.PaidMinor != 20000 {
		e.t.Fatalf("order %s: %d lines, paid %d; want 1 line, 20000", o.Number, len(items[k()]), o.PaidMinor)
	}
	return o, items[k()][0]
}

// open opens a case as the buyer now.
func (e *arbEnv) open(in aftersales.OpenInput) aftersales.Case {
	e.t.Helper()
	return e.must("open "+string(in.Type), e.buyer, func(s *tenants.Session, now time.Time) (aftersales.Case, error) {
		return aftersales.Open(e.ctx, s, in, now)
	})
}

// inArbitration is a refund-only request for both items (20000 asked) of a new delivered order, rejected by
// the store and escalated by the buyer, an hour apart each.
func (e *arbEnv) inArbitration() aftersales.Case {
	e.t.Helper()
	o, line := e.deliveredOrder()
	e.clock.Advance(time.Hour)
	c := e.open(aftersales.OpenInput{Order: orders.Key{StoreID: o.StoreID, ID: o.ID}, Type: aftersales.RefundOnly,
		Reason: aftersales.QualityDefect, Items: []aftersales.OpenItem{{OrderItemID: line.ID, Quantity: 2}}, Description: "left ear dead"})
	e.clock.Advance(time.Hour)
	e.must("reject", e.merchant, func(s *tenants.Session, now time.Time) (aftersales.Case, error) {
		return aftersales.Reject(e.ctx, s, aftersales.KeyOf(c), "works fine in our tests", nil, now)
	})
	e.clock.Advance(time.Hour)
	c = e.must("escalate", e.buyer, func(s *tenants.Session, now time.Time) (aftersales.Case, error) {
		return aftersales.Escalate(e.ctx, s, aftersales.KeyOf(c), nil, now)
	})
	if c.Status != aftersales.InArbitration || c.RequestedMinor != 20000 {
		e.t.Fatalf("escalated case %s is %s asking %d; want IN_ARBITRATION asking 20000", c.Number, c.Status, c.RequestedMinor)
	}
	return c
}

// read re-reads the case as the system.
func (e *arbEnv) read(c aftersales.Case) aftersales.Case {
	e.t.Helper()
	var got []aftersales.Case
	e.sys(func(tx *sqlx.Tx) (err error) {
		got, err = aftersales.ByKeys(e.ctx, tenants.Attach(tx, tenants.System), []aftersales.Key{aftersales.KeyOf(c)})
		return err
	})
	if len(got) != 1 {
		e.t.Fatalf("case %s: %d rows", c.Number, len(got))
	}
	return got[0]
}

// events are the case's actions (and their reasons) in order.
func (e *arbEnv) events(c aftersales.Case) []aftersales.Event {
	e.t.Helper()
	var got map[aftersales.Key][]aftersales.Event
	e.sys(func(tx *sqlx.Tx) (err error) {
		got, err = aftersales.EventsByCases(e.ctx, tenants.Attach(tx, tenants.System), []aftersales.Key{aftersales.KeyOf(c)})
		return err
	})
	return got[aftersales.KeyOf(c)]
}

func (e *arbEnv) lastEvent(c aftersales.Case) aftersales.Event {
	e.t.Helper()
	evs := e.events(c)
	if len(evs) == 0 {
		e.t.Fatalf("case %s has no events", c.Number)
	}
	return evs[len(evs)-1]
}

// pendingDeadline is the case's pending scheduler row, if any.
func (e *arbEnv) pendingDeadline(c aftersales.Case) (time.Time, bool) {
	e.t.Helper()
	var due []time.Time
	e.sys(func(tx *sqlx.Tx) error {
		return tx.Select(&due, `select due_at from deadlines where kind = $1 and subject_id = $2 and status = 'PENDING'`,
			aftersales.KindCaseDeadline, c.ID)
	})
	if len(due) == 0 {
		return time.Time{}, false
	}
	return due[0], true
}

// checkDeadline checks the case's current deadline (as shown) and whether the scheduler waits for it.
func (e *arbEnv) checkDeadline(c aftersales.Case, at time.Time, action aftersales.DeadlineAction, scheduled bool) {
	e.t.Helper()
	switch {
	case action == "" && (c.DeadlineAt != nil || c.DeadlineAction != nil):
		e.t.Errorf("case %s (%s): deadline %v %v, want none", c.Number, c.Status, c.DeadlineAt, deref(c.DeadlineAction))
	case action != "" && (c.DeadlineAt == nil || !c.DeadlineAt.Equal(at) || deref(c.DeadlineAction) != string(action)):
		e.t.Errorf("case %s (%s): deadline %v %s, want %s %s", c.Number, c.Status, c.DeadlineAt, deref(c.DeadlineAction), at, action)
	}
	due, ok := e.pendingDeadline(c)
	switch {
	case ok != scheduled:
		e.t.Errorf("case %s (%s): scheduler row pending = %v (%s), want %v", c.Number, c.Status, ok, due, scheduled)
	case ok && !due.Equal(at):
		e.t.Errorf("case %s (%s): scheduler row due %s, want %s", c.Number, c.Status, due, at)
	}
}

var arbQuiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// runDue runs the scheduler (the orders' and the cases' handlers) at the clock's now.
func (e *arbEnv) runDue() scheduler.Stats {
	e.t.Helper()
	hs := orders.Handlers(e.pay)
	maps.Copy(hs, aftersales.Handlers(e.pay))
	r := &scheduler.Runner{DB: e.app, Now: e.clock.Now, Handlers: hs, Log: arbQuiet}
	st, err := r.RunDue(e.ctx)
	if err != nil {
		e.t.Fatalf("RunDue at %s: %v", e.clock.Now(), err)
	}
	if st.Failed > 0 {
		e.t.Errorf("RunDue at %s: %d deadlines failed", e.clock.Now(), st.Failed)
	}
	return st
}

// checkRefunded checks a case paid back amount: REFUNDED with that approval and, once refunds move money
// (refund rows exist), exactly that much refunded.
func (e *arbEnv) checkRefunded(c aftersales.Case, amount int64) {
	e.t.Helper()
	c = e.read(c)
	if c.Status != aftersales.Refunded || deref(c.ApprovedMinor) != amount || c.ClosedAt == nil {
		e.t.Errorf("case %s: %s approved %d closed %v; want REFUNDED approved %d, closed", c.Number, c.Status, deref(c.ApprovedMinor), c.ClosedAt, amount)
	}
	var rows int
	var succeeded int64
	e.sys(func(tx *sqlx.Tx) error {
		return tx.QueryRow(`select count(*), coalesce(sum(amount_minor) filter (where status = 'SUCCEEDED'), 0) from refunds
			where tenant_id = $1 and case_id = $2`, c.StoreID, c.ID).Scan(&rows, &succeeded)
	})
	if rows > 0 && (succeeded != amount || c.RefundedMinor != amount) {
		e.t.Errorf("case %s: refunds succeeded %d, case refunded %d; want %d", c.Number, succeeded, c.RefundedMinor, amount)
	}
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func ptrTo[T any](v T) *T { return &v }

// rule, appeal and decide are the arbitration actions as p, now.
func (e *arbEnv) rule(p tenants.Principal, c aftersales.Case, in aftersales.Ruling) (aftersales.Case, error) {
	return e.do(p, func(s *tenants.Session, now time.Time) (aftersales.Case, error) {
		return aftersales.Rule(e.ctx, s, e.pay, aftersales.KeyOf(c), in, nil, now)
	})
}

func (e *arbEnv) appeal(p tenants.Principal, c aftersales.Case, reason string) (aftersales.Case, error) {
	return e.do(p, func(s *tenants.Session, now time.Time) (aftersales.Case, error) {
		return aftersales.Appeal(e.ctx, s, aftersales.KeyOf(c), reason, nil, now)
	})
}

func (e *arbEnv) decide(p tenants.Principal, c aftersales.Case, uphold bool, note string) (aftersales.Case, error) {
	return e.do(p, func(s *tenants.Session, now time.Time) (aftersales.Case, error) {
		return aftersales.DecideAppeal(e.ctx, s, e.pay, aftersales.KeyOf(c), uphold, note, "decide:"+uuid.NewString(), nil, now)
	})
}

func TestArbitrationRuleForBuyerBecomesFinalAfterSevenDays(t *testing.T) {
	e := newArbEnv(t)
	c := e.inArbitration()
	escalated := e.clock.Now()
	// Both sides have 72 h for evidence; the deadline only signals (an admin rules on what is there).
	if !c.BuyerEvidenceDue.Equal(escalated.Add(72*time.Hour)) || !c.MerchantEvidenceDue.Equal(escalated.Add(72*time.Hour)) {
		t.Errorf("evidence due %v / %v, want %s", c.BuyerEvidenceDue, c.MerchantEvidenceDue, escalated.Add(72*time.Hour))
	}
	e.checkDeadline(c, escalated.Add(72*time.Hour), aftersales.DeadlineEvidenceCloses, false)

	e.clock.Advance(time.Hour) // an admin may rule before the windows close
	forBuyer := aftersales.Ruling{ForBuyer: true, Liability: "MERCHANT", Note: "the recording shows the left ear silent"}
	for _, tc := range []struct {
		name string
		p    tenants.Principal
		in   aftersales.Ruling
		want string
	}{
		{"the store", e.merchant, forBuyer, "FORBIDDEN"},
		{"the buyer", e.buyer, forBuyer, "FORBIDDEN"},
		{"amount 0", e.admin, aftersales.Ruling{ForBuyer: true, AmountMinor: ptrTo(int64(0)), Liability: "MERCHANT", Note: "x"}, "AMOUNT_NOT_POSITIVE"},
		{"more than asked", e.admin, aftersales.Ruling{ForBuyer: true, AmountMinor: ptrTo(int64(20001)), Liability: "MERCHANT", Note: "x"}, "INVALID_AMOUNT"},
		{"negative", e.admin, aftersales.Ruling{ForBuyer: true, AmountMinor: ptrTo(int64(-5)), Liability: "MERCHANT", Note: "x"}, "AMOUNT_NOT_POSITIVE"},
		{"unknown liability", e.admin, aftersales.Ruling{ForBuyer: true, Liability: "WEATHER", Note: "x"}, "INVALID_LIABILITY"},
		{"no note", e.admin, aftersales.Ruling{ForBuyer: true, Liability: "MERCHANT", Note: " "}, "NOTE_REQUIRED"},
	} {
		_, err := e.rule(tc.p, c, tc.in)
		e.refused("rule by "+tc.name, err, tc.want)
	}
	_, err := e.do(e.admin, func(s *tenants.Session, now time.Time) (aftersales.Case, error) {
		stale := c.Version - 1
		return aftersales.Rule(e.ctx, s, e.pay, aftersales.KeyOf(c), forBuyer, &stale, now)
	})
	e.refused("rule with a stale version", err, "CONFLICT")
	if got := e.read(c); got.Version != c.Version || got.Ruling != nil {
		t.Fatalf("refused rulings changed the case: version %d → %d, ruling %v", c.Version, got.Version, deref(got.Ruling))
	}

	ruledAt := e.clock.Now()
	c = e.must("rule", e.admin, func(s *tenants.Session, now time.Time) (aftersales.Case, error) {
		v := c.Version
		return aftersales.Rule(e.ctx, s, e.pay, aftersales.KeyOf(c), forBuyer, &v, now)
	})
	if c.Status != aftersales.InArbitration || deref(c.Ruling) != "FOR_BUYER" || deref(c.Liability) != "MERCHANT" ||
		deref(c.ApprovedMinor) != 20000 || !deref(c.RuledAt).Equal(ruledAt) || deref(c.RuledBy) != e.admin.UserID ||
		deref(c.RulingNote) != forBuyer.Note {
		t.Fatalf("ruled case: %s ruling %s liable %s approved %d at %v by %v note %q", c.Status, deref(c.Ruling), deref(c.Liability),
			deref(c.ApprovedMinor), c.RuledAt, c.RuledBy, deref(c.RulingNote))
	}
	if ev := e.lastEvent(c); ev.Action != "RULE" || ev.Actor != "ADMIN" || deref(ev.ActorID) != e.admin.UserID || deref(ev.Note) != forBuyer.Note {
		t.Errorf("ruling event: %s by %s %v note %q", ev.Action, ev.Actor, ev.ActorID, deref(ev.Note))
	}
	final := ruledAt.Add(7 * 24 * time.Hour)
	e.checkDeadline(c, final, aftersales.DeadlineRulingFinal, true)
	_, err = e.rule(e.admin2, c, aftersales.Ruling{Liability: "BUYER", Note: "second opinion"})
	e.refused("rule again", err, "ALREADY_RULED")

	e.clock.Set(final.Add(-time.Second))
	e.runDue()
	if got := e.read(c); got.Status != aftersales.InArbitration || got.Version != c.Version {
		t.Fatalf("1 s before the appeal window closes: %s (version %d → %d), want untouched", got.Status, c.Version, got.Version)
	}
	e.clock.Set(final)
	_, err = e.appeal(e.merchant, c, "the buyer dropped them")
	e.refused("appeal when the window closes", err, "APPEAL_WINDOW_CLOSED")
	e.runDue()
	e.checkRefunded(c, 20000)
	got := e.read(c)
	if ev := e.lastEvent(c); ev.Actor != "SYSTEM" || !strings.HasPrefix(ev.Action, "DEADLINE_") || deref(ev.FromStatus) != aftersales.InArbitration {
		t.Errorf("finalization event: %s by %s from %s", ev.Action, ev.Actor, deref(ev.FromStatus))
	}
	e.checkDeadline(got, time.Time{}, "", false)
	if deref(got.Ruling) != "FOR_BUYER" || got.AppealedAt != nil {
		t.Errorf("final ruling %s, appealed %v", deref(got.Ruling), got.AppealedAt)
	}
	// Running again does nothing more.
	e.clock.Advance(time.Hour)
	if st := e.runDue(); e.read(c).Version != got.Version {
		t.Errorf("a second run changed the case (%+v)", st)
	}
	_, err = e.appeal(e.merchant, c, "too late")
	e.refused("appeal a carried-out ruling", err, "INVALID_STATE")
}

func TestArbitrationPartialRulingForBuyer(t *testing.T) {
	e := newArbEnv(t)
	c := e.inArbitration()
	// The order can still refund less than was asked: the ruling may not exceed it.
	e.sys(func(tx *sqlx.Tx) error {
		_, err := tx.Exec(`update orders set refunded_minor = 12000 where tenant_id = $1 and id = $2`, c.StoreID, c.OrderID)
		return err
	})
	_, err := e.rule(e.admin, c, aftersales.Ruling{ForBuyer: true, Liability: "CARRIER", Note: "crushed box"})
	e.refused("rule the whole 20000 when 8000 is refundable", err, "INVALID_AMOUNT")
	var re *tenants.RuleError
	if errors.As(err, &re) && !strings.Contains(re.Message, "80.00") && !strings.Contains(re.Message, "8000") {
		t.Errorf("INVALID_AMOUNT should name the refundable balance: %q", re.Message)
	}
	_, err = e.rule(e.admin, c, aftersales.Ruling{ForBuyer: true, AmountMinor: ptrTo(int64(8001)), Liability: "CARRIER", Note: "crushed box"})
	e.refused("rule 8001 when 8000 is refundable", err, "INVALID_AMOUNT")
	ruledAt := e.clock.Now()
	c, err = e.rule(e.admin, c, aftersales.Ruling{ForBuyer: true, AmountMinor: ptrTo(int64(8000)), Liability: "carrier", Note: "crushed box"})
	if err != nil {
		t.Fatalf("partial ruling: %v", err)
	}
	if deref(c.ApprovedMinor) != 8000 || deref(c.Liability) != "CARRIER" || c.RequestedMinor != 20000 {
		t.Fatalf("partial ruling: approved %d liable %s asked %d", deref(c.ApprovedMinor), deref(c.Liability), c.RequestedMinor)
	}
	e.clock.Set(ruledAt.Add(7*24*time.Hour - time.Second))
	e.runDue()
	if got := e.read(c); got.Status != aftersales.InArbitration {
		t.Fatalf("before the window closes: %s", got.Status)
	}
	e.clock.Set(ruledAt.Add(7 * 24 * time.Hour))
	e.runDue()
	e.checkRefunded(c, 8000)
}

func TestArbitrationRuleForMerchantClosesWhenFinal(t *testing.T) {
	e := newArbEnv(t)
	c := e.inArbitration()
	forMerchant := aftersales.Ruling{Liability: "BUYER", Note: "the damage is a drop, not a defect"}
	_, err := e.rule(e.admin, c, aftersales.Ruling{Liability: "BUYER", Note: "x", AmountMinor: ptrTo(int64(100))})
	e.refused("an amount for the merchant", err, "INVALID_AMOUNT")
	ruledAt := e.clock.Now()
	c, err = e.rule(e.admin, c, forMerchant)
	if err != nil {
		t.Fatalf("rule: %v", err)
	}
	if deref(c.Ruling) != "FOR_MERCHANT" || c.ApprovedMinor != nil || c.Status != aftersales.InArbitration {
		t.Fatalf("ruled for the merchant: %s approved %v %s", deref(c.Ruling), c.ApprovedMinor, c.Status)
	}
	e.checkDeadline(c, ruledAt.Add(7*24*time.Hour), aftersales.DeadlineRulingFinal, true)
	e.clock.Set(ruledAt.Add(7*24*time.Hour - time.Second))
	e.runDue()
	if got := e.read(c); got.Status != aftersales.InArbitration {
		t.Fatalf("1 s before final: %s", got.Status)
	}
	e.clock.Set(ruledAt.Add(7 * 24 * time.Hour))
	e.runDue()
	got := e.read(c)
	if got.Status != aftersales.ClosedForMerchant || got.ClosedAt == nil || !got.ClosedAt.Equal(e.clock.Now()) || got.RefundedMinor != 0 {
		t.Fatalf("final ruling for the merchant: %s closed %v refunded %d", got.Status, got.ClosedAt, got.RefundedMinor)
	}
	e.checkDeadline(got, time.Time{}, "", false)
	_, err = e.appeal(e.buyer, c, "late")
	e.refused("appeal a closed case", err, "INVALID_STATE")
}

func TestArbitrationAppealByTheLosingSideOverturned(t *testing.T) {
	e := newArbEnv(t)
	c := e.inArbitration()
	ruledAt := e.clock.Now()
	c, err := e.rule(e.admin, c, aftersales.Ruling{Liability: "BUYER", Note: "no defect visible"})
	if err != nil {
		t.Fatalf("rule: %v", err)
	}
	e.clock.Advance(3 * 24 * time.Hour)
	_, err = e.appeal(e.merchant, c, "we agree with it")
	e.refused("the winner appeals", err, "NOT_THE_LOSING_SIDE")
	_, err = e.appeal(e.agent, c, "we agree with it")
	e.refused("the winner's agent appeals", err, "NOT_THE_LOSING_SIDE")
	_, err = e.appeal(e.admin2, c, "an admin has no side")
	e.refused("an admin appeals", err, "FORBIDDEN")
	_, err = e.appeal(e.buyer, c, "   ")
	e.refused("an appeal without a reason", err, "REASON_REQUIRED")
	stranger := newArbEnv(t) // another store and another buyer do not see the case at all
	_, err = e.appeal(stranger.buyer, c, "me too")
	e.refused("another buyer appeals", err, "NOT_FOUND")
	_, err = e.appeal(stranger.merchant, c, "me too")
	e.refused("another store appeals", err, "NOT_FOUND")
	appealedAt := e.clock.Now()
	c, err = e.appeal(e.buyer, c, "the video shows it never powered on")
	if err != nil {
		t.Fatalf("appeal: %v", err)
	}
	if deref(c.AppealBy) != "BUYER" || !deref(c.AppealedAt).Equal(appealedAt) || deref(c.AppealReason) != "the video shows it never powered on" ||
		c.Status != aftersales.InArbitration {
		t.Fatalf("appealed: by %s at %v reason %q, %s", deref(c.AppealBy), c.AppealedAt, deref(c.AppealReason), c.Status)
	}
	// An appealed ruling waits for its decision: no deadline makes it final.
	e.checkDeadline(c, time.Time{}, "", false)
	_, err = e.appeal(e.buyer, c, "once more")
	e.refused("a second appeal", err, "ALREADY_APPEALED")

	e.clock.Set(ruledAt.Add(8 * 24 * time.Hour))
	e.runDue()
	if got := e.read(c); got.Status != aftersales.InArbitration || got.Version != c.Version {
		t.Fatalf("after 8 days with an open appeal: %s (version %d → %d)", got.Status, c.Version, got.Version)
	}
	_, err = e.decide(e.admin, c, false, "on reflection")
	e.refused("the ruling admin decides", err, "SAME_ADMIN")
	_, err = e.decide(e.merchant, c, true, "keep it")
	e.refused("the store decides", err, "FORBIDDEN")
	_, err = e.decide(stranger.merchant, c, true, "keep it")
	e.refused("another store decides", err, "NOT_FOUND")
	_, err = e.decide(e.admin2, c, false, "")
	e.refused("a decision without a note", err, "NOTE_REQUIRED")
	c, err = e.decide(e.admin2, c, false, "the video is conclusive")
	if err != nil {
		t.Fatalf("decide: %v", err)
	}
	if deref(c.AppealOutcome) != "OVERTURNED" || deref(c.AppealDecidedBy) != e.admin2.UserID || !deref(c.AppealDecidedAt).Equal(e.clock.Now()) ||
		deref(c.Ruling) != "FOR_BUYER" || deref(c.RuledBy) != e.admin.UserID {
		t.Fatalf("overturned: outcome %s by %v at %v, ruling %s ruled by %v", deref(c.AppealOutcome), c.AppealDecidedBy, c.AppealDecidedAt,
			deref(c.Ruling), c.RuledBy)
	}
	e.checkRefunded(c, 20000) // overturned for the buyer: what was asked
	if ev := e.lastEvent(c); ev.Action != "DECIDE_APPEAL" || deref(ev.ActorID) != e.admin2.UserID || deref(ev.Note) != "the video is conclusive" {
		t.Errorf("decision event: %s by %v note %q", ev.Action, ev.ActorID, deref(ev.Note))
	}
	_, err = e.decide(e.admin2, c, true, "again")
	e.refused("decide twice", err, "INVALID_STATE")
}

func TestArbitrationAppealUpheldAndOverturnedForMerchant(t *testing.T) {
	e := newArbEnv(t)
	for _, uphold := range []bool{true, false} {
		t.Run(fmt.Sprint("uphold=", uphold), func(t *testing.T) {
			e := *e
			e.t = t
			c := e.inArbitration()
			c, err := e.rule(e.admin, c, aftersales.Ruling{ForBuyer: true, AmountMinor: ptrTo(int64(5000)), Liability: "MERCHANT", Note: "half"})
			if err != nil {
				t.Fatalf("rule: %v", err)
			}
			e.clock.Advance(7*24*time.Hour - time.Minute) // the last minute of the window
			_, err = e.appeal(e.buyer, c, "I won")
			e.refused("the winner appeals", err, "NOT_THE_LOSING_SIDE")
			if c, err = e.appeal(e.agent, c, "the buyer dropped them"); err != nil {
				t.Fatalf("the store's agent appeals: %v", err)
			}
			if deref(c.AppealBy) != "MERCHANT" {
				t.Fatalf("appeal by %s", deref(c.AppealBy))
			}
			_, err = e.decide(e.admin, c, uphold, "x")
			e.refused("the same admin", err, "SAME_ADMIN")
			c, err = e.decide(e.admin2, c, uphold, "decided")
			if err != nil {
				t.Fatalf("decide: %v", err)
			}
			if uphold {
				if deref(c.AppealOutcome) != "UPHELD" || deref(c.Ruling) != "FOR_BUYER" {
					t.Fatalf("upheld: %s %s", deref(c.AppealOutcome), deref(c.Ruling))
				}
				e.checkRefunded(c, 5000)
				return
			}
			got := e.read(c)
			if deref(got.AppealOutcome) != "OVERTURNED" || deref(got.Ruling) != "FOR_MERCHANT" || got.ApprovedMinor != nil ||
				got.Status != aftersales.ClosedForMerchant || got.ClosedAt == nil || got.RefundedMinor != 0 {
				t.Fatalf("overturned for the merchant: %s %s approved %v %s closed %v", deref(got.AppealOutcome), deref(got.Ruling),
					got.ApprovedMinor, got.Status, got.ClosedAt)
			}
			e.checkDeadline(got, time.Time{}, "", false)
		})
	}
}

// A ruling fitted the order's refundable balance when it was made; if the order refunded more in the days
// before the ruling became final, the ruling pays what is left rather than failing (or paying twice).
func TestArbitrationFinalRulingLimitedToTheRefundableBalance(t *testing.T) {
	e := newArbEnv(t)
	setRefunded := func(c aftersales.Case, minor int64) {
		e.sys(func(tx *sqlx.Tx) error {
			_, err := tx.Exec(`update orders set refunded_minor = $3 where tenant_id = $1 and id = $2`, c.StoreID, c.OrderID, minor)
			return err
		})
	}

	c := e.inArbitration()
	ruledAt := e.clock.Now()
	c, err := e.rule(e.admin, c, aftersales.Ruling{ForBuyer: true, Liability: "MERCHANT", Note: "defective"})
	if err != nil {
		t.Fatalf("rule: %v", err)
	}
	setRefunded(c, 5000) // another refund of the order, meanwhile
	e.clock.Set(ruledAt.Add(7 * 24 * time.Hour))
	e.runDue()
	e.checkRefunded(c, 15000)

	c = e.inArbitration()
	if c, err = e.rule(e.admin, c, aftersales.Ruling{Liability: "BUYER", Note: "dropped"}); err != nil {
		t.Fatalf("rule: %v", err)
	}
	if c, err = e.appeal(e.buyer, c, "not dropped"); err != nil {
		t.Fatalf("appeal: %v", err)
	}
	setRefunded(c, 15000)
	if c, err = e.decide(e.admin2, c, false, "the carrier's report shows no drop"); err != nil {
		t.Fatalf("overturn: %v", err)
	}
	e.checkRefunded(c, 5000)
	if ev := e.lastEvent(c); !strings.Contains(deref(ev.Note), "the carrier's report shows no drop") || !strings.Contains(deref(ev.Note), "limited") {
		t.Errorf("the decision should say the refund was limited: %q", deref(ev.Note))
	}
}

// A final ruling for the buyer whose refund the provider declines leaves the case REFUND_FAILED (the refund's
// own retries take over), with the ruling on record; the scheduler's deadline itself succeeds.
func TestArbitrationFinalRulingWithADeclinedRefund(t *testing.T) {
	e := newArbEnv(t)
	c := e.inArbitration()
	ruledAt := e.clock.Now()
	c, err := e.rule(e.admin, c, aftersales.Ruling{ForBuyer: true, AmountMinor: ptrTo(int64(9000)), Liability: "MERCHANT", Note: "defective"})
	if err != nil {
		t.Fatalf("rule: %v", err)
	}
	e.pay = payments.Scripted{DeclineRefund: func(payments.Request) string { return "card expired" }}
	e.clock.Set(ruledAt.Add(7 * 24 * time.Hour))
	e.runDue()
	got := e.read(c)
	if got.Status != aftersales.RefundFailed || deref(got.Ruling) != "FOR_BUYER" || deref(got.ApprovedMinor) != 9000 || got.RefundedMinor != 0 {
		t.Fatalf("declined final refund: %s ruling %s approved %d refunded %d", got.Status, deref(got.Ruling), deref(got.ApprovedMinor), got.RefundedMinor)
	}
}

// Either side may escalate a case that waited 48 h without agreement: here the store does, and the ruling,
// the appeal and its decision work the same.
func TestArbitrationEscalatedByTheStore(t *testing.T) {
	e := newArbEnv(t)
	o, line := e.deliveredOrder()
	c := e.open(aftersales.OpenInput{Order: orders.Key{StoreID: o.StoreID, ID: o.ID}, Type: aftersales.RefundOnly,
		Reason: aftersales.NotAsDescribed, Items: []aftersales.OpenItem{{OrderItemID: line.ID, Quantity: 1}}})
	e.clock.Advance(47 * time.Hour)
	_, err := e.do(e.merchant, func(s *tenants.Session, now time.Time) (aftersales.Case, error) {
		return aftersales.Escalate(e.ctx, s, aftersales.KeyOf(c), nil, now)
	})
	e.refused("escalate after 47 h", err, "TOO_EARLY_TO_ESCALATE")
	e.clock.Advance(time.Hour)
	c = e.must("escalate after 48 h", e.merchant, func(s *tenants.Session, now time.Time) (aftersales.Case, error) {
		return aftersales.Escalate(e.ctx, s, aftersales.KeyOf(c), nil, now)
	})
	if c.Status != aftersales.InArbitration || deref(c.EscalatedBy) != "MERCHANT" {
		t.Fatalf("escalated by the store: %s by %s", c.Status, deref(c.EscalatedBy))
	}
	c, err = e.rule(e.admin, c, aftersales.Ruling{ForBuyer: true, Liability: "PLATFORM", Note: "listing photo was ours"})
	if err != nil {
		t.Fatalf("rule: %v", err)
	}
	if deref(c.ApprovedMinor) != 10000 {
		t.Fatalf("ruled for the buyer by default: %d, want the 10000 asked", deref(c.ApprovedMinor))
	}
	if c, err = e.appeal(e.merchant, c, "the listing was right"); err != nil {
		t.Fatalf("appeal: %v", err)
	}
	if c, err = e.decide(e.admin2, c, true, "the listing photo differs"); err != nil {
		t.Fatalf("decide: %v", err)
	}
	e.checkRefunded(c, 10000)
}

// arbQueueWalk pages through a platform queue with small pages and returns every case, checking the order
// (deadline, no deadline last, then id) and that pages neither overlap nor skip.
func arbQueueWalk(e *arbEnv, p tenants.Principal, queue func(ctx context.Context, s *tenants.Session, after *aftersales.Cursor, limit int) ([]aftersales.Case, bool, error), status aftersales.Status) []aftersales.Case {
	e.t.Helper()
	var all []aftersales.Case
	var after *aftersales.Cursor
	for pages := 0; ; pages++ {
		var page []aftersales.Case
		var more bool
		err := e.as(p, func(s *tenants.Session) (err error) {
			page, more, err = queue(e.ctx, s, after, 3)
			return err
		})
		if err != nil {
			e.t.Fatalf("queue page %d: %v", pages, err)
		}
		if len(page) > 3 || (more && len(page) != 3) {
			e.t.Fatalf("queue page %d: %d cases, more = %v", pages, len(page), more)
		}
		all = append(all, page...)
		if !more {
			break
		}
		cur := aftersales.CursorOf(page[len(page)-1])
		after = &cur
	}
	seen := map[uuid.UUID]bool{}
	for i, c := range all {
		if c.Status != status {
			e.t.Errorf("queue entry %d (%s) is %s", i, c.Number, c.Status)
		}
		if seen[c.ID] {
			e.t.Errorf("queue lists %s twice", c.Number)
		}
		seen[c.ID] = true
		if i == 0 {
			continue
		}
		prev := all[i-1]
		var ordered bool
		switch {
		case prev.DeadlineAt == nil && c.DeadlineAt == nil, prev.DeadlineAt != nil && c.DeadlineAt != nil && prev.DeadlineAt.Equal(*c.DeadlineAt):
			ordered = prev.ID.String() < c.ID.String()
		case prev.DeadlineAt == nil:
			ordered = false
		case c.DeadlineAt == nil:
			ordered = true
		default:
			ordered = prev.DeadlineAt.Before(*c.DeadlineAt)
		}
		if !ordered {
			e.t.Errorf("queue out of order at %d: %s (%v, %s) before %s (%v, %s)", i, prev.Number, prev.DeadlineAt, prev.ID, c.Number, c.DeadlineAt, c.ID)
		}
	}
	var total int
	e.sys(func(tx *sqlx.Tx) error { return tx.Get(&total, `select count(*) from cases where status = $1`, status) })
	if len(all) != total {
		e.t.Errorf("the queue walked %d cases, %d are %s", len(all), total, status)
	}
	return all
}

// positions are the indexes of the cases in the walked queue (-1 when missing).
func arbPositions(all []aftersales.Case, cases ...aftersales.Case) []int {
	out := make([]int, len(cases))
	for i, c := range cases {
		out[i] = slices.IndexFunc(all, func(q aftersales.Case) bool { return q.ID == c.ID })
	}
	return out
}

func TestArbitrationQueueAcrossStoresByDeadline(t *testing.T) {
	e := newArbEnv(t)
	other := newArbEnv(t)
	other.clock = e.clock                                   // one clock: the two stores' cases interleave
	first := e.inArbitration()                              // evidence closes at t+72h
	second := other.inArbitration()                         // later
	third := e.inArbitration()                              // later still
	ruled, err := e.rule(e.admin, first, aftersales.Ruling{ // ruled: final 7 days from now, after the others' evidence
		Liability: "BUYER", Note: "no defect"})
	if err != nil {
		t.Fatalf("rule: %v", err)
	}
	appealed, err := e.appeal(e.buyer, ruled, "please look again")
	if err != nil {
		t.Fatalf("appeal: %v", err)
	}
	if appealed.DeadlineAt != nil {
		t.Fatalf("an appealed case has no deadline, has %v", appealed.DeadlineAt)
	}
	fourth := other.inArbitration()
	all := arbQueueWalk(e, e.admin, aftersales.ArbitrationQueue, aftersales.InArbitration)
	pos := arbPositions(all, second, third, fourth, appealed)
	for i, p := range pos {
		if p < 0 {
			t.Fatalf("case %d of the test is missing from the queue: %v", i, pos)
		}
	}
	if !slices.IsSorted(pos) {
		t.Errorf("positions of second, third, fourth, appealed: %v; want soonest deadline first, no deadline last", pos)
	}
	if pos[3] < len(all)-countNoDeadline(all) {
		t.Errorf("the appealed case (no deadline) is at %d of %d, before dated cases", pos[3], len(all))
	}
	// Only admins see the platform queues.
	for name, p := range map[string]tenants.Principal{"owner": e.merchant, "agent": e.agent, "buyer": e.buyer, "system": tenants.System,
		"token": {Role: tenants.RoleMerchant, StoreID: e.store, StaffRole: tenants.StaffAPI, TokenID: uuid.New(),
			Scopes: []tenants.Scope{tenants.ScopeCasesRead, tenants.ScopeCasesWrite}}, "anonymous": tenants.Anonymous} {
		for qname, q := range map[string]func(context.Context, *tenants.Session, *aftersales.Cursor, int) ([]aftersales.Case, bool, error){
			"arbitration": aftersales.ArbitrationQueue, "complaint": aftersales.ComplaintQueue} {
			var got []aftersales.Case
			err := e.as(p, func(s *tenants.Session) (err error) { got, _, err = q(e.ctx, s, nil, 10); return err })
			if !errors.Is(err, tenants.ErrForbidden) || len(got) != 0 {
				t.Errorf("%s reads the %s queue: %d cases, %v; want ErrForbidden", name, qname, len(got), err)
			}
		}
	}
}

func countNoDeadline(cs []aftersales.Case) int {
	n := 0
	for _, c := range cs {
		if c.DeadlineAt == nil {
			n++
		}
	}
	return n
}
