package orders_test

// The order lifecycle against real PostgreSQL (row-level security on, the app role), with a clock the tests
// move by hand: every deadline exactly at its edge, the scheduler acting once however often or by however
// many runners it is run, retries, idempotent payments, optimistic concurrency, the database's own guard on
// refunds, and the event log.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"tradeguard/demo"
	"tradeguard/internal/clock"
	"tradeguard/internal/testdb"
	"tradeguard/orders"
	"tradeguard/payments"
	"tradeguard/scheduler"
	"tradeguard/tenants"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// demoNow anchors the demo data; each test's clock starts a month after the previous test's, so no test
// runs "before" deadlines another test left behind.
var (
	demoNow = time.Date(2026, 6, 15, 2, 0, 0, 0, time.UTC)
	epochs  atomic.Int64
)

type env struct {
	t        *testing.T
	ctx      context.Context
	owner    *sqlx.DB
	app      *sqlx.DB
	clock    *clock.Fake
	store    uuid.UUID
	products []uuid.UUID
	buyer    tenants.Principal
	buyer2   tenants.Principal
	merchant tenants.Principal
	admin    tenants.Principal
}

// newEnv migrates the package's database, loads the demo data (once), and makes a fresh store with its owner
// and four products, so the test's orders are its own.
func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	owner, app := testdb.Migrated(t)
	if _, err := demo.Load(ctx, app, demoNow); err != nil {
		t.Fatalf("demo data: %v", err)
	}
	e := &env{t: t, ctx: ctx, owner: owner, app: app,
		clock: clock.NewFake(demoNow.Add(time.Duration(epochs.Add(1)) * 30 * 24 * time.Hour)), store: uuid.New()}
	ownerID := uuid.New()
	slug := "t-" + e.store.String()[:8]
	e.sys(func(tx *sqlx.Tx) error {
		if _, err := tx.Exec(`insert into stores (id, slug, name, category, currency, time_zone, created_at)
			values ($1, $2, $3, 'electronics', 'TWD', 'Asia/Taipei', $4)`, e.store, slug, "Test "+slug, demoNow); err != nil {
			return err
		}
		if _, err := tx.Exec(`insert into users (id, email, password_hash, display_name, role, created_at, staff_store_id)
			values ($1, $2, 'x', 'Owner', 'MERCHANT', $3, $4)`, ownerID, "owner@"+slug+".test", demoNow, e.store); err != nil {
			return err
		}
		if _, err := tx.Exec(`insert into store_staff (tenant_id, user_id, staff_role) values ($1, $2, 'OWNER')`, e.store, ownerID); err != nil {
			return err
		}
		for i := range 4 {
			id := uuid.New()
			if _, err := tx.Exec(`insert into products (tenant_id, id, sku, title, category, price_minor, currency, warranty_days)
				values ($1, $2, $3, $4, 'electronics', $5, 'TWD', 365)`, e.store, id, fmt.Sprint("T-", i), fmt.Sprint("Product ", i),
				int64(i+1)*10000); err != nil {
				return err
			}
			e.products = append(e.products, id)
		}
		user := func(email string) uuid.UUID {
			var id uuid.UUID
			if err := tx.Get(&id, `select id from users where email = $1`, email); err != nil {
				t.Fatalf("user %s: %v", email, err)
			}
			return id
		}
		e.buyer = tenants.Principal{Role: tenants.RoleBuyer, UserID: user("buyer3@tradeguard.test")}
		e.buyer2 = tenants.Principal{Role: tenants.RoleBuyer, UserID: user("buyer4@tradeguard.test")}
		e.admin = tenants.Principal{Role: tenants.RoleAdmin, UserID: user("admin@tradeguard.test")}
		return nil
	})
	e.merchant = tenants.Principal{Role: tenants.RoleMerchant, UserID: ownerID, StoreID: e.store, StaffRole: tenants.StaffOwner}
	return e
}

// sys runs fn as the system through the app role (row-level security on) and commits.
func (e *env) sys(fn func(tx *sqlx.Tx) error) {
	e.t.Helper()
	if err := tenants.Run(e.ctx, e.app, tenants.System, fn); err != nil {
		e.t.Fatalf("as system: %v", err)
	}
}

// as runs fn in a session of p that commits if fn succeeds.
func (e *env) as(p tenants.Principal, fn func(s *tenants.Session) error) error {
	return tenants.Run(e.ctx, e.app, p, func(tx *sqlx.Tx) error { return fn(tenants.Attach(tx, p)) })
}

func key(o orders.Order) orders.Key { return orders.Key{StoreID: o.StoreID, ID: o.ID} }

func (e *env) createInput() orders.CreateInput {
	return orders.CreateInput{StoreID: e.store, PaymentMethod: "CARD", ShipName: "Lin Mei", ShipPhone: "+886 912 345 678",
		ShipAddress: "No. 1, Section 1, Zhongshan Rd, Taipei",
		Lines: []orders.LineInput{{ProductID: e.products[0], Quantity: 2,
			Gifts: []orders.GiftInput{{ProductID: e.products[1], Quantity: 1}}}}}
}

// create places an order as the buyer at the clock's now.
func (e *env) create(buyer tenants.Principal) orders.Order {
	e.t.Helper()
	var o orders.Order
	err := e.as(buyer, func(s *tenants.Session) (err error) {
		o, err = orders.Create(e.ctx, s, e.createInput(), e.clock.Now())
		return err
	})
	if err != nil {
		e.t.Fatalf("create: %v", err)
	}
	return o
}

func (e *env) pay(o orders.Order) orders.Order {
	e.t.Helper()
	err := e.as(e.buyer, func(s *tenants.Session) (err error) {
		o, err = orders.Pay(e.ctx, s, payments.Recorder{}, key(o), "pay-"+o.ID.String(), e.clock.Now())
		return err
	})
	if err != nil {
		e.t.Fatalf("pay: %v", err)
	}
	return o
}

func (e *env) ship(o orders.Order) orders.Order {
	e.t.Helper()
	err := e.as(e.merchant, func(s *tenants.Session) (err error) {
		o, err = orders.Ship(e.ctx, s, key(o), "Black Cat", "BC-12345678", nil, e.clock.Now())
		return err
	})
	if err != nil {
		e.t.Fatalf("ship: %v", err)
	}
	return o
}

func (e *env) deliver(o orders.Order) orders.Order {
	e.t.Helper()
	err := e.as(e.merchant, func(s *tenants.Session) (err error) {
		o, err = orders.MarkDelivered(e.ctx, s, key(o), nil, e.clock.Now())
		return err
	})
	if err != nil {
		e.t.Fatalf("deliver: %v", err)
	}
	return o
}

// read re-reads the order as the system.
func (e *env) read(o orders.Order) orders.Order {
	e.t.Helper()
	var got []orders.Order
	e.sys(func(tx *sqlx.Tx) (err error) {
		got, err = orders.ByKeys(e.ctx, tenants.Attach(tx, tenants.System), []orders.Key{key(o)})
		return err
	})
	if len(got) != 1 {
		e.t.Fatalf("order %s: %d rows", o.Number, len(got))
	}
	return got[0]
}

func (e *env) events(o orders.Order) []orders.Event {
	e.t.Helper()
	var got map[orders.Key][]orders.Event
	e.sys(func(tx *sqlx.Tx) (err error) {
		got, err = orders.EventsByOrders(e.ctx, tenants.Attach(tx, tenants.System), []orders.Key{key(o)})
		return err
	})
	return got[key(o)]
}

// countEvents counts the order's events with the action.
func (e *env) countEvents(o orders.Order, action string) int {
	n := 0
	for _, ev := range e.events(o) {
		if ev.Action == action {
			n++
		}
	}
	return n
}

// deadline is the subject's deadline of the kind, whatever its status; ok is false if there is none.
func (e *env) deadline(kind string, subject uuid.UUID) (d scheduler.Deadline, ok bool) {
	e.t.Helper()
	var ds []scheduler.Deadline
	e.sys(func(tx *sqlx.Tx) error {
		return tx.Select(&ds, `select id, tenant_id, buyer_id, user_id, kind, subject_id, due_at, status, attempts, last_error
			from deadlines where kind = $1 and subject_id = $2`, kind, subject)
	})
	if len(ds) == 0 {
		return d, false
	}
	return ds[0], true
}

func (e *env) mustDeadline(kind string, subject uuid.UUID) scheduler.Deadline {
	e.t.Helper()
	d, ok := e.deadline(kind, subject)
	if !ok {
		e.t.Fatalf("no %s deadline for %s", kind, subject)
	}
	return d
}

type payment struct {
	Kind, Status, Method string
	Amount               int64   `db:"amount_minor"`
	Key                  *string `db:"idempotency_key"`
	Failure              *string `db:"failure_reason"`
	Ref                  *string `db:"provider_ref"`
}

func (e *env) payments(o orders.Order) []payment {
	e.t.Helper()
	var ps []payment
	e.sys(func(tx *sqlx.Tx) error {
		return tx.Select(&ps, `select kind, status, method, amount_minor, idempotency_key, failure_reason, provider_ref
			from payment_transactions where tenant_id = $1 and order_id = $2 order by created_at, kind`, o.StoreID, o.ID)
	})
	return ps
}

func countPayments(ps []payment, kind, status string) int {
	n := 0
	for _, p := range ps {
		if p.Kind == kind && p.Status == status {
			n++
		}
	}
	return n
}

// checkMerchantCancellation compares the database's own verdict (the generated column
// counts_as_merchant_cancellation) with want.
func (e *env) checkMerchantCancellation(o orders.Order, want bool) {
	e.t.Helper()
	var v bool
	err := tenants.Run(e.ctx, e.app, tenants.System, func(tx *sqlx.Tx) error {
		return tx.Get(&v, `select counts_as_merchant_cancellation from orders where tenant_id = $1 and id = $2`, o.StoreID, o.ID)
	})
	switch {
	case err != nil:
		e.t.Errorf("order %s (cancel kind %s): counts_as_merchant_cancellation: %v", o.Number, deref(o.CancelKind), err)
	case v != want:
		e.t.Errorf("order %s (cancel kind %s): counts_as_merchant_cancellation = %v, want %v", o.Number, deref(o.CancelKind), v, want)
	}
}

// with is the env for a subtest (its helpers fail the subtest).
func (e *env) with(t *testing.T) *env {
	c := *e
	c.t = t
	return &c
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// runner is a scheduler with the orders' handlers over the adapter, and any extra handlers.
func (e *env) runner(pay payments.Adapter, extra map[string]scheduler.Handler) *scheduler.Runner {
	hs := orders.Handlers(pay)
	maps.Copy(hs, extra)
	return &scheduler.Runner{DB: e.app, Now: e.clock.Now, Handlers: hs, Log: quiet}
}

func (e *env) runDue(r *scheduler.Runner) scheduler.Stats {
	e.t.Helper()
	st, err := r.RunDue(e.ctx)
	if err != nil {
		e.t.Fatalf("RunDue at %s: %v", e.clock.Now(), err)
	}
	return st
}

func code(err error) string {
	var re *tenants.RuleError
	if errors.As(err, &re) {
		return re.Code
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

// ---------------------------------------------------------------- deadlines at their edges

func TestUnpaidOrderIsCancelledAfter30Minutes(t *testing.T) {
	e := newEnv(t)
	r := e.runner(payments.Recorder{}, nil)
	t0 := e.clock.Now()
	o := e.create(e.buyer)
	d := e.mustDeadline(orders.KindPaymentTimeout, o.ID)
	if d.Status != "PENDING" || !d.DueAt.Equal(t0.Add(30*time.Minute)) || *d.TenantID != e.store || *d.BuyerID != e.buyer.UserID {
		t.Fatalf("payment deadline: %+v", d)
	}

	e.clock.Set(t0.Add(30*time.Minute - time.Second))
	e.runDue(r)
	if got := e.read(o); got.Status != orders.PendingPayment || got.Version != o.Version || e.countEvents(o, "CANCEL") != 0 {
		t.Fatalf("1s before the window closes: %s v%d, %d cancel events", got.Status, got.Version, e.countEvents(o, "CANCEL"))
	}
	if d := e.mustDeadline(orders.KindPaymentTimeout, o.ID); d.Status != "PENDING" || d.Attempts != 0 {
		t.Fatalf("deadline 1s before: %+v", d)
	}

	e.clock.Set(t0.Add(30 * time.Minute))
	e.runDue(r)
	got := e.read(o)
	if got.Status != orders.Cancelled || deref(got.CancelKind) != "PAYMENT_TIMEOUT" || deref(got.CancelledBy) != "SYSTEM" ||
		got.CancelledAt == nil || !got.CancelledAt.Equal(t0.Add(30*time.Minute)) || got.RefundedMinor != 0 {
		t.Fatalf("at the edge: %+v", got)
	}
	if d := e.mustDeadline(orders.KindPaymentTimeout, o.ID); d.Status != "DONE" || d.Attempts != 1 {
		t.Fatalf("deadline after acting: %+v", d)
	}
	if len(e.payments(o)) != 0 {
		t.Fatalf("an unpaid order moved money: %+v", e.payments(o))
	}
	e.checkMerchantCancellation(got, false) // a payment timeout does not count against the merchant

	// Run again, and even make the deadline due again: the handler sees the order is already cancelled.
	e.runDue(r)
	e.sys(func(tx *sqlx.Tx) error {
		return scheduler.Schedule(e.ctx, tenants.Attach(tx, tenants.System), scheduler.Deadline{TenantID: &o.StoreID,
			BuyerID: &o.BuyerID, Kind: orders.KindPaymentTimeout, SubjectID: o.ID, DueAt: t0.Add(30 * time.Minute)}, e.clock.Now())
	})
	e.runDue(r)
	cancels := 0
	for _, ev := range e.events(o) {
		if ev.Action == "CANCEL" {
			cancels++
			if ev.Actor != "SYSTEM" || ev.ActorID != nil || deref(ev.FromStatus) != "PENDING_PAYMENT" ||
				deref(ev.ToStatus) != "CANCELLED" || !ev.At.Equal(t0.Add(30*time.Minute)) || ev.Reason == nil {
				t.Fatalf("cancel event: %+v", ev)
			}
		}
	}
	if cancels != 1 {
		t.Fatalf("%d CANCEL events after running three times, want 1", cancels)
	}
	if again := e.read(o); again.Version != got.Version {
		t.Fatalf("a repeated run changed the order: v%d → v%d", got.Version, again.Version)
	}
}

func TestOrderPaidInTimeIsNotCancelled(t *testing.T) {
	e := newEnv(t)
	r := e.runner(payments.Recorder{}, nil)
	t0 := e.clock.Now()
	o := e.create(e.buyer)
	e.clock.Set(t0.Add(30*time.Minute - time.Second)) // the last second of the window
	o = e.pay(o)
	if o.Status != orders.Paid || !o.PaidAt.Equal(e.clock.Now()) || !o.ShipBy.Equal(e.clock.Now().Add(48*time.Hour)) {
		t.Fatalf("paid: %+v", o)
	}
	if d := e.mustDeadline(orders.KindPaymentTimeout, o.ID); d.Status != "CANCELLED" {
		t.Fatalf("payment deadline after paying: %+v", d)
	}
	for _, at := range []time.Duration{30 * time.Minute, 31 * time.Minute, 47 * time.Hour} {
		e.clock.Set(t0.Add(at))
		e.runDue(r)
		if got := e.read(o); got.Status != orders.Paid || got.Version != o.Version {
			t.Fatalf("at created+%v the paid order is %s v%d", at, got.Status, got.Version)
		}
	}
	if n := e.countEvents(o, "CANCEL"); n != 0 {
		t.Fatalf("%d cancel events", n)
	}
}

func TestUnshippedOrderIsCancelledAndRefundedAtShipByPlus72h(t *testing.T) {
	e := newEnv(t)
	r := e.runner(payments.Recorder{}, nil)
	o := e.pay(e.create(e.buyer))
	edge := o.ShipBy.Add(72 * time.Hour)
	if d := e.mustDeadline(orders.KindShipTimeout, o.ID); d.Status != "PENDING" || !d.DueAt.Equal(edge) {
		t.Fatalf("ship deadline: %+v, want due %s", d, edge)
	}
	// Past ship-by the order is late, but nothing acts until ship-by + 72 h.
	e.clock.Set(o.ShipBy.Add(time.Second))
	e.runDue(r)
	if got := e.read(o); got.Status != orders.Paid || !got.ShippedLate(e.clock.Now()) {
		t.Fatalf("1s after ship-by: %s, late %v", got.Status, got.ShippedLate(e.clock.Now()))
	}

	e.clock.Set(edge.Add(-time.Second))
	e.runDue(r)
	if got := e.read(o); got.Status != orders.Paid || got.Version != o.Version || len(e.payments(o)) != 1 {
		t.Fatalf("1s before the edge: %s v%d, payments %+v", got.Status, got.Version, e.payments(o))
	}

	e.clock.Set(edge)
	e.runDue(r)
	got := e.read(o)
	if got.Status != orders.Cancelled || deref(got.CancelKind) != "NOT_SHIPPED" || deref(got.CancelledBy) != "SYSTEM" ||
		!got.CancelledAt.Equal(edge) {
		t.Fatalf("at the edge: %+v", got)
	}
	if got.PaidMinor != o.TotalMinor || got.RefundedMinor != got.PaidMinor || got.Refundable().Minor != 0 {
		t.Fatalf("refund: paid %d refunded %d", got.PaidMinor, got.RefundedMinor)
	}
	ps := e.payments(o)
	if countPayments(ps, "CHARGE", "SUCCEEDED") != 1 || countPayments(ps, "REFUND", "SUCCEEDED") != 1 || len(ps) != 2 {
		t.Fatalf("payment transactions: %+v", ps)
	}
	for _, p := range ps {
		if p.Kind == "REFUND" && (p.Amount != got.PaidMinor || p.Method != "CARD" || p.Ref == nil) {
			t.Fatalf("refund row: %+v", p)
		}
	}
	e.checkMerchantCancellation(got, true) // not shipping counts against the merchant
	if d := e.mustDeadline(orders.KindShipTimeout, o.ID); d.Status != "DONE" || d.Attempts != 1 {
		t.Fatalf("ship deadline after acting: %+v", d)
	}

	e.runDue(r)
	e.clock.Set(edge.Add(time.Hour))
	e.runDue(r)
	if n := e.countEvents(o, "CANCEL"); n != 1 {
		t.Fatalf("%d CANCEL events, want 1", n)
	}
	if ps := e.payments(o); len(ps) != 2 {
		t.Fatalf("a repeated run moved money again: %+v", ps)
	}
	evs := e.events(o)
	last := evs[len(evs)-1]
	if last.Action != "CANCEL" || last.Actor != "SYSTEM" || *last.FromStatus != orders.Paid || *last.ToStatus != orders.Cancelled {
		t.Fatalf("last event: %+v", last)
	}
}

func TestDeliveredOrderCompletesAfter10Days(t *testing.T) {
	e := newEnv(t)
	r := e.runner(payments.Recorder{}, nil)
	o := e.ship(e.pay(e.create(e.buyer)))
	if d := e.mustDeadline(orders.KindShipTimeout, o.ID); d.Status != "CANCELLED" {
		t.Fatalf("ship deadline after shipping: %+v", d)
	}
	e.clock.Advance(26 * time.Hour)
	o = e.deliver(o)
	edge := o.DeliveredAt.Add(10 * 24 * time.Hour)
	if d := e.mustDeadline(orders.KindAutoComplete, o.ID); d.Status != "PENDING" || !d.DueAt.Equal(edge) {
		t.Fatalf("auto-complete deadline: %+v, want due %s", d, edge)
	}

	e.clock.Set(edge.Add(-time.Second))
	e.runDue(r)
	if got := e.read(o); got.Status != orders.Delivered || got.Version != o.Version {
		t.Fatalf("1s before: %s v%d", got.Status, got.Version)
	}

	e.clock.Set(edge)
	e.runDue(r)
	got := e.read(o)
	if got.Status != orders.Completed || got.CompletedAt == nil || !got.CompletedAt.Equal(edge) || got.Version != o.Version+1 {
		t.Fatalf("at the edge: %+v", got)
	}
	e.runDue(r)
	var completes []orders.Event
	for _, ev := range e.events(o) {
		if ev.Action == "COMPLETE" {
			completes = append(completes, ev)
		}
	}
	if len(completes) != 1 {
		t.Fatalf("%d COMPLETE events, want 1", len(completes))
	}
	if ev := completes[0]; ev.Actor != "SYSTEM" || *ev.FromStatus != orders.Delivered || *ev.ToStatus != orders.Completed || !ev.At.Equal(edge) {
		t.Fatalf("COMPLETE event: %+v", ev)
	}
	if d := e.mustDeadline(orders.KindAutoComplete, o.ID); d.Status != "DONE" || d.Attempts != 1 {
		t.Fatalf("auto-complete deadline after acting: %+v", d)
	}
	if d := e.mustDeadline(orders.KindRetention, o.ID); d.Status != "PENDING" || !d.DueAt.Equal(edge.AddDate(3, 0, 0)) {
		t.Fatalf("retention deadline: %+v", d)
	}
	if again := e.read(o); again.Version != got.Version {
		t.Fatal("a repeated run changed the order")
	}
}

func TestConfirmedReceiptCancelsAutoComplete(t *testing.T) {
	e := newEnv(t)
	r := e.runner(payments.Recorder{}, nil)
	o := e.deliver(e.ship(e.pay(e.create(e.buyer))))
	e.clock.Advance(time.Hour)
	err := e.as(e.buyer, func(s *tenants.Session) (err error) {
		o, err = orders.ConfirmReceipt(e.ctx, s, key(o), &o.Version, e.clock.Now())
		return err
	})
	if err != nil || o.Status != orders.Completed {
		t.Fatalf("confirm: %v %+v", err, o)
	}
	if d := e.mustDeadline(orders.KindAutoComplete, o.ID); d.Status != "CANCELLED" {
		t.Fatalf("auto-complete after confirming: %+v", d)
	}
	e.clock.Advance(11 * 24 * time.Hour)
	e.runDue(r)
	if n := e.countEvents(o, "COMPLETE"); n != 0 || e.read(o).Version != o.Version {
		t.Fatalf("the system completed a confirmed order (%d events)", n)
	}
}

// ---------------------------------------------------------------- the scheduler: once, retries, failures

func TestTwoRunnersActOncePerDeadline(t *testing.T) {
	e := newEnv(t)
	t0 := e.clock.Now()
	var due []orders.Order
	for i := range 24 {
		b := e.buyer
		if i%2 == 1 {
			b = e.buyer2
		}
		due = append(due, e.create(b))
	}
	e.clock.Set(t0.Add(30 * time.Minute))
	runners := []*scheduler.Runner{e.runner(payments.Recorder{}, nil), e.runner(payments.Recorder{}, nil)}
	for round := range 3 { // the later rounds find nothing left to do
		start := make(chan struct{})
		var wg sync.WaitGroup
		errs := make([]error, len(runners))
		for i, r := range runners {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, errs[i] = r.RunDue(e.ctx)
			}()
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("round %d runner %d: %v", round, i, err)
			}
		}
	}
	for _, o := range due {
		if n := e.countEvents(o, "CANCEL"); n != 1 {
			t.Errorf("order %s: %d CANCEL events, want 1", o.Number, n)
		}
		if got := e.read(o); got.Status != orders.Cancelled || got.Version != o.Version+1 {
			t.Errorf("order %s: %s v%d, want CANCELLED v%d", o.Number, got.Status, got.Version, o.Version+1)
		}
		if d := e.mustDeadline(orders.KindPaymentTimeout, o.ID); d.Status != "DONE" || d.Attempts != 1 {
			t.Errorf("order %s deadline: %+v, want DONE after 1 attempt", o.Number, d)
		}
	}
}

func (e *env) schedule(kind string, subject uuid.UUID, due time.Time) {
	e.t.Helper()
	e.sys(func(tx *sqlx.Tx) error {
		return scheduler.Schedule(e.ctx, tenants.Attach(tx, tenants.System), scheduler.Deadline{TenantID: &e.store, Kind: kind,
			SubjectID: subject, DueAt: due}, e.clock.Now())
	})
}

func TestFailingHandlerIsRetriedWithBackoffThenFailed(t *testing.T) {
	e := newEnv(t)
	t0 := e.clock.Now()
	flaky, side, fine, perm := uuid.New(), uuid.New(), uuid.New(), uuid.New()
	var calls, fineCalls, permCalls atomic.Int32
	r := e.runner(payments.Recorder{}, map[string]scheduler.Handler{
		"test.flaky": func(ctx context.Context, s *tenants.Session, d scheduler.Deadline, now time.Time) error {
			n := calls.Add(1)
			// Work done before the error must be undone with it.
			if err := scheduler.Schedule(ctx, s, scheduler.Deadline{TenantID: d.TenantID, Kind: "test.side_effect",
				SubjectID: side, DueAt: now.Add(time.Hour)}, now); err != nil {
				return err
			}
			return fmt.Errorf("provider down (call %d)", n)
		},
		"test.fine": func(ctx context.Context, s *tenants.Session, d scheduler.Deadline, now time.Time) error {
			fineCalls.Add(1)
			return nil
		},
		"test.broken": func(ctx context.Context, s *tenants.Session, d scheduler.Deadline, now time.Time) error {
			permCalls.Add(1)
			return scheduler.Permanent{Err: errors.New("cannot ever work")}
		},
	})
	e.schedule("test.flaky", flaky, t0)
	e.schedule("test.fine", fine, t0)
	e.schedule("test.broken", perm, t0)

	// Attempt n fails and is retried backoff(n) later: 1, 4, 16, 64 minutes; attempt 5 marks it FAILED.
	at := t0
	for attempt, wait := range []time.Duration{time.Minute, 4 * time.Minute, 16 * time.Minute, 64 * time.Minute, 0} {
		attempt++
		if attempt > 1 {
			e.clock.Set(at.Add(-time.Second))
			e.runDue(r)
			if got := int(calls.Load()); got != attempt-1 {
				t.Fatalf("1s before attempt %d: %d calls", attempt, got)
			}
		}
		e.clock.Set(at)
		e.runDue(r)
		if got := int(calls.Load()); got != attempt {
			t.Fatalf("attempt %d: %d calls", attempt, got)
		}
		d := e.mustDeadline("test.flaky", flaky)
		if d.Attempts != attempt || d.LastError == nil || !strings.Contains(*d.LastError, fmt.Sprintf("call %d", attempt)) {
			t.Fatalf("after attempt %d: %+v (last error %v)", attempt, d, deref(d.LastError))
		}
		if attempt < scheduler.MaxAttempts {
			if d.Status != "PENDING" || !d.DueAt.Equal(at.Add(wait)) {
				t.Fatalf("after attempt %d: %s due %s, want PENDING due %s", attempt, d.Status, d.DueAt, at.Add(wait))
			}
		} else if d.Status != "FAILED" {
			t.Fatalf("after attempt %d (MaxAttempts %d): %s, want FAILED", attempt, scheduler.MaxAttempts, d.Status)
		}
		if _, ok := e.deadline("test.side_effect", side); ok {
			t.Fatalf("attempt %d: the failed handler's work was kept", attempt)
		}
		at = at.Add(wait)
	}
	e.clock.Advance(30 * 24 * time.Hour)
	e.runDue(r)
	if calls.Load() != scheduler.MaxAttempts {
		t.Fatalf("a FAILED deadline was run again: %d calls", calls.Load())
	}

	if d := e.mustDeadline("test.fine", fine); d.Status != "DONE" || d.Attempts != 1 || fineCalls.Load() != 1 {
		t.Fatalf("a good deadline in the same batch: %+v (%d calls)", d, fineCalls.Load())
	}
	if d := e.mustDeadline("test.broken", perm); d.Status != "FAILED" || d.Attempts != 1 || permCalls.Load() != 1 ||
		!strings.Contains(deref(d.LastError), "cannot ever work") {
		t.Fatalf("a permanent failure: %+v (%d calls)", d, permCalls.Load())
	}
}

func TestDeadlineWithoutHandlerFails(t *testing.T) {
	e := newEnv(t)
	subject := uuid.New()
	e.schedule("test.nobody", subject, e.clock.Now())
	e.runDue(e.runner(payments.Recorder{}, nil))
	if d := e.mustDeadline("test.nobody", subject); d.Status != "FAILED" || d.Attempts != 1 || !strings.Contains(deref(d.LastError), "test.nobody") {
		t.Fatalf("deadline of an unknown kind: %+v", d)
	}
}

func TestRefundFailureDuringShipTimeoutIsRetried(t *testing.T) {
	e := newEnv(t)
	o := e.pay(e.create(e.buyer))
	var down atomic.Bool
	down.Store(true)
	pay := payments.Scripted{FailRefund: func(r payments.Request) error {
		if r.OrderID == o.ID && down.Load() {
			return errors.New("payment provider unreachable")
		}
		return nil
	}}
	r := e.runner(pay, nil)
	edge := o.ShipBy.Add(72 * time.Hour)
	e.clock.Set(edge)
	e.runDue(r)
	got := e.read(o)
	if got.Status != orders.Paid || got.RefundedMinor != 0 || got.Version != o.Version || got.CancelKind != nil {
		t.Fatalf("after a failed refund the order is %+v", got)
	}
	if n := e.countEvents(o, "CANCEL"); n != 0 {
		t.Fatalf("%d CANCEL events after a failed refund", n)
	}
	if ps := e.payments(o); countPayments(ps, "REFUND", "SUCCEEDED") != 0 {
		t.Fatalf("refund recorded although it failed: %+v", ps)
	}
	d := e.mustDeadline(orders.KindShipTimeout, o.ID)
	if d.Status != "PENDING" || d.Attempts != 1 || !strings.Contains(deref(d.LastError), "unreachable") || !d.DueAt.After(edge) {
		t.Fatalf("deadline after a failed refund: %+v (%s)", d, deref(d.LastError))
	}

	// The provider is back: the retry cancels and refunds once.
	down.Store(false)
	e.clock.Set(d.DueAt)
	e.runDue(r)
	e.runDue(r)
	got = e.read(o)
	if got.Status != orders.Cancelled || deref(got.CancelKind) != "NOT_SHIPPED" || got.RefundedMinor != got.PaidMinor {
		t.Fatalf("after the retry: %+v", got)
	}
	if ps := e.payments(o); countPayments(ps, "REFUND", "SUCCEEDED") != 1 {
		t.Fatalf("refunds after the retry: %+v", ps)
	}
	if d := e.mustDeadline(orders.KindShipTimeout, o.ID); d.Status != "DONE" || d.Attempts != 2 {
		t.Fatalf("deadline after the retry: %+v", d)
	}
}

// ---------------------------------------------------------------- payments

// countingAdapter counts the movements that reach the provider.
type countingAdapter struct {
	payments.Adapter
	charges, refunds atomic.Int32
}

func (c *countingAdapter) Charge(ctx context.Context, r payments.Request) (payments.Result, error) {
	c.charges.Add(1)
	return c.Adapter.Charge(ctx, r)
}

func (c *countingAdapter) Refund(ctx context.Context, r payments.Request) (payments.Result, error) {
	c.refunds.Add(1)
	return c.Adapter.Refund(ctx, r)
}

func TestConcurrentPaymentsWithOneKeyChargeOnce(t *testing.T) {
	e := newEnv(t)
	o := e.create(e.buyer)
	pay := &countingAdapter{Adapter: payments.Recorder{}}
	const n = 20
	results := make([]orders.Order, n)
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			s := tenants.NewSession(e.app, e.buyer, false)
			results[i], errs[i] = orders.Pay(e.ctx, s, pay, key(o), "same-key-"+o.ID.String(), e.clock.Now())
			if errs[i] != nil {
				_ = s.Rollback()
				return
			}
			errs[i] = s.Commit()
		}()
	}
	close(start)
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Errorf("caller %d: %v", i, errs[i])
			continue
		}
		if results[i].Status != orders.Paid || results[i].PaidMinor != o.TotalMinor || results[i].Version != o.Version+1 {
			t.Errorf("caller %d got %s paid %d v%d", i, results[i].Status, results[i].PaidMinor, results[i].Version)
		}
	}
	ps := e.payments(o)
	if len(ps) != 1 || countPayments(ps, "CHARGE", "SUCCEEDED") != 1 || ps[0].Amount != o.TotalMinor {
		t.Fatalf("payment transactions: %+v", ps)
	}
	if c := pay.charges.Load(); c != 1 {
		t.Fatalf("the provider was asked to charge %d times", c)
	}
	if n := e.countEvents(o, "PAY"); n != 1 {
		t.Fatalf("%d PAY events", n)
	}
	if got := e.read(o); got.Status != orders.Paid || got.Version != o.Version+1 {
		t.Fatalf("order: %s v%d", got.Status, got.Version)
	}
}

func TestDeclinedChargeIsRecordedAndRepeatedForItsKey(t *testing.T) {
	e := newEnv(t)
	o := e.create(e.buyer)
	pay := &countingAdapter{Adapter: payments.Scripted{DeclineCharge: func(r payments.Request) string {
		if strings.HasPrefix(r.IdempotencyKey, "decline") {
			return "card declined"
		}
		return ""
	}}}
	payWith := func(k string) (orders.Order, error) {
		s := tenants.NewSession(e.app, e.buyer, false)
		got, err := orders.Pay(e.ctx, s, pay, key(o), k, e.clock.Now())
		if cerr := s.Commit(); cerr != nil { // as the API does for a userError: what was recorded stays
			t.Fatalf("commit: %v", cerr)
		}
		return got, err
	}

	_, err := payWith("decline-1")
	if code(err) != "PAYMENT_DECLINED" || !strings.Contains(err.Error(), "card declined") {
		t.Fatalf("declined charge: %v", err)
	}
	ps := e.payments(o)
	if len(ps) != 1 || ps[0].Kind != "CHARGE" || ps[0].Status != "FAILED" || deref(ps[0].Failure) != "card declined" ||
		deref(ps[0].Key) != "decline-1" {
		t.Fatalf("after a decline: %+v", ps)
	}
	if got := e.read(o); got.Status != orders.PendingPayment || got.PaidMinor != 0 || got.Version != o.Version {
		t.Fatalf("order after a decline: %s paid %d v%d", got.Status, got.PaidMinor, got.Version)
	}
	if d := e.mustDeadline(orders.KindPaymentTimeout, o.ID); d.Status != "PENDING" {
		t.Fatalf("payment deadline after a decline: %+v", d)
	}

	e.clock.Advance(time.Minute)
	_, err = payWith("decline-1")
	if code(err) != "PAYMENT_DECLINED" {
		t.Fatalf("retrying the declined key: %v", err)
	}
	if c := pay.charges.Load(); c != 1 {
		t.Fatalf("a retry of a declined key reached the provider again (%d charges)", c)
	}
	if ps := e.payments(o); len(ps) != 1 {
		t.Fatalf("a retry of a declined key recorded another charge: %+v", ps)
	}

	got, err := payWith("ok-2")
	if err != nil || got.Status != orders.Paid || got.PaidMinor != o.TotalMinor {
		t.Fatalf("a new key: %v %+v", err, got)
	}
	ps = e.payments(o)
	if len(ps) != 2 || countPayments(ps, "CHARGE", "FAILED") != 1 || countPayments(ps, "CHARGE", "SUCCEEDED") != 1 {
		t.Fatalf("after paying with a new key: %+v", ps)
	}
	// The succeeded key answers with the paid order; the declined one is still a decline (and the order is paid).
	if again, err := payWith("ok-2"); err != nil || again.Status != orders.Paid || again.Version != got.Version {
		t.Fatalf("repeating the successful key: %v %+v", err, again)
	}
	if _, err := payWith("decline-1"); code(err) != "PAYMENT_DECLINED" {
		t.Fatalf("repeating the declined key after paying: %v", err)
	}
	if c := pay.charges.Load(); c != 2 {
		t.Fatalf("%d charges reached the provider, want 2", c)
	}
	// A key stands for paying one order: the same key on another order (the paid one's or the declined one's)
	// is refused naming the key, and the other order is neither charged nor changed.
	other := e.create(e.buyer)
	for _, k := range []string{"ok-2", "decline-1"} {
		s := tenants.NewSession(e.app, e.buyer, false)
		_, err := orders.Pay(e.ctx, s, pay, key(other), k, e.clock.Now())
		if cerr := s.Commit(); cerr != nil {
			t.Fatalf("commit: %v", cerr)
		}
		var re *tenants.RuleError
		if !errors.As(err, &re) || re.Code != "IDEMPOTENCY_KEY_REUSED" || !slices.Equal(re.Field, []string{"input", "idempotencyKey"}) ||
			!strings.Contains(re.Message, k) {
			t.Fatalf("key %q of order %s on order %s: %v, want IDEMPOTENCY_KEY_REUSED on input.idempotencyKey naming the key", k, o.Number, other.Number, err)
		}
	}
	if got := e.read(other); got.Status != orders.PendingPayment || got.Version != other.Version || len(e.payments(other)) != 0 {
		t.Fatalf("a refused key changed order %s: %s v%d, %d payments", other.Number, got.Status, got.Version, len(e.payments(other)))
	}
	if c := pay.charges.Load(); c != 2 {
		t.Fatalf("a reused key reached the provider (%d charges, want 2)", c)
	}
	// With a key of its own it is paid.
	s := tenants.NewSession(e.app, e.buyer, false)
	paidOther, err := orders.Pay(e.ctx, s, pay, key(other), "ok-3", e.clock.Now())
	_ = s.Rollback()
	if err != nil || paidOther.Status != orders.Paid {
		t.Fatalf("a new key on the other order: %v %+v", err, paidOther)
	}
	for _, k := range []string{"", "  ", strings.Repeat("k", 201)} {
		if _, err := payWith(k); code(err) != "IDEMPOTENCY_KEY_REQUIRED" {
			t.Fatalf("key %.10q: %v", k, err)
		}
	}
}

// An idempotency key is the client's: two buyers of one store who happen to pick the same key each pay their
// own order (neither sees the other's payment, so neither can be answered with it), and every charge the
// provider made is recorded.
func TestIdempotencyKeysOfDifferentBuyersDoNotCollide(t *testing.T) {
	e := newEnv(t)
	a, b := e.create(e.buyer), e.create(e.buyer2)
	pay := &countingAdapter{Adapter: payments.Recorder{}}
	for _, c := range []struct {
		p tenants.Principal
		o orders.Order
	}{{e.buyer, a}, {e.buyer2, b}} {
		var got orders.Order
		err := e.as(c.p, func(s *tenants.Session) (err error) {
			got, err = orders.Pay(e.ctx, s, pay, key(c.o), "1", e.clock.Now())
			return err
		})
		if err != nil || got.Status != orders.Paid {
			t.Errorf("order %s paid with key \"1\": %v", c.o.Number, err)
		}
	}
	recorded := countPayments(e.payments(a), "CHARGE", "SUCCEEDED") + countPayments(e.payments(b), "CHARGE", "SUCCEEDED")
	if int(pay.charges.Load()) != recorded || recorded != 2 {
		t.Fatalf("the provider charged %d times, %d charges recorded; want 2 and 2", pay.charges.Load(), recorded)
	}
}

func TestPayAfterTheWindowIsRefused(t *testing.T) {
	e := newEnv(t)
	o := e.create(e.buyer)
	e.clock.Advance(30 * time.Minute)
	pay := &countingAdapter{Adapter: payments.Recorder{}}
	err := e.as(e.buyer, func(s *tenants.Session) error {
		_, err := orders.Pay(e.ctx, s, pay, key(o), "late", e.clock.Now())
		return err
	})
	if code(err) != "PAYMENT_WINDOW_CLOSED" || pay.charges.Load() != 0 {
		t.Fatalf("pay at created+30m: %v (%d charges)", err, pay.charges.Load())
	}
}

// ---------------------------------------------------------------- optimistic concurrency

func TestStaleExpectedVersionConflicts(t *testing.T) {
	e := newEnv(t)
	o := e.pay(e.create(e.buyer))
	stale := o.Version - 1
	err := e.as(e.merchant, func(s *tenants.Session) error {
		_, err := orders.Ship(e.ctx, s, key(o), "HCT", "HCT-0001", &stale, e.clock.Now())
		return err
	})
	if !errors.Is(err, tenants.ErrConflict) {
		t.Fatalf("ship with a stale version: %v, want ErrConflict", err)
	}
	future := o.Version + 1
	for name, act := range map[string]func(s *tenants.Session) error{
		"deliver": func(s *tenants.Session) error {
			_, err := orders.MarkDelivered(e.ctx, s, key(o), &future, e.clock.Now())
			return err
		},
		"cancel": func(s *tenants.Session) error {
			_, err := orders.Cancel(e.ctx, s, payments.Recorder{}, key(o), "out of stock", &stale, e.clock.Now())
			return err
		},
	} {
		if err := e.as(e.merchant, act); !errors.Is(err, tenants.ErrConflict) {
			t.Fatalf("%s with a wrong version: %v, want ErrConflict", name, err)
		}
	}
	if got := e.read(o); got.Status != orders.Paid || got.Version != o.Version || e.countEvents(o, "SHIP") != 0 {
		t.Fatalf("a conflict changed the order: %s v%d", got.Status, got.Version)
	}
	var shipped orders.Order
	err = e.as(e.merchant, func(s *tenants.Session) (err error) {
		shipped, err = orders.Ship(e.ctx, s, key(o), "HCT", "HCT-0001", &o.Version, e.clock.Now())
		return err
	})
	if err != nil || shipped.Version != o.Version+1 || shipped.Status != orders.Shipped {
		t.Fatalf("ship with the current version: %v %+v", err, shipped)
	}
}

func TestConcurrentShipsShipOnce(t *testing.T) {
	for _, withVersion := range []bool{false, true} {
		t.Run(fmt.Sprintf("expectedVersion=%v", withVersion), func(t *testing.T) {
			e := newEnv(t)
			o := e.pay(e.create(e.buyer))
			start := make(chan struct{})
			errs := make([]error, 2)
			var wg sync.WaitGroup
			for i := range errs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					var v *int
					if withVersion {
						v = &o.Version
					}
					<-start
					s := tenants.NewSession(e.app, e.merchant, false)
					_, errs[i] = orders.Ship(e.ctx, s, key(o), "HCT", fmt.Sprintf("HCT-000%d", i), v, e.clock.Now())
					if errs[i] != nil {
						_ = s.Rollback()
						return
					}
					errs[i] = s.Commit()
				}()
			}
			close(start)
			wg.Wait()
			okN := 0
			for _, err := range errs {
				switch {
				case err == nil:
					okN++
				case errors.Is(err, tenants.ErrConflict), code(err) == "INVALID_STATE":
				default:
					t.Fatalf("the losing ship failed with %v, want ErrConflict or INVALID_STATE", err)
				}
			}
			if okN != 1 {
				t.Fatalf("%d ships succeeded (%v), want 1", okN, errs)
			}
			if n := e.countEvents(o, "SHIP"); n != 1 {
				t.Fatalf("%d SHIP events", n)
			}
			if got := e.read(o); got.Status != orders.Shipped || got.Version != o.Version+1 {
				t.Fatalf("order: %s v%d", got.Status, got.Version)
			}
		})
	}
}

// ---------------------------------------------------------------- the database's guard on money

func TestRefundedCanNeverExceedPaid(t *testing.T) {
	e := newEnv(t)
	o := e.pay(e.create(e.buyer))
	for name, db := range map[string]*sqlx.DB{"app role as system": e.app, "schema owner as system": e.owner} {
		err := tenants.Run(e.ctx, db, tenants.System, func(tx *sqlx.Tx) error {
			_, err := tx.Exec(`update orders set refunded_minor = paid_minor + 1 where tenant_id = $1 and id = $2`, o.StoreID, o.ID)
			return err
		})
		var pqErr *pq.Error
		if !errors.As(err, &pqErr) || pqErr.Code != "23514" {
			t.Fatalf("%s: refunding more than paid: %v, want a check violation", name, err)
		}
	}
	err := tenants.Run(e.ctx, e.app, tenants.System, func(tx *sqlx.Tx) error {
		_, err := tx.Exec(`update orders set refunded_minor = -1 where tenant_id = $1 and id = $2`, o.StoreID, o.ID)
		return err
	})
	if pqErr := (*pq.Error)(nil); !errors.As(err, &pqErr) || pqErr.Code != "23514" {
		t.Fatalf("a negative refund: %v", err)
	}
	// Exactly what was paid is fine (rolled back: this is only about the constraint).
	tx, err := e.app.BeginTxx(e.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.Exec(`select set_config('app.role', 'system', true)`); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(`update orders set refunded_minor = paid_minor where tenant_id = $1 and id = $2`, o.StoreID, o.ID); err != nil {
		t.Fatalf("refunding exactly what was paid: %v", err)
	}
	if got := e.read(o); got.RefundedMinor != 0 {
		t.Fatalf("refunded %d", got.RefundedMinor)
	}
}

// ---------------------------------------------------------------- the event log

type wantEvent struct {
	actor   string
	actorID *uuid.UUID
	action  string
	from    string
	to      string
}

func (e *env) checkEvents(o orders.Order, want []wantEvent) []orders.Event {
	e.t.Helper()
	got := e.events(o)
	if len(got) != len(want) {
		e.t.Fatalf("order %s has %d events, want %d: %+v", o.Number, len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		from := ""
		if g.FromStatus != nil {
			from = string(*g.FromStatus)
		}
		to := ""
		if g.ToStatus != nil {
			to = string(*g.ToStatus)
		}
		if g.Actor != w.actor || g.Action != w.action || from != w.from || to != w.to ||
			(w.actorID == nil) != (g.ActorID == nil) || (w.actorID != nil && *w.actorID != *g.ActorID) {
			e.t.Fatalf("order %s event %d: %+v (actor id %v), want %+v", o.Number, i, g, g.ActorID, w)
		}
		if i > 0 && g.At.Before(got[i-1].At) {
			e.t.Fatalf("events out of order: %+v", got)
		}
	}
	return got
}

func TestEveryChangeWritesAnEvent(t *testing.T) {
	parent := newEnv(t)
	buyerID, staffID := parent.buyer.UserID, parent.merchant.UserID

	t.Run("to completion", func(t *testing.T) {
		e := parent.with(t)
		t0 := e.clock.Now()
		o := e.create(e.buyer)
		e.clock.Advance(time.Minute)
		o = e.pay(o)
		e.clock.Advance(time.Hour)
		o = e.ship(o)
		e.clock.Advance(time.Hour)
		o = e.deliver(o)
		e.clock.Advance(time.Hour)
		err := e.as(e.buyer, func(s *tenants.Session) (err error) {
			o, err = orders.ConfirmReceipt(e.ctx, s, key(o), nil, e.clock.Now())
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		evs := e.checkEvents(o, []wantEvent{
			{"BUYER", &buyerID, "CREATE", "", "PENDING_PAYMENT"},
			{"BUYER", &buyerID, "PAY", "PENDING_PAYMENT", "PAID"},
			{"MERCHANT", &staffID, "SHIP", "PAID", "SHIPPED"},
			{"MERCHANT", &staffID, "MARK_DELIVERED", "SHIPPED", "DELIVERED"},
			{"BUYER", &buyerID, "CONFIRM_RECEIPT", "DELIVERED", "COMPLETED"},
		})
		for i, d := range []time.Duration{0, time.Minute, 61 * time.Minute, 121 * time.Minute, 181 * time.Minute} {
			if !evs[i].At.Equal(t0.Add(d)) {
				t.Errorf("event %s at %s, want %s", evs[i].Action, evs[i].At, t0.Add(d))
			}
		}
		if o.Version != 5 {
			t.Errorf("version after 4 changes: %d, want 5", o.Version)
		}
	})

	t.Run("merchant cancels a paid order", func(t *testing.T) {
		e := parent.with(t)
		o := e.pay(e.create(e.buyer))
		err := e.as(e.merchant, func(s *tenants.Session) (err error) {
			o, err = orders.Cancel(e.ctx, s, payments.Recorder{}, key(o), "  out of stock  ", nil, e.clock.Now())
			return err
		})
		if err != nil || o.Status != orders.Cancelled || deref(o.CancelKind) != "MERCHANT" || deref(o.CancelledBy) != "MERCHANT" ||
			deref(o.CancelReason) != "out of stock" || o.RefundedMinor != o.PaidMinor {
			t.Fatalf("cancel: %v %+v", err, o)
		}
		evs := e.checkEvents(o, []wantEvent{
			{"BUYER", &buyerID, "CREATE", "", "PENDING_PAYMENT"},
			{"BUYER", &buyerID, "PAY", "PENDING_PAYMENT", "PAID"},
			{"MERCHANT", &staffID, "CANCEL", "PAID", "CANCELLED"},
		})
		if deref(evs[2].Reason) != "out of stock" {
			t.Errorf("cancel reason in the event: %v", evs[2].Reason)
		}
		if ps := e.payments(o); countPayments(ps, "REFUND", "SUCCEEDED") != 1 {
			t.Errorf("refund: %+v", ps)
		}
		e.checkMerchantCancellation(o, true)
		if d := e.mustDeadline(orders.KindShipTimeout, o.ID); d.Status != "CANCELLED" {
			t.Errorf("ship deadline of a cancelled order: %+v", d)
		}
	})

	t.Run("buyer cancels an unpaid order", func(t *testing.T) {
		e := parent.with(t)
		o := e.create(e.buyer)
		err := e.as(e.buyer, func(s *tenants.Session) (err error) {
			o, err = orders.Cancel(e.ctx, s, payments.Recorder{}, key(o), "", nil, e.clock.Now())
			return err
		})
		if err != nil || deref(o.CancelKind) != "BUYER" || o.CancelReason != nil {
			t.Fatalf("cancel: %v %+v", err, o)
		}
		e.checkEvents(o, []wantEvent{
			{"BUYER", &buyerID, "CREATE", "", "PENDING_PAYMENT"},
			{"BUYER", &buyerID, "CANCEL", "PENDING_PAYMENT", "CANCELLED"},
		})
		e.checkMerchantCancellation(o, false)
		if d := e.mustDeadline(orders.KindPaymentTimeout, o.ID); d.Status != "CANCELLED" {
			t.Errorf("payment deadline of a cancelled order: %+v", d)
		}
		if len(e.payments(o)) != 0 {
			t.Errorf("money moved for an unpaid order: %+v", e.payments(o))
		}
	})

	t.Run("admin cancels a paid order", func(t *testing.T) {
		e := parent.with(t)
		o := e.pay(e.create(e.buyer))
		err := e.as(e.admin, func(s *tenants.Session) (err error) {
			o, err = orders.Cancel(e.ctx, s, payments.Recorder{}, key(o), "fraud", nil, e.clock.Now())
			return err
		})
		if err != nil || deref(o.CancelKind) != "ADMIN" || deref(o.CancelledBy) != "ADMIN" || o.RefundedMinor != o.PaidMinor {
			t.Fatalf("cancel: %v %+v", err, o)
		}
		adminID := e.admin.UserID
		e.checkEvents(o, []wantEvent{
			{"BUYER", &buyerID, "CREATE", "", "PENDING_PAYMENT"},
			{"BUYER", &buyerID, "PAY", "PENDING_PAYMENT", "PAID"},
			{"ADMIN", &adminID, "CANCEL", "PAID", "CANCELLED"},
		})
		e.checkMerchantCancellation(o, false)
	})

	t.Run("a partner token ships, late by one second", func(t *testing.T) {
		e := parent.with(t)
		tokenID := uuid.New()
		token := tenants.Principal{Role: tenants.RoleMerchant, StoreID: e.store, StaffRole: tenants.StaffAPI, TokenID: tokenID,
			Scopes: []tenants.Scope{tenants.ScopeOrdersRead, tenants.ScopeOrdersWrite}}
		onTime, late := e.pay(e.create(e.buyer)), e.pay(e.create(e.buyer))
		shipAt := func(o orders.Order, at time.Time) orders.Order {
			t.Helper()
			e.clock.Set(at)
			err := e.as(token, func(s *tenants.Session) (err error) {
				o, err = orders.Ship(e.ctx, s, key(o), " HCT ", "HCT-1", nil, e.clock.Now())
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return o
		}
		onTime = shipAt(onTime, *onTime.ShipBy)
		late = shipAt(late, late.ShipBy.Add(time.Second))
		if onTime.ShippedLate(e.clock.Now()) || !late.ShippedLate(e.clock.Now()) || deref(onTime.Carrier) != "HCT" {
			t.Fatalf("shipped at ship-by: late %v; 1s after: late %v", onTime.ShippedLate(e.clock.Now()), late.ShippedLate(e.clock.Now()))
		}
		evs := e.checkEvents(late, []wantEvent{
			{"BUYER", &buyerID, "CREATE", "", "PENDING_PAYMENT"},
			{"BUYER", &buyerID, "PAY", "PENDING_PAYMENT", "PAID"},
			{"MERCHANT", &tokenID, "SHIP", "PAID", "SHIPPED"},
		})
		if n := evs[2].Note; n == nil || !strings.Contains(*n, "late") {
			t.Errorf("late shipment note: %v", n)
		}
		if n := e.events(onTime)[2].Note; n != nil {
			t.Errorf("on-time shipment has a note: %q", *n)
		}
	})

	t.Run("refusals write nothing", func(t *testing.T) {
		e := parent.with(t)
		o := e.create(e.buyer)
		before := len(e.events(o))
		for name, act := range map[string]func() error{
			"ship unpaid": func() error {
				return e.as(e.merchant, func(s *tenants.Session) error {
					_, err := orders.Ship(e.ctx, s, key(o), "HCT", "HCT-1", nil, e.clock.Now())
					return err
				})
			},
			"buyer delivers": func() error {
				return e.as(e.buyer, func(s *tenants.Session) error {
					_, err := orders.MarkDelivered(e.ctx, s, key(o), nil, e.clock.Now())
					return err
				})
			},
			"another buyer cancels": func() error {
				return e.as(e.buyer2, func(s *tenants.Session) error {
					_, err := orders.Cancel(e.ctx, s, payments.Recorder{}, key(o), "", nil, e.clock.Now())
					return err
				})
			},
		} {
			err := act()
			if err == nil {
				t.Fatalf("%s: allowed", name)
			}
			if name == "another buyer cancels" && !errors.Is(err, tenants.ErrNotFound) {
				t.Fatalf("%s: %v, want ErrNotFound", name, err)
			}
		}
		if got := e.read(o); got.Version != o.Version || len(e.events(o)) != before {
			t.Fatalf("refusals changed the order: v%d, %d events", got.Version, len(e.events(o)))
		}
	})
}

func deref[T ~string](s *T) string {
	if s == nil {
		return ""
	}
	return string(*s)
}

// Three years after completion the order's personal data goes; the order and its amounts stay.
func TestRetentionAnonymizesCompletedOrdersAtThreeYears(t *testing.T) {
	e := newEnv(t)
	r := e.runner(payments.Recorder{}, nil)
	o := e.deliver(e.ship(e.pay(e.create(e.buyer))))
	err := e.as(e.buyer, func(s *tenants.Session) (err error) {
		o, err = orders.ConfirmReceipt(e.ctx, s, key(o), nil, e.clock.Now())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	edge := o.CompletedAt.AddDate(orders.RetentionYears, 0, 0)

	e.clock.Set(edge.Add(-time.Second))
	e.runDue(r)
	if got := e.read(o); got.AnonymizedAt != nil || got.ShipName != o.ShipName {
		t.Fatalf("1s before the retention edge: %+v", got)
	}
	e.clock.Set(edge)
	e.runDue(r)
	e.runDue(r)
	got := e.read(o)
	if got.AnonymizedAt == nil || !got.AnonymizedAt.Equal(edge) {
		t.Fatalf("at the edge: anonymized_at %v", got.AnonymizedAt)
	}
	for name, v := range map[string]string{"buyer name": got.BuyerName, "ship name": got.ShipName, "phone": got.ShipPhone, "address": got.ShipAddress} {
		if v != orders.Anonymized {
			t.Errorf("%s = %q after retention, want %q", name, v, orders.Anonymized)
		}
	}
	if got.Status != orders.Completed || got.TotalMinor != o.TotalMinor || got.PaidMinor != o.PaidMinor || got.Number != o.Number {
		t.Errorf("the order's record changed: %+v", got)
	}
	if d := e.mustDeadline(orders.KindRetention, o.ID); d.Status != "DONE" || d.Attempts != 1 {
		t.Fatalf("retention deadline: %+v", d)
	}
}
