package aftersales_test

// Hand-computed fixtures of the merchant metrics (DESIGN §3.4, §6): each signal alone, several on one order,
// the exclusions, the 30-order sufficiency line, the windows' edges in the store's time zone, late shipments
// and response time. Every fact is made through the real functions (orders, cases, arbitration, ratings,
// chargebacks, abuse flags) on the arb env's clock (helpers in arbitration_test.go and complaint_test.go), so
// the numbers are what the database's triggers and metrics.Compute make of them; each expectation says how it
// was counted by hand. Each test is its own store, so a denominator is exactly the orders the test paid.

import (
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"tradeguard/aftersales"
	"tradeguard/metrics"
	"tradeguard/orders"
	"tradeguard/ratings"
	"tradeguard/tenants"
)

var mfTaipei = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Taipei")
	if err != nil {
		panic(err)
	}
	return loc
}()

// mfStore is the env's store as the metrics read it (newArbEnv makes it in Asia/Taipei).
func (e *arbEnv) mfStore() tenants.Store { return tenants.Store{ID: e.store, TimeZone: "Asia/Taipei"} }

// mfFigures are every metric of the env's store as of asOf, read as the system.
func (e *arbEnv) mfFigures(asOf time.Time) metrics.Store {
	e.t.Helper()
	var m metrics.Store
	e.sys(func(tx *sqlx.Tx) (err error) {
		m, err = metrics.Compute(e.ctx, tenants.Attach(tx, tenants.System), e.mfStore(), asOf)
		return err
	})
	return m
}

// mfFig is a rate's numerator over its denominator.
type mfFig struct{ num, den int }

func (f mfFig) String() string { return fmt.Sprintf("%d/%d", f.num, f.den) }

// mfWant checks every rate as of asOf: those in want as given, every other one 0 over the orders (the late
// shipment rate 0/0 unless given: no ship-by has passed); each window holds orders orders, and with fewer
// than 30 every rate is insufficient data.
func (e *arbEnv) mfWant(what string, asOf time.Time, orders int, want map[string]mfFig) metrics.Store {
	e.t.Helper()
	m := e.mfFigures(asOf)
	for _, d := range metrics.Rates {
		exp, ok := want[d.Key]
		if !ok {
			exp = mfFig{0, orders}
			if d.Kind == metrics.FromLateShipment {
				exp = mfFig{0, 0}
			}
		}
		r := m.Rates[d.Key]
		if got := (mfFig{r.Numerator, r.Denominator}); got != exp || r.Orders != orders || r.Insufficient != (orders < metrics.MinOrders) {
			e.t.Errorf("%s: %s = %s (orders %d, insufficient %v), want %s (orders %d, insufficient %v)",
				what, d.Key, got, r.Orders, r.Insufficient, exp, orders, orders < metrics.MinOrders)
		}
	}
	if m.Orders30d != orders {
		e.t.Errorf("%s: orders in 30 days = %d, want %d", what, m.Orders30d, orders)
	}
	return m
}

// mfDrill lists, per order metric key counts as of asOf, the kinds of its signals (oldest first) and the
// signals themselves.
func (e *arbEnv) mfDrill(key string, asOf time.Time) (map[uuid.UUID][]string, map[uuid.UUID][]metrics.Signal) {
	e.t.Helper()
	var got []metrics.CountedOrder
	e.sys(func(tx *sqlx.Tx) (err error) {
		got, _, err = metrics.Orders(e.ctx, tenants.Attach(tx, tenants.System), e.mfStore(), key, asOf, nil, 100)
		return err
	})
	kinds, sigs := map[uuid.UUID][]string{}, map[uuid.UUID][]metrics.Signal{}
	for _, o := range got {
		if _, dup := kinds[o.OrderID]; dup {
			e.t.Errorf("%s as of %s: order %s listed twice", key, asOf, o.OrderID)
		}
		for _, s := range o.Signals {
			kinds[o.OrderID] = append(kinds[o.OrderID], s.Kind)
		}
		sigs[o.OrderID] = o.Signals
	}
	return kinds, sigs
}

// mfWantDrill checks that metric key counts exactly the orders of want as of asOf, each for those reasons.
func (e *arbEnv) mfWantDrill(what, key string, asOf time.Time, want map[uuid.UUID][]string) map[uuid.UUID][]metrics.Signal {
	e.t.Helper()
	got, sigs := e.mfDrill(key, asOf)
	if fmt.Sprint(mfSorted(got)) != fmt.Sprint(mfSorted(want)) {
		e.t.Errorf("%s: %s drill-down = %v, want %v", what, key, mfSorted(got), mfSorted(want))
	}
	return sigs
}

func mfSorted(m map[uuid.UUID][]string) []string {
	var out []string
	for id, kinds := range m {
		out = append(out, fmt.Sprintf("%s:%v", id, kinds))
	}
	sort.Strings(out)
	return out
}

func mfKey(o orders.Order) orders.Key { return orders.Key{StoreID: o.StoreID, ID: o.ID} }

// mfOrder runs one order action as p now.
func (e *arbEnv) mfOrder(what string, p tenants.Principal, fn func(s *tenants.Session, now time.Time) (orders.Order, error)) orders.Order {
	e.t.Helper()
	var o orders.Order
	if err := e.as(p, func(s *tenants.Session) (err error) { o, err = fn(s, e.clock.Now()); return err }); err != nil {
		e.t.Fatalf("order %s: %v", what, err)
	}
	return o
}

// mfPaidOrder is an order of 2 × the product (20000) created and paid now, not shipped: ship-by is now + 48 h.
func (e *arbEnv) mfPaidOrder() orders.Order {
	e.t.Helper()
	o := e.mfOrder("create", e.buyer, func(s *tenants.Session, now time.Time) (orders.Order, error) {
		return orders.Create(e.ctx, s, orders.CreateInput{StoreID: e.store, PaymentMethod: "CARD", ShipName: "Lin Mei",
			ShipPhone: "+886 912 345 678", ShipAddress: "No. 1, Section 1, Zhongshan Rd, Taipei",
			Lines: []orders.LineInput{{ProductID: e.product, Quantity: 2}}}, now)
	})
	o = e.mfOrder("pay", e.buyer, func(s *tenants.Session, now time.Time) (orders.Order, error) {
		return orders.Pay(e.ctx, s, e.pay, mfKey(o), "pay-"+o.ID.String(), now)
	})
	if o.ShipBy == nil || !o.ShipBy.Equal(e.clock.Now().Add(orders.ShipWithin)) {
		e.t.Fatalf("order %s paid at %s: ship-by %v", o.Number, e.clock.Now(), o.ShipBy)
	}
	return o
}

func (e *arbEnv) mfShip(o orders.Order) orders.Order {
	e.t.Helper()
	return e.mfOrder("ship", e.merchant, func(s *tenants.Session, now time.Time) (orders.Order, error) {
		return orders.Ship(e.ctx, s, mfKey(o), "Black Cat", "BC-87654321", nil, now)
	})
}

func (e *arbEnv) mfCancel(o orders.Order) orders.Order {
	e.t.Helper()
	o = e.mfOrder("cancel", e.merchant, func(s *tenants.Session, now time.Time) (orders.Order, error) {
		return orders.Cancel(e.ctx, s, e.pay, mfKey(o), "out of stock", nil, now)
	})
	if deref(o.CancelKind) != "MERCHANT" {
		e.t.Fatalf("order %s cancelled by the store: kind %s", o.Number, deref(o.CancelKind))
	}
	return o
}

// mfRate rates an order as its buyer now, overall stars (the dimensions 3).
func (e *arbEnv) mfRate(o orders.Order, overall int) ratings.Rating {
	e.t.Helper()
	var r ratings.Rating
	err := e.as(e.buyer, func(s *tenants.Session) (err error) {
		r, err = ratings.Create(e.ctx, s, mfKey(o), ratings.Input{Overall: overall, DescriptionMatch: 3, ServiceAttitude: 3,
			LogisticsSpeed: 3, Comment: fmt.Sprintf("%d stars", overall)}, e.clock.Now())
		return err
	})
	if err != nil {
		e.t.Fatalf("rate order %s %d stars: %v", o.Number, overall, err)
	}
	return r
}

// mfChargeback records a chargeback of amount on o as the payment adapter (the system) now.
func (e *arbEnv) mfChargeback(o orders.Order, amount int64, ref string) metrics.Chargeback {
	e.t.Helper()
	var cb metrics.Chargeback
	e.sys(func(tx *sqlx.Tx) (err error) {
		cb, err = metrics.RecordChargeback(e.ctx, tenants.Attach(tx, tenants.System), metrics.ChargebackInput{StoreID: o.StoreID,
			OrderID: o.ID, AmountMinor: amount, Reason: "cardholder disputes the charge", ProviderRef: ref}, e.clock.Now())
		return err
	})
	return cb
}

// mfAbuseFlag flags (or clears) a buyer as an admin now.
func (e *arbEnv) mfAbuseFlag(buyer tenants.Principal, flagged bool) {
	e.t.Helper()
	if err := e.as(e.admin, func(s *tenants.Session) error {
		_, err := metrics.SetAbuseFlag(e.ctx, s, buyer.UserID, flagged, "opens a quality case on every order", e.clock.Now())
		return err
	}); err != nil {
		e.t.Fatalf("abuse flag %v: %v", flagged, err)
	}
}

// mfAnotherBuyer is the env with a new buyer of its own (the same store, clock and staff).
func (e *arbEnv) mfAnotherBuyer() *arbEnv {
	e.t.Helper()
	id := uuid.New()
	e.sys(func(tx *sqlx.Tx) error {
		_, err := tx.Exec(`insert into users (id, email, password_hash, display_name, role, created_at)
			values ($1, $2, 'x', 'second buyer', 'BUYER', $3)`, id, "buyer-"+id.String()[:8]+"@mf.test", arbEpoch)
		return err
	})
	other := *e
	other.buyer = tenants.Principal{Role: tenants.RoleBuyer, UserID: id}
	return &other
}

// mfOpen opens a case as the buyer now on both items of o (20000 asked).
func (e *arbEnv) mfOpen(o orders.Order, line orders.Item, typ aftersales.Type, reason aftersales.Reason) aftersales.Case {
	e.t.Helper()
	return e.open(aftersales.OpenInput{Order: mfKey(o), Type: typ, Reason: reason,
		Items: []aftersales.OpenItem{{OrderItemID: line.ID, Quantity: 2}}, Description: "fixture case"})
}

// mfApprove approves a case as the store now.
func (e *arbEnv) mfApprove(c aftersales.Case) aftersales.Case {
	e.t.Helper()
	return e.must("approve", e.merchant, func(s *tenants.Session, now time.Time) (aftersales.Case, error) {
		return aftersales.Approve(e.ctx, s, e.pay, aftersales.KeyOf(c), nil, "approve:"+uuid.NewString(), nil, now)
	})
}

// mfArbitrated is a refund-only request for reason on a new delivered order, opened, rejected by the store
// and escalated by the buyer an hour apart each (inArbitration with a reason of choice).
func (e *arbEnv) mfArbitrated(reason aftersales.Reason) (orders.Order, aftersales.Case) {
	e.t.Helper()
	o, line := e.deliveredOrder()
	e.clock.Advance(time.Hour)
	c := e.mfOpen(o, line, aftersales.RefundOnly, reason)
	e.clock.Advance(time.Hour)
	e.must("reject", e.merchant, func(s *tenants.Session, now time.Time) (aftersales.Case, error) {
		return aftersales.Reject(e.ctx, s, aftersales.KeyOf(c), "it arrived in time by our records", nil, now)
	})
	e.clock.Advance(time.Hour)
	c = e.must("escalate", e.buyer, func(s *tenants.Session, now time.Time) (aftersales.Case, error) {
		return aftersales.Escalate(e.ctx, s, aftersales.KeyOf(c), nil, now)
	})
	if c.Status != aftersales.InArbitration {
		e.t.Fatalf("escalated case %s is %s", c.Number, c.Status)
	}
	return o, c
}

func (e *arbEnv) mfOrderOf(c aftersales.Case) orders.Order {
	return orders.Order{StoreID: c.StoreID, ID: c.OrderID}
}

// mfFinal makes a ruling nobody appealed final: the scheduler carries it out 7 days after it was made.
func (e *arbEnv) mfFinal(c aftersales.Case) aftersales.Case {
	e.t.Helper()
	e.clock.Set(deref(e.read(c).RuledAt).Add(7 * 24 * time.Hour))
	e.runDue()
	return e.read(c)
}

// ---- 1. each signal alone moves exactly its metrics ----

func TestMetricFixtureQualityCase(t *testing.T) {
	e := newArbEnv(t)
	e.deliveredOrder() // a second order: every denominator is 2
	o, line := e.deliveredOrder()
	e.clock.Advance(time.Hour)
	opened := e.clock.Now()
	c := e.mfOpen(o, line, aftersales.RefundOnly, aftersales.QualityDefect)

	// Before it was opened nothing counts: 0/2 everywhere (no ship-by has passed: late 0/0).
	e.mfWant("a µs before the quality case", opened.Add(-time.Microsecond), 2, nil)
	// Opened: the order is dissatisfied (1 of 2); nothing is refunded yet, so neither refund rate moves.
	e.mfWant("quality case opened", opened, 2, map[string]mfFig{metrics.Dissatisfaction: {1, 2}})
	e.mfWantDrill("quality case opened", metrics.Dissatisfaction, opened, map[uuid.UUID][]string{o.ID: {"QUALITY_CASE"}})

	e.clock.Advance(time.Hour)
	refunded := e.clock.Now()
	c = e.mfApprove(c)
	e.checkRefunded(c, 20000)
	// Refunded: the order also has a completed refund (1/2) for a quality reason (1/2).
	e.mfWant("quality case refunded", refunded, 2, map[string]mfFig{
		metrics.Dissatisfaction: {1, 2}, metrics.Refund: {1, 2}, metrics.QualityRefund: {1, 2}})
	// ... and as of a second before the refund, only the dissatisfaction.
	e.mfWant("a second before the refund", refunded.Add(-time.Second), 2, map[string]mfFig{metrics.Dissatisfaction: {1, 2}})
	e.mfWantDrill("quality refund", metrics.QualityRefund, refunded, map[uuid.UUID][]string{o.ID: {"QUALITY_REFUND"}})
	e.mfWantDrill("refund", metrics.Refund, refunded, map[uuid.UUID][]string{o.ID: {"REFUND"}})
}

func TestMetricFixtureNegativeRating(t *testing.T) {
	e := newArbEnv(t)
	p, _ := e.deliveredOrder()
	o, _ := e.deliveredOrder()
	e.clock.Advance(time.Hour)
	rated := e.clock.Now()
	e.mfRate(p, 3) // 3 stars is not negative
	r := e.mfRate(o, 2)

	// 2 stars is negative: o is dissatisfied (1/2) and defective (1/2); the 3-star order is neither.
	m := e.mfWant("negative rating", rated, 2, map[string]mfFig{metrics.Dissatisfaction: {1, 2}, metrics.OrderDefect: {1, 2}})
	// Ratings: 2 given, 1 negative, overall (3+2)/2 = 2.5; fewer than 5 ratings is insufficient.
	if rt := m.Ratings; rt.Count != 2 || rt.Negative != 1 || rt.Overall != 2.5 || rt.DescriptionMatch != 3 || !rt.Insufficient {
		t.Errorf("ratings = %+v, want 2 given, 1 negative, overall 2.5, description 3, insufficient", rt)
	}
	sigs := e.mfWantDrill("negative rating", metrics.OrderDefect, rated, map[uuid.UUID][]string{o.ID: {"NEGATIVE_RATING"}})
	if s := sigs[o.ID]; len(s) != 1 || deref(s[0].Source) != "RATING" || deref(s[0].SourceID) != r.ID || !s[0].At.Equal(rated) {
		t.Errorf("negative rating signal = %+v, want the rating %s at %s", s, r.ID, rated)
	}

	// Revised to 4 stars a day later: from the revision on it counts in neither; as of before it, it still does.
	e.clock.Advance(24 * time.Hour)
	revised := e.clock.Now()
	if err := e.as(e.buyer, func(s *tenants.Session) error {
		_, err := ratings.Revise(e.ctx, s, ratings.KeyOf(r), ratings.Input{Overall: 4, DescriptionMatch: 4, ServiceAttitude: 4,
			LogisticsSpeed: 4, Comment: "they called and fixed it"}, revised)
		return err
	}); err != nil {
		t.Fatalf("revise: %v", err)
	}
	m = e.mfWant("rating revised to 4 stars", revised, 2, nil)
	if rt := m.Ratings; rt.Count != 2 || rt.Negative != 0 || rt.Overall != 3.5 {
		t.Errorf("ratings after the revision = %+v, want 2 given, none negative, overall (3+4)/2 = 3.5", rt)
	}
	m = e.mfWant("a second before the revision", revised.Add(-time.Second), 2,
		map[string]mfFig{metrics.Dissatisfaction: {1, 2}, metrics.OrderDefect: {1, 2}})
	if rt := m.Ratings; rt.Negative != 1 || rt.Overall != 2.5 {
		t.Errorf("ratings a second before the revision = %+v, want 1 negative, overall 2.5 (as first given)", rt)
	}
}

func TestMetricFixtureUpheldComplaint(t *testing.T) {
	e := newArbEnv(t)
	e.deliveredOrder()      // a third order with nothing: every denominator is 3
	upheld := e.complaint() // its order delivered at t0, opened at t0+1h
	rejected := e.complaint()
	opened := e.clock.Now()
	// Complaints opened, not answered: a complaint counts only once upheld (0/3 everywhere).
	e.mfWant("complaints opened", opened, 3, nil)

	e.clock.Advance(time.Hour)
	resolved := e.clock.Now()
	if _, err := e.resolve(e.merchant, upheld, aftersales.Resolution{Outcome: aftersales.ComplaintExchange}); err != nil {
		t.Fatalf("resolve with an exchange: %v", err)
	}
	if _, err := e.resolve(e.merchant, rejected, aftersales.Resolution{Outcome: aftersales.ComplaintRejected, Note: "the price was shown"}); err != nil {
		t.Fatalf("reject: %v", err)
	}
	// The exchange upholds it: dissatisfaction 1/3; it moves no money (refunds 0/3). The rejected one never counts.
	e.mfWant("complaint upheld", resolved, 3, map[string]mfFig{metrics.Dissatisfaction: {1, 3}})
	e.mfWantDrill("complaint upheld", metrics.Dissatisfaction, resolved, map[uuid.UUID][]string{upheld.OrderID: {"UPHELD_COMPLAINT"}})
	e.mfWant("a second before it was upheld", resolved.Add(-time.Second), 3, nil)
}

func TestMetricFixtureRuledForBuyer(t *testing.T) {
	e := newArbEnv(t)
	e.deliveredOrder()
	// A late-delivery refund (a fulfilment reason: never a dissatisfaction) taken to arbitration.
	o, c := e.mfArbitrated(aftersales.LateDelivery)
	escalated := e.clock.Now()
	// Escalated: an intervention (1/2), nothing else yet.
	e.mfWant("escalated", escalated, 2, map[string]mfFig{metrics.Intervention: {1, 2}})

	e.clock.Advance(time.Hour)
	ruled := e.clock.Now()
	if _, err := e.rule(e.admin, c, aftersales.Ruling{ForBuyer: true, Liability: "MERCHANT", Note: "the tracking shows 9 days"}); err != nil {
		t.Fatalf("rule: %v", err)
	}
	// Ruled for the buyer: a dispute (1/2) and a defect (1/2), the intervention stays (1/2); no refund until final.
	rulings := map[string]mfFig{metrics.Intervention: {1, 2}, metrics.Dispute: {1, 2}, metrics.OrderDefect: {1, 2}}
	e.mfWant("ruled for the buyer", ruled, 2, rulings)
	e.mfWantDrill("ruled for the buyer", metrics.Dispute, ruled, map[uuid.UUID][]string{o.ID: {"RULED_FOR_BUYER"}})
	e.mfWantDrill("ruled for the buyer", metrics.OrderDefect, ruled, map[uuid.UUID][]string{o.ID: {"RULED_FOR_BUYER"}})
	e.mfWant("a second before the ruling", ruled.Add(-time.Second), 2, map[string]mfFig{metrics.Intervention: {1, 2}})

	// Final 7 days later, carried out: refunded (1/2), not for a quality reason (quality refund 0/2). Both
	// orders' ship-by has passed by then, both shipped on time: late shipment 0/2.
	c = e.mfFinal(c)
	e.checkRefunded(c, 20000)
	rulings[metrics.Refund], rulings[metrics.LateShipment] = mfFig{1, 2}, mfFig{0, 2}
	e.mfWant("ruling carried out", e.clock.Now(), 2, rulings)
}

func TestMetricFixtureChargeback(t *testing.T) {
	e := newArbEnv(t)
	e.deliveredOrder()
	o, _ := e.deliveredOrder()
	e.clock.Advance(time.Hour)
	at := e.clock.Now()
	cb := e.mfChargeback(o, 5000, "cb-1")
	// A chargeback is an order defect only: 1/2, every other rate 0/2.
	e.mfWant("chargeback", at, 2, map[string]mfFig{metrics.OrderDefect: {1, 2}})
	sigs := e.mfWantDrill("chargeback", metrics.OrderDefect, at, map[uuid.UUID][]string{o.ID: {"CHARGEBACK"}})
	if s := sigs[o.ID]; len(s) != 1 || deref(s[0].Source) != "CHARGEBACK" || deref(s[0].SourceID) != cb.ID {
		t.Errorf("chargeback signal = %+v, want the chargeback %s", s, cb.ID)
	}
	// The same provider reference again is the same chargeback: still one signal, 1/2.
	e.clock.Advance(time.Hour)
	if again := e.mfChargeback(o, 5000, "cb-1"); again.ID != cb.ID {
		t.Errorf("the chargeback reported again is %s, want %s", again.ID, cb.ID)
	}
	e.mfWant("chargeback reported twice", e.clock.Now(), 2, map[string]mfFig{metrics.OrderDefect: {1, 2}})
	e.mfWant("a µs before the chargeback", at.Add(-time.Microsecond), 2, nil)
}

func TestMetricFixtureNonQualityRefund(t *testing.T) {
	e := newArbEnv(t)
	e.deliveredOrder()
	o, line := e.deliveredOrder()
	e.clock.Advance(time.Hour)
	c := e.mfOpen(o, line, aftersales.RefundOnly, aftersales.LateDelivery)
	// A late-delivery case opened: a fulfilment reason, no dissatisfaction (0/2 everywhere).
	e.mfWant("late-delivery case opened", e.clock.Now(), 2, nil)
	e.clock.Advance(time.Hour)
	c = e.mfApprove(c)
	e.checkRefunded(c, 20000)
	// Refunded: the refund rate 1/2, the quality refund rate 0/2.
	e.mfWant("late-delivery refund", e.clock.Now(), 2, map[string]mfFig{metrics.Refund: {1, 2}})
	e.mfWantDrill("late-delivery refund", metrics.Refund, e.clock.Now(), map[uuid.UUID][]string{o.ID: {"REFUND"}})
}

// ---- 2. several signals on one order count it once per metric ----

func TestMetricFixtureSeveralSignalsOnOneOrder(t *testing.T) {
	e := newArbEnv(t)
	e.deliveredOrder()
	c := e.inArbitration() // quality case opened at t0+1h, rejected, escalated at t0+3h
	o := e.mfOrderOf(c)
	opened := c.CreatedAt
	e.clock.Advance(time.Hour)
	rated := e.clock.Now()
	e.mfRate(o, 1)
	e.clock.Advance(time.Hour)
	charged := e.clock.Now()
	e.mfChargeback(o, 5000, "cb-several-1")
	e.mfChargeback(o, 3000, "cb-several-2") // a second chargeback of the same order
	e.clock.Advance(time.Hour)
	ruled := e.clock.Now()
	if _, err := e.rule(e.admin, c, aftersales.Ruling{ForBuyer: true, Liability: "MERCHANT", Note: "dead on arrival"}); err != nil {
		t.Fatalf("rule: %v", err)
	}

	// One order, four facts (two reasons of dissatisfaction, four of defect): each rate counts it once, 1/2.
	all := map[string]mfFig{metrics.Dissatisfaction: {1, 2}, metrics.OrderDefect: {1, 2}, metrics.Dispute: {1, 2}, metrics.Intervention: {1, 2}}
	e.mfWant("four signals on one order", ruled, 2, all)
	sigs := e.mfWantDrill("four signals", metrics.Dissatisfaction, ruled, map[uuid.UUID][]string{o.ID: {"QUALITY_CASE", "NEGATIVE_RATING"}})
	if s := sigs[o.ID]; len(s) == 2 && (!s[0].At.Equal(opened) || !s[1].At.Equal(rated)) {
		t.Errorf("dissatisfaction reasons at %s, %s; want %s, %s", s[0].At, s[1].At, opened, rated)
	}
	sigs = e.mfWantDrill("four signals", metrics.OrderDefect, ruled,
		map[uuid.UUID][]string{o.ID: {"NEGATIVE_RATING", "CHARGEBACK", "CHARGEBACK", "RULED_FOR_BUYER"}})
	if s := sigs[o.ID]; len(s) == 4 && (!s[0].At.Equal(rated) || !s[1].At.Equal(charged) || !s[3].At.Equal(ruled)) {
		t.Errorf("defect reasons at %s, %s, %s; want %s, %s, %s", s[0].At, s[1].At, s[3].At, rated, charged, ruled)
	}

	// Carried out 7 days later: refunded once, for a quality reason (1/2 each); both ship-bys passed, on time.
	c = e.mfFinal(c)
	e.checkRefunded(c, 20000)
	all[metrics.Refund], all[metrics.QualityRefund], all[metrics.LateShipment] = mfFig{1, 2}, mfFig{1, 2}, mfFig{0, 2}
	e.mfWant("four signals, ruling carried out", e.clock.Now(), 2, all)
}

// ---- 3. exclusions ----

func TestMetricFixtureNoReasonReturnNeverCounts(t *testing.T) {
	e := newArbEnv(t)
	o, line := e.deliveredOrder()
	e.clock.Advance(time.Hour)
	c := e.mfOpen(o, line, aftersales.ReturnRefund, aftersales.NoReason)
	e.clock.Advance(time.Hour)
	c = e.mfApprove(c)
	e.clock.Advance(time.Hour)
	c = e.must("ship the return", e.buyer, func(s *tenants.Session, now time.Time) (aftersales.Case, error) {
		return aftersales.ShipReturn(e.ctx, s, aftersales.KeyOf(c), "Black Cat", "BC-55554444", nil, now)
	})
	e.clock.Advance(time.Hour)
	c = e.must("receive the return", e.merchant, func(s *tenants.Session, now time.Time) (aftersales.Case, error) {
		return aftersales.ReceiveReturn(e.ctx, s, e.pay, aftersales.KeyOf(c), nil, "receive:"+uuid.NewString(), nil, now)
	})
	e.checkRefunded(c, 20000)
	// The 7-day no-reason return was refunded in full, yet it is the buyer's right: 0/1 in every rate.
	e.mfWant("no-reason return refunded", e.clock.Now(), 1, nil)
	var n int
	e.sys(func(tx *sqlx.Tx) error {
		return tx.Get(&n, `select count(*) from metric_signals where tenant_id = $1 and source_id = $2`, e.store, c.ID)
	})
	if n != 0 {
		t.Errorf("the no-reason return has %d metric signals, want none", n)
	}
}

func TestMetricFixtureRuledForMerchantLeavesDissatisfaction(t *testing.T) {
	e := newArbEnv(t)
	e.deliveredOrder()
	c := e.inArbitration() // a quality case: dissatisfied from its opening
	escalated := e.clock.Now()
	e.mfWant("quality case escalated", escalated, 2, map[string]mfFig{metrics.Dissatisfaction: {1, 2}, metrics.Intervention: {1, 2}})

	e.clock.Advance(time.Hour)
	ruled := e.clock.Now()
	c, err := e.rule(e.admin, c, aftersales.Ruling{Liability: "BUYER", Note: "no defect visible"})
	if err != nil {
		t.Fatalf("rule: %v", err)
	}
	// Ruled for the merchant: the case leaves the dissatisfaction rate (0/2); the escalation stays (1/2); no
	// dispute, no defect.
	e.mfWant("ruled for the merchant", ruled, 2, map[string]mfFig{metrics.Intervention: {1, 2}})
	e.mfWant("a second before the ruling", ruled.Add(-time.Second), 2,
		map[string]mfFig{metrics.Dissatisfaction: {1, 2}, metrics.Intervention: {1, 2}})

	// Overturned on appeal: the case counts again from the decision (and is carried out: refunded for quality).
	e.clock.Advance(24 * time.Hour)
	if c, err = e.appeal(e.buyer, c, "the video shows it never powered on"); err != nil {
		t.Fatalf("appeal: %v", err)
	}
	e.clock.Advance(time.Hour)
	decided := e.clock.Now()
	if c, err = e.decide(e.admin2, c, false, "the video is conclusive"); err != nil {
		t.Fatalf("decide: %v", err)
	}
	e.checkRefunded(c, 20000)
	e.mfWant("overturned for the buyer", decided, 2, map[string]mfFig{metrics.Dissatisfaction: {1, 2}, metrics.Intervention: {1, 2},
		metrics.Dispute: {1, 2}, metrics.OrderDefect: {1, 2}, metrics.Refund: {1, 2}, metrics.QualityRefund: {1, 2}})
	e.mfWant("a second before the decision", decided.Add(-time.Second), 2, map[string]mfFig{metrics.Intervention: {1, 2}})
}

func TestMetricFixtureAbusiveBuyerLeavesDissatisfaction(t *testing.T) {
	e := newArbEnv(t)
	other := e.mfAnotherBuyer()
	o, line := e.deliveredOrder()
	p, pline := other.deliveredOrder()
	e.clock.Advance(time.Hour)
	e.mfOpen(o, line, aftersales.RefundOnly, aftersales.QualityDefect)
	other.mfOpen(p, pline, aftersales.RefundOnly, aftersales.NotAsDescribed)
	e.clock.Advance(time.Minute)
	e.mfRate(o, 1)
	opened := e.clock.Now()
	// Two buyers' quality cases: 2/2 dissatisfied; the flagged buyer's 1-star rating is also a defect, 1/2.
	both := map[string]mfFig{metrics.Dissatisfaction: {2, 2}, metrics.OrderDefect: {1, 2}}
	e.mfWant("two quality cases", opened, 2, both)

	e.clock.Advance(time.Hour)
	flagged := e.clock.Now()
	e.mfAbuseFlag(e.buyer, true)
	// The first buyer flagged: their order leaves the dissatisfaction numerator (1/2); the denominator keeps
	// every order of the window (2), and the order defect rate is not affected (1/2).
	one := map[string]mfFig{metrics.Dissatisfaction: {1, 2}, metrics.OrderDefect: {1, 2}}
	e.mfWant("buyer flagged", flagged, 2, one)
	e.mfWantDrill("buyer flagged", metrics.Dissatisfaction, flagged, map[uuid.UUID][]string{p.ID: {"QUALITY_CASE"}})
	// As of before the flag, as it stood then: 2/2.
	e.mfWant("a second before the flag", flagged.Add(-time.Second), 2, both)

	e.clock.Advance(time.Hour)
	cleared := e.clock.Now()
	e.mfAbuseFlag(e.buyer, false)
	// Cleared: the order is back (2/2); as of while the flag was set, still 1/2.
	e.mfWant("flag cleared", cleared, 2, both)
	e.mfWantDrill("flag cleared", metrics.Dissatisfaction, cleared,
		map[uuid.UUID][]string{o.ID: {"QUALITY_CASE", "NEGATIVE_RATING"}, p.ID: {"QUALITY_CASE"}})
	e.mfWant("a second before the flag was cleared", cleared.Add(-time.Second), 2, one)
}

// ---- 4. fewer than 30 orders: insufficient data, the counts still shown ----

func TestMetricFixtureInsufficientDataBelow30Orders(t *testing.T) {
	e := newArbEnv(t)
	first := e.mfPaidOrder()
	for range 28 {
		e.mfPaidOrder()
	}
	e.mfChargeback(first, 1000, "cb-first")
	// 29 orders and a chargeback: order defect 1/29, shown, every rate insufficient.
	e.mfWant("29 orders", e.clock.Now(), 29, map[string]mfFig{metrics.OrderDefect: {1, 29}})

	e.clock.Advance(time.Minute)
	thirtieth := e.clock.Now()
	e.mfPaidOrder()
	// The 30th order: 1/30, sufficient (the late shipment rate too: it counts the window's orders, 30, even
	// while its denominator, the orders past ship-by, is 0).
	m := e.mfWant("30 orders", thirtieth, 30, map[string]mfFig{metrics.OrderDefect: {1, 30}})
	if !m.Response.Insufficient || m.Response.Cases != 0 {
		t.Errorf("response with no case = %+v, want insufficient", m.Response)
	}
	e.mfWant("a µs before the 30th order", thirtieth.Add(-time.Microsecond), 29, map[string]mfFig{metrics.OrderDefect: {1, 29}})
}

// ---- window edges in the store's time zone ----

func TestMetricFixtureWindowEdges(t *testing.T) {
	e := newArbEnv(t)
	// Day 0 is the env clock's day in Taipei (its clock is 02:00 UTC, 10:00 in Taipei).
	t0 := e.clock.Now().In(mfTaipei)
	day := func(n int) time.Time { // midnight starting day n, Taipei
		return time.Date(t0.Year(), t0.Month(), t0.Day()+n, 0, 0, 0, 0, mfTaipei)
	}
	end := func(n int) time.Time { return day(n + 1).Add(-time.Microsecond) }
	a, _ := e.deliveredOrder() // paid day 0, 10:00
	e.clock.Advance(time.Hour)
	e.mfRate(a, 1) // rated day 0, 11:00
	e.clock.Set(day(1))
	b, _ := e.deliveredOrder() // paid at the very first instant of day 1
	e.clock.Advance(time.Hour)
	e.mfRate(b, 2) // rated day 1, 01:00

	check := func(what string, asOf time.Time, key string, want mfFig, orders int) {
		t.Helper()
		r := e.mfFigures(asOf).Rates[key]
		if got := (mfFig{r.Numerator, r.Denominator}); got != want || r.Orders != orders {
			t.Errorf("%s (as of %s): %s = %s over %d orders, want %s over %d", what, asOf.In(mfTaipei).Format(time.RFC3339Nano),
				key, got, r.Orders, want, orders)
		}
	}
	// 30 days as of the end of day 29: days 0..29, both orders (2/2, both shipped on time: late 0/2).
	check("30 d, end of day 29", end(29), metrics.Dissatisfaction, mfFig{2, 2}, 2)
	check("30 d, end of day 29", end(29), metrics.LateShipment, mfFig{0, 2}, 2)
	// From the first instant of day 30 the window is days 1..30: a out, b (paid exactly at its start) in.
	check("30 d, start of day 30", day(30), metrics.Dissatisfaction, mfFig{1, 1}, 1)
	check("30 d, end of day 30", end(30), metrics.Dissatisfaction, mfFig{1, 1}, 1)
	check("30 d, start of day 31", day(31), metrics.Dissatisfaction, mfFig{0, 0}, 0)
	check("30 d, start of day 31", day(31), metrics.LateShipment, mfFig{0, 0}, 0)
	// 60 days for the order defect rate.
	check("60 d, start of day 31", day(31), metrics.OrderDefect, mfFig{2, 2}, 2)
	check("60 d, end of day 59", end(59), metrics.OrderDefect, mfFig{2, 2}, 2)
	check("60 d, start of day 60", day(60), metrics.OrderDefect, mfFig{1, 1}, 1)
	check("60 d, start of day 61", day(61), metrics.OrderDefect, mfFig{0, 0}, 0)
	// 180 days of ratings, by the day each was given: (1+2)/2 = 1.5, then b's 2 stars alone, then none.
	for _, c := range []struct {
		asOf    time.Time
		count   int
		overall float64
	}{{end(179), 2, 1.5}, {day(180), 1, 2}, {end(180), 1, 2}, {day(181), 0, 0}} {
		if rt := e.mfFigures(c.asOf).Ratings; rt.Count != c.count || rt.Overall != c.overall || rt.Negative != c.count {
			t.Errorf("ratings as of %s = %d (%d negative), overall %v; want %d, %v", c.asOf.In(mfTaipei).Format(time.RFC3339Nano),
				rt.Count, rt.Negative, rt.Overall, c.count, c.overall)
		}
	}
	// Before b was paid (a µs before day 1) only a is in any window.
	check("before b was paid", day(1).Add(-time.Microsecond), metrics.Dissatisfaction, mfFig{1, 1}, 1)
}

// ---- 5. late shipment ----

func TestMetricFixtureLateShipment(t *testing.T) {
	e := newArbEnv(t)
	t0 := e.clock.Now()
	h := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Hour) }
	at := func(n int) { e.clock.Set(h(n)) }
	// Hour 0: five orders paid, ship-by at hour 48.
	a, b, c, x, f := e.mfPaidOrder(), e.mfPaidOrder(), e.mfPaidOrder(), e.mfPaidOrder(), e.mfPaidOrder()
	at(1)
	e.mfShip(b)   // on time
	e.mfCancel(x) // cancelled by the store before its ship-by
	at(50)
	if a = e.mfShip(a); !a.ShippedLate(h(50)) {
		t.Fatalf("order shipped 2 h after ship-by is not late")
	}
	d := e.mfPaidOrder() // paid at hour 50, ship-by at hour 98
	at(70)
	e.mfCancel(f) // cancelled by the store 22 h after its ship-by, never shipped
	at(100)
	e.mfShip(d) // 2 h after its ship-by
	// c is never shipped.

	late := func(num, den int) map[string]mfFig { return map[string]mfFig{metrics.LateShipment: {num, den}} }
	with := func(m map[string]mfFig, cancelled, orders int) map[string]mfFig {
		m[metrics.Cancellation] = mfFig{cancelled, orders}
		return m
	}
	// Hour 47: 5 orders (d not yet paid), no ship-by passed: late 0/0; x cancelled by the store: 1/5.
	e.mfWant("hour 47", h(47), 5, with(late(0, 0), 1, 5))
	// Hour 60: 6 orders. Past ship-by: a, b, c, f (x left out: cancelled before its ship-by; d's is at 98).
	// Late: a (shipped at 50 > 48), c and f (unshipped) = 3/4.
	e.mfWant("hour 60", h(60), 6, with(late(3, 4), 1, 6))
	// Hour 69, a moment before f's late cancellation (read afterwards): f counts as it stood, unshipped past
	// ship-by: 3/4; one cancellation.
	e.mfWant("hour 69", h(69), 6, with(late(3, 4), 1, 6))
	e.mfWantDrill("hour 69", metrics.LateShipment, h(69),
		map[uuid.UUID][]string{a.ID: {"SHIPPED_LATE"}, c.ID: {"NOT_SHIPPED"}, f.ID: {"NOT_SHIPPED"}})
	// Hour 80, after it: f was late from its ship-by on and stays late (3/4); now two cancellations (2/6).
	e.mfWant("hour 80", h(80), 6, with(late(3, 4), 2, 6))
	// Hour 99: d's ship-by (98) has passed and it ships only at 100: unshipped then, late: 4/5.
	e.mfWant("hour 99", h(99), 6, with(late(4, 5), 2, 6))
	sigs := e.mfWantDrill("hour 99", metrics.LateShipment, h(99),
		map[uuid.UUID][]string{a.ID: {"SHIPPED_LATE"}, c.ID: {"NOT_SHIPPED"}, d.ID: {"NOT_SHIPPED"}, f.ID: {"NOT_SHIPPED"}})
	if s := sigs[d.ID]; len(s) != 1 || !s[0].At.Equal(h(98)) {
		t.Errorf("d as of hour 99: %+v, want NOT_SHIPPED at its ship-by %s", s, h(98))
	}
	// Hour 100: d shipped late, 4/5.
	e.mfWant("hour 100", h(100), 6, with(late(4, 5), 2, 6))
	sigs = e.mfWantDrill("hour 100", metrics.LateShipment, h(100),
		map[uuid.UUID][]string{a.ID: {"SHIPPED_LATE"}, c.ID: {"NOT_SHIPPED"}, d.ID: {"SHIPPED_LATE"}, f.ID: {"NOT_SHIPPED"}})
	if s := sigs[d.ID]; len(s) != 1 || !s[0].At.Equal(h(100)) {
		t.Errorf("d as of hour 100: %+v, want SHIPPED_LATE at %s", s, h(100))
	}
	if s := sigs[a.ID]; len(s) != 1 || !s[0].At.Equal(h(50)) {
		t.Errorf("a: %+v, want SHIPPED_LATE at %s", s, h(50))
	}
	if s := sigs[c.ID]; len(s) != 1 || !s[0].At.Equal(h(48)) {
		t.Errorf("c: %+v, want NOT_SHIPPED at its ship-by %s", s, h(48))
	}
}

// At the ship-by instant itself an order can still ship on time (late is shipped after ship-by, as
// orders.Order.ShippedLate says), so as of that instant it is not yet in the late shipment rate: the figure
// as of ship-by is the same before and after an on-time shipment at that very instant.
func TestMetricFixtureLateShipmentAtShipBy(t *testing.T) {
	e := newArbEnv(t)
	g, k := e.mfPaidOrder(), e.mfPaidOrder()
	shipBy := *g.ShipBy
	e.clock.Set(shipBy)
	// As of ship-by, before anything ships: neither has passed its ship-by, 0/0.
	e.mfWant("at ship-by, nothing shipped", shipBy, 2, nil)
	if g = e.mfShip(g); g.ShippedLate(shipBy) {
		t.Fatalf("shipped at exactly ship-by counts as late")
	}
	// g shipped at its ship-by, on time: as of ship-by still 0/0 (the same instant reads the same).
	e.mfWant("at ship-by, g shipped then", shipBy, 2, nil)
	// A µs later both have passed it: g on time, k unshipped and late, 1/2.
	e.mfWant("a µs after ship-by", shipBy.Add(time.Microsecond), 2, map[string]mfFig{metrics.LateShipment: {1, 2}})
	e.mfWantDrill("a µs after ship-by", metrics.LateShipment, shipBy.Add(time.Microsecond), map[uuid.UUID][]string{k.ID: {"NOT_SHIPPED"}})
}

// ---- 6. response time ----

func TestMetricFixtureResponseTime(t *testing.T) {
	e := newArbEnv(t)
	type delivered struct {
		o    orders.Order
		line orders.Item
	}
	var ds []delivered
	for range 4 {
		o, line := e.deliveredOrder()
		ds = append(ds, delivered{o, line})
	}
	e.clock.Advance(time.Hour)
	opened := e.clock.Now()
	var cs []aftersales.Case
	for _, d := range ds {
		cs = append(cs, e.mfOpen(d.o, d.line, aftersales.RefundOnly, aftersales.QualityDefect))
	}
	post := func(p tenants.Principal, c aftersales.Case, body string) {
		t.Helper()
		if err := e.as(p, func(s *tenants.Session) error {
			_, err := aftersales.PostMessage(e.ctx, s, aftersales.KeyOf(c), body, e.clock.Now())
			return err
		}); err != nil {
			t.Fatalf("post: %v", err)
		}
	}
	// Case 0 answered by a rejection after 2 h; case 1 by a message after 6 h 30 min; case 2 by an approval
	// after 10 h; case 3 only hears from its buyer (a buyer's message is no answer).
	e.clock.Set(opened.Add(2 * time.Hour))
	e.must("reject", e.merchant, func(s *tenants.Session, now time.Time) (aftersales.Case, error) {
		return aftersales.Reject(e.ctx, s, aftersales.KeyOf(cs[0]), "works in our tests", nil, now)
	})
	e.clock.Set(opened.Add(6*time.Hour + 30*time.Minute))
	post(e.agent, cs[1], "could you send a photo of the label?")
	post(e.buyer, cs[3], "hello?")
	e.clock.Set(opened.Add(10 * time.Hour))
	e.mfApprove(cs[2])

	for _, c := range []struct {
		what             string
		asOf             time.Time
		cases, answered  int
		median           float64
		wantInsufficient bool
	}{
		// Before any answer: 4 cases, none answered, median 0 (insufficient: nothing answered).
		{"before any answer", opened.Add(time.Hour), 4, 0, 0, true},
		// Two answered by hour 9: the median of 2 and 6.5 is their mean, 4.25.
		{"9 h after opening", opened.Add(9 * time.Hour), 4, 2, 4.25, true},
		// Three answered: median of 2, 6.5, 10 is 6.5 (still insufficient: 4 orders < 30).
		{"10 h after opening", opened.Add(10 * time.Hour), 4, 3, 6.5, true},
		// A µs before the cases were opened: none in the window.
		{"before the cases", opened.Add(-time.Microsecond), 0, 0, 0, true},
	} {
		r := e.mfFigures(c.asOf).Response
		if r.Cases != c.cases || r.Answered != c.answered || r.MedianHours != c.median || r.Insufficient != c.wantInsufficient {
			t.Errorf("%s: response = %d cases, %d answered, median %v h, insufficient %v; want %d, %d, %v h, %v",
				c.what, r.Cases, r.Answered, r.MedianHours, r.Insufficient, c.cases, c.answered, c.median, c.wantInsufficient)
		}
	}
	if got := deref(e.read(cs[1]).FirstResponseAt); !got.Equal(opened.Add(6*time.Hour + 30*time.Minute)) {
		t.Errorf("case 1 first response at %s, want the agent's message", got)
	}
	if got := e.read(cs[3]).FirstResponseAt; got != nil {
		t.Errorf("case 3 first response at %s, want none (only the buyer wrote)", got)
	}
}
