package aftersales_test

// Refunds of cases against real PostgreSQL (row-level security on, the app role) with a clock moved by hand:
// partial and full refunds, the order's refunded total never above what was paid even when two cases race,
// one refund for many identical requests, declines and provider failures with their automatic retries (and
// the end of them), the route by the payment method's refund window at its edge, and the buyer's bank
// account for a refund by transfer, stored masked only.
//
// Every top-level name here starts with rf: other files of this test package belong to other work.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"tradeguard/aftersales"
	"tradeguard/demo"
	"tradeguard/internal/clock"
	"tradeguard/internal/testdb"
	"tradeguard/orders"
	"tradeguard/payments"
	"tradeguard/scheduler"
	"tradeguard/tenants"
)

var (
	rfDemoNow = time.Date(2026, 6, 15, 2, 0, 0, 0, time.UTC)
	// each test's clock starts a year after the previous test's, so no test runs before deadlines (or refund
	// windows) another test left behind
	rfEpochs  atomic.Int64
	rfNumbers atomic.Int64
)

type rfEnv struct {
	t        *testing.T
	ctx      context.Context
	app      *sqlx.DB
	clock    *clock.Fake
	store    uuid.UUID
	product  uuid.UUID
	buyer    tenants.Principal
	merchant tenants.Principal
}

// rfNewEnv migrates the database, loads the demo data (once) and makes a fresh store with its owner and a
// product of 100.00 TWD, so the test's orders and cases are its own.
func rfNewEnv(t *testing.T) *rfEnv {
	t.Helper()
	ctx := context.Background()
	_, app := testdb.Migrated(t)
	if _, err := demo.Load(ctx, app, rfDemoNow); err != nil {
		t.Fatalf("demo data: %v", err)
	}
	e := &rfEnv{t: t, ctx: ctx, app: app, store: uuid.New(), product: uuid.New(),
		clock: clock.NewFake(rfDemoNow.Add(time.Duration(rfEpochs.Add(1)) * 366 * 24 * time.Hour))}
	ownerID := uuid.New()
	slug := "rf-" + e.store.String()[:8]
	e.sys(func(tx *sqlx.Tx) error {
		if _, err := tx.Exec(`insert into stores (id, slug, name, category, currency, time_zone, created_at)
			values ($1, $2, $3, 'electronics', 'TWD', 'Asia/Taipei', $4)`, e.store, slug, "Test "+slug, rfDemoNow); err != nil {
			return err
		}
		if _, err := tx.Exec(`insert into users (id, email, password_hash, display_name, role, created_at, staff_store_id)
			values ($1, $2, 'x', 'Owner', 'MERCHANT', $3, $4)`, ownerID, "owner@"+slug+".test", rfDemoNow, e.store); err != nil {
			return err
		}
		if _, err := tx.Exec(`insert into store_staff (tenant_id, user_id, staff_role) values ($1, $2, 'OWNER')`, e.store, ownerID); err != nil {
			return err
		}
		if _, err := tx.Exec(`insert into products (tenant_id, id, sku, title, category, price_minor, currency, warranty_days)
			values ($1, $2, 'RF-1', 'Headphones', 'electronics', 10000, 'TWD', 365)`, e.store, e.product); err != nil {
			return err
		}
		var buyer uuid.UUID
		if err := tx.Get(&buyer, `select id from users where email = 'buyer5@tradeguard.test'`); err != nil {
			return err
		}
		e.buyer = tenants.Principal{Role: tenants.RoleBuyer, UserID: buyer}
		return nil
	})
	e.merchant = tenants.Principal{Role: tenants.RoleMerchant, UserID: ownerID, StoreID: e.store, StaffRole: tenants.StaffOwner}
	return e
}

func (e *rfEnv) sys(fn func(tx *sqlx.Tx) error) {
	e.t.Helper()
	if err := tenants.Run(e.ctx, e.app, tenants.System, fn); err != nil {
		e.t.Fatalf("as system: %v", err)
	}
}

// as runs fn in a session of p that commits if fn succeeds.
func (e *rfEnv) as(p tenants.Principal, fn func(s *tenants.Session) error) error {
	return tenants.Run(e.ctx, e.app, p, func(tx *sqlx.Tx) error { return fn(tenants.Attach(tx, p)) })
}

func (e *rfEnv) must(err error, what string) {
	e.t.Helper()
	if err != nil {
		e.t.Fatalf("%s: %v", what, err)
	}
}

// order places, pays (at the clock's now), ships and delivers an order of quantity × 100.00 TWD.
func (e *rfEnv) order(method string, quantity int) orders.Order {
	e.t.Helper()
	var o orders.Order
	now := e.clock.Now()
	e.must(e.as(e.buyer, func(s *tenants.Session) (err error) {
		o, err = orders.Create(e.ctx, s, orders.CreateInput{StoreID: e.store, PaymentMethod: method, ShipName: "Lin Mei",
			ShipPhone: "+886 912 345 678", ShipAddress: "No. 1, Section 1, Zhongshan Rd, Taipei",
			Lines: []orders.LineInput{{ProductID: e.product, Quantity: quantity}}}, now)
		if err != nil {
			return err
		}
		o, err = orders.Pay(e.ctx, s, payments.Recorder{}, rfOrderKey(o), "pay-"+o.ID.String(), now)
		return err
	}), "create and pay")
	e.must(e.as(e.merchant, func(s *tenants.Session) (err error) {
		if o, err = orders.Ship(e.ctx, s, rfOrderKey(o), "Black Cat", "BC-12345678", nil, now); err != nil {
			return err
		}
		o, err = orders.MarkDelivered(e.ctx, s, rfOrderKey(o), nil, now)
		return err
	}), "ship and deliver")
	return o
}

func rfOrderKey(o orders.Order) orders.Key { return orders.Key{StoreID: o.StoreID, ID: o.ID} }

// newCase writes a REFUND_ONLY case of the order as the system, in the given status, asking for requested;
// approved may be nil.
func (e *rfEnv) newCase(o orders.Order, status aftersales.Status, requested int64, approved *int64) aftersales.Key {
	e.t.Helper()
	id := uuid.New()
	now := e.clock.Now()
	e.sys(func(tx *sqlx.Tx) error {
		_, err := tx.Exec(`insert into cases (tenant_id, id, number, order_id, buyer_id, type, status, reason, reason_category,
				currency, requested_minor, approved_minor, respond_by, approved_at, created_at, updated_at)
			values ($1, $2, $3, $4, $5, 'REFUND_ONLY', $6, 'QUALITY_DEFECT', 'QUALITY', 'TWD', $7, $8, $9, $10, $11, $11)`,
			o.StoreID, id, fmt.Sprintf("RF-%d", rfNumbers.Add(1)), o.ID, o.BuyerID, status, requested, approved,
			now.Add(48*time.Hour), func() *time.Time {
				if approved == nil {
					return nil
				}
				return &now
			}(), now)
		return err
	})
	return aftersales.Key{StoreID: o.StoreID, ID: id}
}

func (e *rfEnv) readCase(k aftersales.Key) aftersales.Case {
	e.t.Helper()
	var got []aftersales.Case
	e.sys(func(tx *sqlx.Tx) (err error) {
		got, err = aftersales.ByKeys(e.ctx, tenants.Attach(tx, tenants.System), []aftersales.Key{k})
		return err
	})
	if len(got) != 1 {
		e.t.Fatalf("case %v: %d rows", k, len(got))
	}
	return got[0]
}

func (e *rfEnv) readOrder(o orders.Order) orders.Order {
	e.t.Helper()
	var got []orders.Order
	e.sys(func(tx *sqlx.Tx) (err error) {
		got, err = orders.ByKeys(e.ctx, tenants.Attach(tx, tenants.System), []orders.Key{rfOrderKey(o)})
		return err
	})
	if len(got) != 1 {
		e.t.Fatalf("order %s: %d rows", o.Number, len(got))
	}
	return got[0]
}

func (e *rfEnv) refunds(k aftersales.Key) []aftersales.Refund {
	e.t.Helper()
	var got map[aftersales.Key][]aftersales.Refund
	e.sys(func(tx *sqlx.Tx) (err error) {
		got, err = aftersales.RefundsByCases(e.ctx, tenants.Attach(tx, tenants.System), []aftersales.Key{k})
		return err
	})
	return got[k]
}

func (e *rfEnv) count(q string, args ...any) int {
	e.t.Helper()
	var n int
	e.sys(func(tx *sqlx.Tx) error { return tx.Get(&n, q, args...) })
	return n
}

// orderRefundTransactions counts the order's REFUND payment transactions.
func (e *rfEnv) orderRefundTransactions(o orders.Order) int {
	return e.count(`select count(*) from payment_transactions where tenant_id = $1 and order_id = $2 and kind = 'REFUND'`, o.StoreID, o.ID)
}

// retryDeadline is the case's pending automatic refund retry, if any.
func (e *rfEnv) retryDeadline(k aftersales.Key) *scheduler.Deadline {
	e.t.Helper()
	var pending []scheduler.Deadline
	e.sys(func(tx *sqlx.Tx) (err error) {
		pending, err = scheduler.Pending(e.ctx, tenants.Attach(tx, tenants.System), k.ID)
		return err
	})
	for _, d := range pending {
		if d.Kind == aftersales.KindRefundRetry {
			return &d
		}
	}
	return nil
}

func (e *rfEnv) approve(pay payments.Adapter, k aftersales.Key, amount *int64) (aftersales.Case, error) {
	return e.approveKeyed(pay, k, amount, "approve-"+uuid.NewString())
}

func (e *rfEnv) approveKeyed(pay payments.Adapter, k aftersales.Key, amount *int64, key string) (aftersales.Case, error) {
	var c aftersales.Case
	err := e.as(e.merchant, func(s *tenants.Session) (err error) {
		c, err = aftersales.Approve(e.ctx, s, pay, k, amount, key, nil, e.clock.Now())
		return err
	})
	return c, err
}

// runRetries runs the due deadlines with the refund-retry handler (other kinds due now fail for want of a
// handler, which no test here looks at).
func (e *rfEnv) runRetries(pay payments.Adapter) {
	e.t.Helper()
	r := &scheduler.Runner{DB: e.app, Now: e.clock.Now, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Handlers: map[string]scheduler.Handler{aftersales.KindRefundRetry: aftersales.RefundRetryHandler(pay)}}
	if _, err := r.RunDue(e.ctx); err != nil {
		e.t.Fatalf("run due: %v", err)
	}
}

// rfAdapter counts the refunds the provider was asked for and those it paid.
type rfAdapter struct {
	mu      sync.Mutex
	decline string // non-empty: every refund is declined with this reason
	fail    error  // non-nil: the provider cannot be reached
	asked   int
	paid    []payments.Request
}

func (a *rfAdapter) Charge(ctx context.Context, r payments.Request) (payments.Result, error) {
	return payments.Recorder{}.Charge(ctx, r)
}

func (a *rfAdapter) Refund(ctx context.Context, r payments.Request) (payments.Result, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.asked++
	res, err := payments.Scripted{
		DeclineRefund: func(payments.Request) string { return a.decline },
		FailRefund:    func(payments.Request) error { return a.fail },
	}.Refund(ctx, r)
	if err == nil {
		a.paid = append(a.paid, r)
	}
	return res, err
}

func (a *rfAdapter) counts() (asked, paid int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.asked, len(a.paid)
}

func rfCode(err error) string {
	if errs, ok := tenants.AsRuleErrors(err); ok && len(errs) == 1 {
		return errs[0].Code
	}
	return ""
}

func TestRefundPartial(t *testing.T) {
	e := rfNewEnv(t)
	o := e.order("CARD", 2) // 200.00 TWD paid
	k := e.newCase(o, aftersales.Requested, 15000, nil)
	pay := &rfAdapter{}
	c, err := e.approve(pay, k, new(int64(12000)))
	e.must(err, "approve")
	if c.Status != aftersales.Refunded || c.RefundedMinor != 12000 || c.RefundedAt == nil || !c.RefundedAt.Equal(e.clock.Now()) {
		t.Fatalf("case after a partial approval: status %s, refunded %d at %v", c.Status, c.RefundedMinor, c.RefundedAt)
	}
	got := e.readOrder(o)
	if got.RefundedMinor != 12000 || got.RefundableMinor != 8000 {
		t.Errorf("order refunded %d, refundable %d; want 12000 and 8000", got.RefundedMinor, got.RefundableMinor)
	}
	rs := e.refunds(k)
	if len(rs) != 1 || rs[0].Status != "SUCCEEDED" || rs[0].AmountMinor != 12000 || rs[0].Route != aftersales.RouteOriginal ||
		rs[0].PaymentMethod != "CARD" || rs[0].Attempts != 1 || rs[0].ProviderRef == nil || rs[0].BankAccountMasked != nil {
		t.Fatalf("refund rows: %+v", rs)
	}
	if _, paid := pay.counts(); paid != 1 || pay.paid[0].Amount.Minor != 12000 || pay.paid[0].Method != "CARD" || pay.paid[0].IdempotencyKey != rs[0].IdempotencyKey {
		t.Errorf("provider asked for %+v", pay.paid)
	}
	var tr struct {
		Method string `db:"method"`
		Amount int64  `db:"amount_minor"`
		Ref    string `db:"provider_ref"`
		Key    string `db:"idempotency_key"`
	}
	e.sys(func(tx *sqlx.Tx) error {
		return tx.Get(&tr, `select method, amount_minor, provider_ref, idempotency_key from payment_transactions
			where tenant_id = $1 and order_id = $2 and kind = 'REFUND' and status = 'SUCCEEDED'`, o.StoreID, o.ID)
	})
	if tr.Method != "CARD" || tr.Amount != 12000 || tr.Ref != *rs[0].ProviderRef || tr.Key != rs[0].IdempotencyKey {
		t.Errorf("payment transaction %+v, refund %+v", tr, rs[0])
	}
	if n := e.count(`select count(*) from order_events where tenant_id = $1 and order_id = $2 and action = 'REFUND'`, o.StoreID, o.ID); n != 1 {
		t.Errorf("%d REFUND order events, want 1", n)
	}
	if d := e.retryDeadline(k); d != nil {
		t.Errorf("a refunded case has a retry pending: %+v", d)
	}

	// The rest of the order can still be refunded by another case; nothing more than that.
	k2 := e.newCase(o, aftersales.Requested, 8000, nil)
	c2, err := e.approve(pay, k2, nil)
	e.must(err, "approve the rest")
	if c2.Status != aftersales.Refunded || e.readOrder(o).RefundableMinor != 0 {
		t.Errorf("second case %s, order refundable %d", c2.Status, e.readOrder(o).RefundableMinor)
	}
}

func TestRefundFull(t *testing.T) {
	e := rfNewEnv(t)
	o := e.order("WALLET", 3)
	k := e.newCase(o, aftersales.Requested, o.PaidMinor, nil)
	pay := &rfAdapter{}
	c, err := e.approve(pay, k, nil)
	e.must(err, "approve")
	got := e.readOrder(o)
	if c.Status != aftersales.Refunded || c.RefundedMinor != 30000 || got.RefundedMinor != got.PaidMinor || got.RefundableMinor != 0 {
		t.Fatalf("case %s refunded %d; order paid %d refunded %d", c.Status, c.RefundedMinor, got.PaidMinor, got.RefundedMinor)
	}
	if rs := e.refunds(k); len(rs) != 1 || rs[0].PaymentMethod != "WALLET" || rs[0].Route != aftersales.RouteOriginal {
		t.Errorf("refund rows %+v", rs)
	}
	// Approving nothing is refused (a store that gives nothing rejects): the case still waits for an answer.
	k0 := e.newCase(o, aftersales.Requested, 100, nil)
	if _, err := e.approve(pay, k0, new(int64(0))); rfCode(err) != "AMOUNT_NOT_POSITIVE" {
		t.Errorf("zero approval: %v, want AMOUNT_NOT_POSITIVE", err)
	}
	if c0 := e.readCase(k0); c0.Status != aftersales.Requested || c0.ApprovedMinor != nil || c0.Version != 1 || len(e.refunds(k0)) != 0 {
		t.Errorf("zero approval changed the case: %s, approved %v, version %d, %d refund rows", c0.Status, c0.ApprovedMinor, c0.Version, len(e.refunds(k0)))
	}
	if _, paid := pay.counts(); paid != 1 {
		t.Errorf("provider paid %d refunds, want 1", paid)
	}
}

// Two cases of one order ask for more than was paid together; they are approved at the same moment by two
// sessions. One refund goes through; the other is refused before the provider is asked, every time.
func TestRefundConcurrentPartialRefundsNeverExceedPaid(t *testing.T) {
	e := rfNewEnv(t)
	pay := &rfAdapter{}
	const rounds = 5
	for round := range rounds {
		o := e.order("CARD", 2) // 200.00
		ks := []aftersales.Key{e.newCase(o, aftersales.Requested, 15000, nil), e.newCase(o, aftersales.Requested, 15000, nil)}
		start := make(chan struct{})
		errs := make([]error, len(ks))
		var wg sync.WaitGroup
		for i, k := range ks {
			wg.Go(func() {
				<-start
				_, errs[i] = e.approve(pay, k, nil)
			})
		}
		close(start)
		wg.Wait()
		ok, exceeded := 0, 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case rfCode(err) == "REFUND_EXCEEDS_PAID":
				exceeded++
			default:
				t.Fatalf("round %d: unexpected error %v", round, err)
			}
		}
		if ok != 1 || exceeded != 1 {
			t.Fatalf("round %d: %d refunded, %d refused; want one of each", round, ok, exceeded)
		}
		got := e.readOrder(o)
		if got.RefundedMinor != 15000 || e.orderRefundTransactions(o) != 1 ||
			e.count(`select count(*) from refunds where tenant_id = $1 and order_id = $2`, o.StoreID, o.ID) != 1 {
			t.Fatalf("round %d: order refunded %d with %d transactions", round, got.RefundedMinor, e.orderRefundTransactions(o))
		}
		// The refused case is untouched: still waiting for an answer (a smaller amount fits).
		for _, k := range ks {
			if c := e.readCase(k); c.Status == aftersales.Requested {
				c, err := e.approve(pay, k, new(int64(5000)))
				if err != nil || c.Status != aftersales.Refunded || e.readOrder(o).RefundableMinor != 0 {
					t.Fatalf("round %d: approving the rest: %v, %s", round, err, c.Status)
				}
			}
		}
	}
	if asked, paid := pay.counts(); asked != 2*rounds || paid != 2*rounds {
		t.Errorf("provider asked %d times and paid %d; want %d and %d (never asked for a refund that would exceed)", asked, paid, 2*rounds, 2*rounds)
	}

	// The database itself refuses the excess, and the refusal is REFUND_EXCEEDS_PAID.
	o := e.order("CARD", 1)
	err := tenants.Run(e.ctx, e.app, tenants.System, func(tx *sqlx.Tx) error {
		return orders.RecordCaseRefund(e.ctx, tx, rfOrderKey(o), o.PaidMinor+1, "CARD", "rf_x", "too-much", e.clock.Now())
	})
	if rfCode(err) != "REFUND_EXCEEDS_PAID" {
		t.Errorf("recording more than paid: %v, want REFUND_EXCEEDS_PAID", err)
	}
	// Recording one key twice records it once.
	for range 2 {
		e.must(tenants.Run(e.ctx, e.app, tenants.System, func(tx *sqlx.Tx) error {
			return orders.RecordCaseRefund(e.ctx, tx, rfOrderKey(o), 4000, "CARD", "rf_y", "once", e.clock.Now())
		}), "record")
	}
	if got := e.readOrder(o); got.RefundedMinor != 4000 || e.orderRefundTransactions(o) != 1 {
		t.Errorf("recorded twice with one key: refunded %d, %d transactions", got.RefundedMinor, e.orderRefundTransactions(o))
	}
}

// Twenty refunds of one case with one idempotency key, each in its own transaction at once: one refund.
func TestRefundConcurrentSameKeyRefundsOnce(t *testing.T) {
	e := rfNewEnv(t)
	o := e.order("CARD", 2)
	k := e.newCase(o, aftersales.Refunding, 20000, new(int64(16000)))
	pay := &rfAdapter{}
	const n = 20
	start := make(chan struct{})
	errs := make([]error, n)
	statuses := make([]aftersales.Status, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = tenants.Run(e.ctx, e.app, e.merchant, func(tx *sqlx.Tx) error {
				cs, err := aftersales.ByKeys(e.ctx, tenants.Attach(tx, e.merchant), []aftersales.Key{k})
				if err != nil || len(cs) != 1 {
					return fmt.Errorf("read case: %v (%d)", err, len(cs))
				}
				c := cs[0]
				err = aftersales.StartRefundForTest(e.ctx, tx, pay, &c, "same-key", e.clock.Now())
				statuses[i] = c.Status
				return err
			})
		})
	}
	close(start)
	wg.Wait()
	for i := range n {
		if errs[i] != nil || statuses[i] != aftersales.Refunded {
			t.Errorf("request %d: %v, case %s", i, errs[i], statuses[i])
		}
	}
	if asked, paid := pay.counts(); asked != 1 || paid != 1 {
		t.Errorf("provider asked %d times, paid %d; want once", asked, paid)
	}
	rs := e.refunds(k)
	if len(rs) != 1 || rs[0].Status != "SUCCEEDED" || rs[0].AmountMinor != 16000 {
		t.Errorf("refund rows %+v", rs)
	}
	if got := e.readOrder(o); got.RefundedMinor != 16000 || e.orderRefundTransactions(o) != 1 {
		t.Errorf("order refunded %d in %d transactions", got.RefundedMinor, e.orderRefundTransactions(o))
	}

	// Twenty identical approvals of one case at once through the API (one client key): every one answers
	// with the refunded case, and the money moved once.
	pay2 := &rfAdapter{}
	o2 := e.order("CARD", 1)
	k2 := e.newCase(o2, aftersales.Requested, 10000, nil)
	start = make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			c, err := e.approveKeyed(pay2, k2, nil, "one-click")
			if err != nil || c.Status != aftersales.Refunded {
				t.Errorf("approval %d: %v, case %s", i, err, c.Status)
			}
		})
	}
	close(start)
	wg.Wait()
	if asked, paid := pay2.counts(); asked != 1 || paid != 1 || e.readOrder(o2).RefundedMinor != 10000 || len(e.refunds(k2)) != 1 {
		t.Errorf("provider asked %d paid %d, order refunded %d, %d refund rows", asked, paid, e.readOrder(o2).RefundedMinor, len(e.refunds(k2)))
	}
}

func TestRefundDeclinedIsRetriedAutomatically(t *testing.T) {
	e := rfNewEnv(t)
	o := e.order("CARD", 2)
	k := e.newCase(o, aftersales.Requested, 20000, nil)
	c, err := e.approve(&rfAdapter{decline: "insufficient merchant balance"}, k, nil)
	e.must(err, "approve")
	if c.Status != aftersales.RefundFailed || c.RefundedMinor != 0 || c.RefundedAt != nil {
		t.Fatalf("declined refund: case %s, refunded %d", c.Status, c.RefundedMinor)
	}
	rs := e.refunds(k)
	if len(rs) != 1 || rs[0].Status != "FAILED" || rs[0].Attempts != 1 || rs[0].LastError == nil ||
		!strings.Contains(*rs[0].LastError, "insufficient merchant balance") || rs[0].ProviderRef != nil {
		t.Fatalf("refund rows %+v", rs)
	}
	if got := e.readOrder(o); got.RefundedMinor != 0 || e.orderRefundTransactions(o) != 0 {
		t.Fatalf("a declined refund moved money: refunded %d", got.RefundedMinor)
	}
	first := e.clock.Now()
	d := e.retryDeadline(k)
	if d == nil || !d.DueAt.Equal(first.Add(10*time.Minute)) || d.TenantID == nil || *d.TenantID != e.store || d.BuyerID == nil || *d.BuyerID != e.buyer.UserID {
		t.Fatalf("retry deadline %+v, want due at %v", d, first.Add(10*time.Minute))
	}

	// A second before it is due nothing happens; at the deadline the retry refunds.
	pay := &rfAdapter{}
	e.clock.Set(first.Add(10*time.Minute - time.Second))
	e.runRetries(pay)
	if asked, _ := pay.counts(); asked != 0 || e.readCase(k).Status != aftersales.RefundFailed {
		t.Fatalf("retried early: asked %d, case %s", asked, e.readCase(k).Status)
	}
	e.clock.Set(first.Add(10 * time.Minute))
	e.runRetries(pay)
	c = e.readCase(k)
	if c.Status != aftersales.Refunded || c.RefundedMinor != 20000 || e.readOrder(o).RefundedMinor != 20000 {
		t.Fatalf("after the retry: case %s refunded %d", c.Status, c.RefundedMinor)
	}
	rs = e.refunds(k)
	if len(rs) != 2 || rs[1].Status != "SUCCEEDED" || rs[1].Attempts != 2 || rs[1].IdempotencyKey != fmt.Sprintf("auto-retry:%s:2", k.ID) {
		t.Errorf("refund rows %+v", rs)
	}
	if d := e.retryDeadline(k); d != nil {
		t.Errorf("retry still pending: %+v", d)
	}
	if n := e.count(`select count(*) from case_events where tenant_id = $1 and case_id = $2 and action = 'DEADLINE_RETRY_REFUND'
		and from_status = 'REFUND_FAILED' and to_status = 'REFUNDED'`, k.StoreID, k.ID); n != 1 {
		t.Errorf("%d retry events", n)
	}
	// Run again: nothing left to do.
	e.runRetries(pay)
	if asked, _ := pay.counts(); asked != 1 {
		t.Errorf("provider asked %d times, want 1", asked)
	}
}

func TestRefundRetriesStopAfterThreeFailures(t *testing.T) {
	e := rfNewEnv(t)
	o := e.order("CARD", 1)
	k := e.newCase(o, aftersales.Requested, 10000, nil)
	down := &rfAdapter{fail: errors.New("connection refused")}
	c, err := e.approve(down, k, nil)
	e.must(err, "approve")
	if c.Status != aftersales.RefundFailed {
		t.Fatalf("case %s", c.Status)
	}
	first := e.clock.Now()
	// Attempt 1 failed: retry 10 minutes later; attempt 2 failed: 20 minutes after that; attempt 3: no more.
	due := first
	for attempt := 1; attempt <= 3; attempt++ {
		rs := e.refunds(k)
		if len(rs) != attempt || rs[attempt-1].Status != "FAILED" || rs[attempt-1].Attempts != attempt ||
			!strings.Contains(*rs[attempt-1].LastError, "connection refused") {
			t.Fatalf("after attempt %d: refund rows %+v", attempt, rs)
		}
		d := e.retryDeadline(k)
		if attempt == 3 {
			if d != nil {
				t.Fatalf("a retry is scheduled after the third failure: %+v", d)
			}
			break
		}
		due = due.Add(10 * time.Minute << (attempt - 1))
		if d == nil || !d.DueAt.Equal(due) {
			t.Fatalf("after attempt %d: retry %+v, want due %v", attempt, d, due)
		}
		e.clock.Set(due)
		e.runRetries(down)
	}
	if asked, _ := down.counts(); asked != 3 {
		t.Errorf("provider asked %d times, want 3", asked)
	}
	// Much later, still nothing happens by itself.
	e.clock.Advance(30 * 24 * time.Hour)
	e.runRetries(down)
	if asked, _ := down.counts(); asked != 3 || e.readCase(k).Status != aftersales.RefundFailed {
		t.Fatalf("retried without a person: asked %d", asked)
	}
	// A person retries: it goes through.
	var got aftersales.Case
	e.must(e.as(e.merchant, func(s *tenants.Session) (err error) {
		got, err = aftersales.RetryRefund(e.ctx, s, &rfAdapter{}, k, "manual-retry", nil, e.clock.Now())
		return err
	}), "retry refund")
	if got.Status != aftersales.Refunded || e.readOrder(o).RefundedMinor != 10000 {
		t.Errorf("manual retry: case %s, order refunded %d", got.Status, e.readOrder(o).RefundedMinor)
	}
	if rs := e.refunds(k); len(rs) != 4 || rs[3].Status != "SUCCEEDED" || rs[3].Attempts != 4 {
		t.Errorf("refund rows %+v", rs)
	}
}

// A card payment refunds by card until 180 days after payment; from then on by transfer to the account the
// buyer gives (stored masked only).
func TestRefundRouteByWindowAndBankTransfer(t *testing.T) {
	e := rfNewEnv(t)
	o := e.order("CARD", 2)
	paidAt := *e.readOrder(o).PaidAt
	kBefore := e.newCase(o, aftersales.Requested, 5000, nil)
	kAt := e.newCase(o, aftersales.Requested, 5000, nil)
	pay := &rfAdapter{}

	e.clock.Set(paidAt.Add(180*24*time.Hour - time.Second))
	c, err := e.approve(pay, kBefore, nil)
	e.must(err, "approve before the window closes")
	if rs := e.refunds(kBefore); c.Status != aftersales.Refunded || len(rs) != 1 || rs[0].Route != aftersales.RouteOriginal {
		t.Fatalf("a second before the window closes: case %s, refunds %+v", c.Status, rs)
	}

	e.clock.Set(paidAt.Add(180 * 24 * time.Hour))
	c, err = e.approve(pay, kAt, nil)
	e.must(err, "approve when the window closes")
	want := "the buyer must give a bank account (the original method's refund window closed on " +
		paidAt.Add(180*24*time.Hour).UTC().Format(time.RFC3339) + ")"
	rs := e.refunds(kAt)
	if c.Status != aftersales.RefundFailed || len(rs) != 1 || rs[0].Route != aftersales.RouteBankTransfer ||
		rs[0].LastError == nil || *rs[0].LastError != want {
		t.Fatalf("at the window's close without an account: case %s, refunds %+v; want last error %q", c.Status, rs, want)
	}
	if asked, _ := pay.counts(); asked != 1 {
		t.Errorf("provider asked %d times, want 1 (not for a transfer without an account)", asked)
	}
	if d := e.retryDeadline(kAt); d != nil {
		t.Errorf("a retry without an account cannot succeed, but one is scheduled: %+v", d)
	}

	// The buyer gives an account: refused when invalid, stored masked, and the refund is retried at once.
	setAccount := func(p tenants.Principal, k aftersales.Key, a aftersales.BankAccount) (aftersales.Case, error) {
		var c aftersales.Case
		err := e.as(p, func(s *tenants.Session) (err error) {
			c, err = aftersales.SetRefundAccount(e.ctx, s, k, a, e.clock.Now())
			return err
		})
		return c, err
	}
	if _, err := setAccount(e.buyer, kAt, aftersales.BankAccount{BankCode: "81", Number: "123", Holder: "Lin Mei"}); err == nil {
		t.Fatal("an invalid account was taken")
	}
	if _, err := setAccount(e.merchant, kAt, aftersales.BankAccount{BankCode: "812", Number: "00012345678901", Holder: "Lin Mei"}); !errors.Is(err, tenants.ErrForbidden) {
		t.Errorf("merchant sets the buyer's account: %v, want forbidden", err)
	}
	const full = "00012345678901"
	c, err = setAccount(e.buyer, kAt, aftersales.BankAccount{BankCode: "812", Number: "0001-2345-678901", Holder: "Lin Mei"})
	e.must(err, "set refund account")
	if c.RefundBankCode == nil || *c.RefundBankCode != "812" || c.RefundBankMasked == nil || *c.RefundBankMasked != "**********8901" {
		t.Fatalf("stored account %v %v", c.RefundBankCode, c.RefundBankMasked)
	}
	for _, table := range []string{"cases", "case_events", "refunds", "deadlines"} {
		if n := e.count(`select count(*) from `+table+` t where t::text like '%' || $1 || '%'`, full); n != 0 {
			t.Errorf("the full account number is stored in %s", table)
		}
	}
	if d := e.retryDeadline(kAt); d == nil || !d.DueAt.Equal(e.clock.Now()) {
		t.Fatalf("no retry scheduled now after the account was given: %+v", d)
	}
	e.runRetries(pay)
	c = e.readCase(kAt)
	rs = e.refunds(kAt)
	if c.Status != aftersales.Refunded || len(rs) != 2 || rs[1].Status != "SUCCEEDED" || rs[1].Route != aftersales.RouteBankTransfer ||
		rs[1].PaymentMethod != "CARD" || rs[1].BankCode == nil || *rs[1].BankCode != "812" ||
		rs[1].BankAccountMasked == nil || *rs[1].BankAccountMasked != "**********8901" {
		t.Fatalf("after the account: case %s, refunds %+v", c.Status, rs)
	}
	if _, paid := pay.counts(); paid != 2 || pay.paid[1].Method != "BANK_TRANSFER" {
		t.Errorf("provider paid %+v", pay.paid)
	}
	if n := e.count(`select count(*) from payment_transactions where tenant_id = $1 and order_id = $2 and kind = 'REFUND'
		and method = 'BANK_TRANSFER' and amount_minor = 5000`, o.StoreID, o.ID); n != 1 {
		t.Errorf("%d bank-transfer refund transactions, want 1", n)
	}
	if got := e.readOrder(o); got.RefundedMinor != 10000 {
		t.Errorf("order refunded %d, want 10000", got.RefundedMinor)
	}
	// A final case takes no account.
	if _, err := setAccount(e.buyer, kAt, aftersales.BankAccount{BankCode: "812", Number: full, Holder: "Lin Mei"}); rfCode(err) != "INVALID_STATE" {
		t.Errorf("account on a refunded case: %v, want INVALID_STATE", err)
	}

	// Cash on delivery is always refunded by transfer, so the account given beforehand is used at once.
	e.clock.Advance(time.Hour)
	cod := e.order("CASH_ON_DELIVERY", 1)
	kc := e.newCase(cod, aftersales.Requested, 10000, nil)
	_, err = setAccount(e.buyer, kc, aftersales.BankAccount{BankCode: "700", Number: "1234567890", Holder: "Lin Mei"})
	e.must(err, "account before approval")
	c, err = e.approve(pay, kc, nil)
	e.must(err, "approve cash on delivery")
	if rs := e.refunds(kc); c.Status != aftersales.Refunded || len(rs) != 1 || rs[0].Route != aftersales.RouteBankTransfer || *rs[0].BankAccountMasked != "******7890" {
		t.Errorf("cash on delivery: case %s, refunds %+v", c.Status, rs)
	}
}

// One idempotency key stands for one request: sent again unchanged it replays the answer; with another amount
// or on another case it is refused with IDEMPOTENCY_KEY_REUSED, and nothing more is refunded.
func TestRefundIdempotencyKeyReused(t *testing.T) {
	e := rfNewEnv(t)
	o := e.order("CARD", 3) // 300.00 TWD paid
	k := e.newCase(o, aftersales.Requested, 10000, nil)
	k2 := e.newCase(o, aftersales.Requested, 5000, nil)
	pay := &rfAdapter{}
	c, err := e.approveKeyed(pay, k, new(int64(10000)), "key-1")
	e.must(err, "approve")
	again, err := e.approveKeyed(pay, k, new(int64(10000)), "key-1")
	e.must(err, "the same request again")
	if again.Status != c.Status || again.RefundedMinor != 10000 {
		t.Errorf("replay answered %s refunded %d, want %s 10000", again.Status, again.RefundedMinor, c.Status)
	}
	for _, tc := range []struct {
		name   string
		k      aftersales.Key
		amount int64
	}{{"another amount", k, 9000}, {"another case", k2, 5000}} {
		_, err := e.approveKeyed(pay, tc.k, new(tc.amount), "key-1")
		errs, ok := tenants.AsRuleErrors(err)
		if !ok || len(errs) != 1 || errs[0].Code != "IDEMPOTENCY_KEY_REUSED" || !slices.Equal(errs[0].Field, []string{"input", "idempotencyKey"}) {
			t.Errorf("%s with the same key: %v, want IDEMPOTENCY_KEY_REUSED on input.idempotencyKey", tc.name, err)
		}
	}
	if c2 := e.readCase(k2); c2.Status != aftersales.Requested || len(e.refunds(k2)) != 0 {
		t.Errorf("the refused request changed the other case: %s, %d refund rows", c2.Status, len(e.refunds(k2)))
	}
	if _, paid := pay.counts(); paid != 1 {
		t.Errorf("provider paid %d refunds, want 1", paid)
	}
	if got := e.readOrder(o).RefundedMinor; got != 10000 {
		t.Errorf("order refunded %d, want 10000", got)
	}
}
