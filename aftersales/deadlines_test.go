package aftersales_test

// Every case deadline of DESIGN §3.2 at its edge, against real PostgreSQL (row-level security on, the app
// role) with a clock moved by hand: one second before, the scheduler does nothing; at the edge it acts once
// (one DEADLINE_ event by the system, with the reason violations read); run again, nothing more. Cases get
// there through the core (orders created, paid, shipped and delivered; cases opened and answered), and after
// every step the case's shown deadline (deadline_at, deadline_action) must be Deadline(c, now) and its one
// case.deadline row in the scheduler must be pending at that time — or not pending at all when nothing the
// scheduler does is awaited. Two of the store's staff answering one case at the same moment: one wins.
//
// Every top-level name here starts with dl: other files of this test package belong to other work. Each env
// is its own store, and its clock lies from 2019 on (45 days per env, each test's deadlines within them), long
// before the arbitration tests' 2024 and
// everything anchored in 2026, so the scheduler runs here act on this file's deadlines only; an env cancels
// the deadlines it leaves pending when its test ends.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"strings"
	"sync"
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
	dlEpoch  = time.Date(2019, 3, 1, 2, 0, 0, 0, time.UTC)
	dlEpochs atomic.Int64
	dlQuiet  = slog.New(slog.NewTextHandler(io.Discard, nil))
)

const (
	dlDay       = 24 * time.Hour
	dlUnitPrice = 10000 // the product's price (100.00 TWD)
)

type dlEnv struct {
	t       *testing.T
	ctx     context.Context
	app     *sqlx.DB
	clock   *clock.Fake
	pay     payments.Adapter
	store   uuid.UUID
	product uuid.UUID
	owner   tenants.Principal // the store's owner
	agent   tenants.Principal // an agent of the same store
	buyer   tenants.Principal
	admin   tenants.Principal
}

// dlNewEnv makes a store (Asia/Taipei, TWD) with its owner and an agent (written in SQL as the system), a
// product of 100.00 (electronics, 365-day warranty), a buyer and an admin, on a clock of its own.
func dlNewEnv(t *testing.T) *dlEnv {
	t.Helper()
	_, app := testdb.Migrated(t)
	start := dlEpoch.Add(time.Duration(dlEpochs.Add(1)) * 45 * dlDay)
	e := &dlEnv{t: t, ctx: context.Background(), app: app, clock: clock.NewFake(start), pay: payments.Recorder{},
		store: uuid.New(), product: uuid.New()}
	slug := "dl-" + e.store.String()[:8]
	ids := map[string]uuid.UUID{}
	e.sys(func(tx *sqlx.Tx) error {
		if _, err := tx.Exec(`insert into stores (id, slug, name, category, currency, time_zone, created_at)
			values ($1, $2, $3, 'electronics', 'TWD', 'Asia/Taipei', $4)`, e.store, slug, "Store "+slug, dlEpoch); err != nil {
			return err
		}
		for _, u := range []struct{ name, role string }{{"owner", "MERCHANT"}, {"agent", "MERCHANT"}, {"buyer", "BUYER"}, {"admin", "ADMIN"}} {
			ids[u.name] = uuid.New()
			if _, err := tx.Exec(`insert into users (id, email, password_hash, display_name, role, created_at, staff_store_id)
				values ($1, $2, 'x', $3, $4, $5, case when $4 = 'MERCHANT' then $6::uuid end)`,
				ids[u.name], u.name+"@"+slug+".test", u.name, u.role, dlEpoch, e.store); err != nil {
				return err
			}
		}
		for who, role := range map[string]string{"owner": "OWNER", "agent": "AGENT"} {
			if _, err := tx.Exec(`insert into store_staff (tenant_id, user_id, staff_role) values ($1, $2, $3)`, e.store, ids[who], role); err != nil {
				return err
			}
		}
		_, err := tx.Exec(`insert into products (tenant_id, id, sku, title, category, price_minor, currency, warranty_days)
			values ($1, $2, 'DL-1', 'Headphones', 'electronics', $3, 'TWD', 365)`, e.store, e.product, dlUnitPrice)
		return err
	})
	e.owner = tenants.Principal{Role: tenants.RoleMerchant, UserID: ids["owner"], StoreID: e.store, StaffRole: tenants.StaffOwner}
	e.agent = tenants.Principal{Role: tenants.RoleMerchant, UserID: ids["agent"], StoreID: e.store, StaffRole: tenants.StaffAgent}
	e.buyer = tenants.Principal{Role: tenants.RoleBuyer, UserID: ids["buyer"]}
	e.admin = tenants.Principal{Role: tenants.RoleAdmin, UserID: ids["admin"]}
	t.Cleanup(func() {
		// Leave nothing pending for other tests' scheduler runs.
		_ = tenants.Run(context.Background(), app, tenants.System, func(tx *sqlx.Tx) error {
			_, err := tx.Exec(`update deadlines set status = 'CANCELLED' where tenant_id = $1 and status = 'PENDING'`, e.store)
			return err
		})
	})
	return e
}

// sys runs fn as the system through the app role (row-level security on) and commits.
func (e *dlEnv) sys(fn func(tx *sqlx.Tx) error) {
	e.t.Helper()
	if err := tenants.Run(e.ctx, e.app, tenants.System, fn); err != nil {
		e.t.Fatalf("as system: %v", err)
	}
}

// as runs fn in a request session of p: committed if fn succeeds, else rolled back.
func (e *dlEnv) as(p tenants.Principal, fn func(s *tenants.Session) error) error {
	s := tenants.NewSession(e.app, p, false)
	if err := fn(s); err != nil {
		_ = s.Rollback()
		return err
	}
	return s.Commit()
}

// do runs one case action as p at the clock's now.
func (e *dlEnv) do(p tenants.Principal, fn func(s *tenants.Session, now time.Time) (aftersales.Case, error)) (aftersales.Case, error) {
	var c aftersales.Case
	now := e.clock.Now()
	err := e.as(p, func(s *tenants.Session) (err error) {
		c, err = fn(s, now)
		return err
	})
	return c, err
}

// must is do failing the test on an error.
func (e *dlEnv) must(what string, p tenants.Principal, fn func(s *tenants.Session, now time.Time) (aftersales.Case, error)) aftersales.Case {
	e.t.Helper()
	c, err := e.do(p, fn)
	if err != nil {
		e.t.Fatalf("%s at %s: %v", what, e.clock.Now(), err)
	}
	return c
}

// order places and pays an order of qty × the product now; shipped and delivered (both now) if asked.
func (e *dlEnv) order(qty int, shipAndDeliver bool) (orders.Order, orders.Item) {
	e.t.Helper()
	var o orders.Order
	k := func() orders.Key { return orders.Key{StoreID: o.StoreID, ID: o.ID} }
	step := func(what string, p tenants.Principal, fn func(s *tenants.Session, now time.Time) (orders.Order, error)) {
		e.t.Helper()
		now := e.clock.Now()
		if err := e.as(p, func(s *tenants.Session) (err error) { o, err = fn(s, now); return err }); err != nil {
			e.t.Fatalf("order %s: %v", what, err)
		}
	}
	step("create", e.buyer, func(s *tenants.Session, now time.Time) (orders.Order, error) {
		return orders.Create(e.ctx, s, orders.CreateInput{StoreID: e.store, PaymentMethod: "CARD", ShipName: "Lin Mei",
			ShipPhone: "+886 912 345 678", ShipAddress: "No. 1, Section 1, Zhongshan Rd, Taipei",
			Lines: []orders.LineInput{{ProductID: e.product, Quantity: qty}}}, now)
	})
	step("pay", e.buyer, func(s *tenants.Session, now time.Time) (orders.Order, error) {
		return orders.Pay(e.ctx, s, e.pay, k(), "pay-"+o.ID.String(), now)
	})
	if shipAndDeliver {
		step("ship", e.owner, func(s *tenants.Session, now time.Time) (orders.Order, error) {
			return orders.Ship(e.ctx, s, k(), "Black Cat", "BC-12345678", nil, now)
		})
		step("deliver", e.owner, func(s *tenants.Session, now time.Time) (orders.Order, error) {
			return orders.MarkDelivered(e.ctx, s, k(), nil, now)
		})
	}
	var items map[orders.Key][]orders.Item
	e.sys(func(tx *sqlx.Tx) (err error) {
		items, err = orders.ItemsByOrders(e.ctx, tenants.Attach(tx, tenants.System), []orders.Key{k()})
		return err
	})
	if len(items[k()]) != 1 || o.PaidMinor != int64(qty)*dlUnitPrice {
		e.t.Fatalf("order %s: %d lines, paid %d", o.Number, len(items[k()]), o.PaidMinor)
	}
	return o, items[k()][0]
}

// open opens a case as the buyer now; qty 0 names no items (a cancel request, a complaint).
func (e *dlEnv) open(o orders.Order, line orders.Item, typ aftersales.Type, reason aftersales.Reason, qty int) aftersales.Case {
	e.t.Helper()
	in := aftersales.OpenInput{Order: orders.Key{StoreID: o.StoreID, ID: o.ID}, Type: typ, Reason: reason, Description: "deadline test"}
	if qty > 0 {
		in.Items = []aftersales.OpenItem{{OrderItemID: line.ID, Quantity: qty}}
	}
	c := e.must("open "+string(typ), e.buyer, func(s *tenants.Session, now time.Time) (aftersales.Case, error) {
		return aftersales.Open(e.ctx, s, in, now)
	})
	if c.Status != aftersales.Requested || !c.CreatedAt.Equal(e.clock.Now()) {
		e.t.Fatalf("opened %s: %s created %s", c.Number, c.Status, c.CreatedAt)
	}
	return c
}

// The case actions, each as the natural party, now.

func (e *dlEnv) approve(p tenants.Principal, c aftersales.Case, expected *int) (aftersales.Case, error) {
	return e.do(p, func(s *tenants.Session, now time.Time) (aftersales.Case, error) {
		return aftersales.Approve(e.ctx, s, e.pay, aftersales.KeyOf(c), nil, "approve:"+uuid.NewString(), expected, now)
	})
}

func (e *dlEnv) reject(p tenants.Principal, c aftersales.Case, expected *int) (aftersales.Case, error) {
	return e.do(p, func(s *tenants.Session, now time.Time) (aftersales.Case, error) {
		return aftersales.Reject(e.ctx, s, aftersales.KeyOf(c), "the photos show wear, not a defect", expected, now)
	})
}

func (e *dlEnv) mustApprove(c aftersales.Case) aftersales.Case {
	e.t.Helper()
	c, err := e.approve(e.owner, c, nil)
	if err != nil {
		e.t.Fatalf("approve: %v", err)
	}
	return c
}

func (e *dlEnv) mustReject(c aftersales.Case) aftersales.Case {
	e.t.Helper()
	c, err := e.reject(e.owner, c, nil)
	if err != nil {
		e.t.Fatalf("reject: %v", err)
	}
	return c
}

func (e *dlEnv) shipReturn(c aftersales.Case) aftersales.Case {
	e.t.Helper()
	return e.must("ship the return", e.buyer, func(s *tenants.Session, now time.Time) (aftersales.Case, error) {
		return aftersales.ShipReturn(e.ctx, s, aftersales.KeyOf(c), "Black Cat", "BC-87654321", nil, now)
	})
}

func (e *dlEnv) markReturnDelivered(c aftersales.Case) aftersales.Case {
	e.t.Helper()
	return e.must("mark the return delivered", e.owner, func(s *tenants.Session, now time.Time) (aftersales.Case, error) {
		return aftersales.MarkReturnDelivered(e.ctx, s, aftersales.KeyOf(c), nil, now)
	})
}

func (e *dlEnv) receive(c aftersales.Case) aftersales.Case {
	e.t.Helper()
	return e.must("receive the return", e.owner, func(s *tenants.Session, now time.Time) (aftersales.Case, error) {
		return aftersales.ReceiveReturn(e.ctx, s, e.pay, aftersales.KeyOf(c), nil, "receive:"+uuid.NewString(), nil, now)
	})
}

func (e *dlEnv) reship(c aftersales.Case) aftersales.Case {
	e.t.Helper()
	return e.must("reship", e.owner, func(s *tenants.Session, now time.Time) (aftersales.Case, error) {
		return aftersales.Reship(e.ctx, s, aftersales.KeyOf(c), "Black Cat", "BC-11112222", nil, now)
	})
}

func (e *dlEnv) escalate(c aftersales.Case) aftersales.Case {
	e.t.Helper()
	return e.must("escalate", e.buyer, func(s *tenants.Session, now time.Time) (aftersales.Case, error) {
		return aftersales.Escalate(e.ctx, s, aftersales.KeyOf(c), nil, now)
	})
}

// read re-reads the case as the system.
func (e *dlEnv) read(c aftersales.Case) aftersales.Case {
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

func (e *dlEnv) readOrder(c aftersales.Case) orders.Order {
	e.t.Helper()
	var got []orders.Order
	e.sys(func(tx *sqlx.Tx) (err error) {
		got, err = orders.ByKeys(e.ctx, tenants.Attach(tx, tenants.System), []orders.Key{{StoreID: c.StoreID, ID: c.OrderID}})
		return err
	})
	if len(got) != 1 {
		e.t.Fatalf("order of case %s: %d rows", c.Number, len(got))
	}
	return got[0]
}

func (e *dlEnv) events(c aftersales.Case) []aftersales.Event {
	e.t.Helper()
	var got map[aftersales.Key][]aftersales.Event
	e.sys(func(tx *sqlx.Tx) (err error) {
		got, err = aftersales.EventsByCases(e.ctx, tenants.Attach(tx, tenants.System), []aftersales.Key{aftersales.KeyOf(c)})
		return err
	})
	return got[aftersales.KeyOf(c)]
}

// deadlineEvents are the case's events written by a deadline acting.
func (e *dlEnv) deadlineEvents(c aftersales.Case) []aftersales.Event {
	e.t.Helper()
	var out []aftersales.Event
	for _, ev := range e.events(c) {
		if strings.HasPrefix(ev.Action, "DEADLINE_") {
			out = append(out, ev)
		}
	}
	return out
}

// countEvents counts the case's events with one of the actions.
func (e *dlEnv) countEvents(c aftersales.Case, actions ...string) int {
	e.t.Helper()
	n := 0
	for _, ev := range e.events(c) {
		for _, a := range actions {
			if ev.Action == a {
				n++
			}
		}
	}
	return n
}

// refunds is the case's succeeded refunds: how many and their sum.
func (e *dlEnv) refunds(c aftersales.Case) (n int, sum int64) {
	e.t.Helper()
	e.sys(func(tx *sqlx.Tx) error {
		return tx.QueryRow(`select count(*), coalesce(sum(amount_minor), 0) from refunds
			where tenant_id = $1 and case_id = $2 and status = 'SUCCEEDED'`, c.StoreID, c.ID).Scan(&n, &sum)
	})
	return n, sum
}

// dlRow is a case's case.deadline row in the scheduler.
type dlRow struct {
	Due    time.Time `db:"due_at"`
	Status string    `db:"status"`
}

func (e *dlEnv) row(c aftersales.Case) (dlRow, bool) {
	e.t.Helper()
	var rows []dlRow
	e.sys(func(tx *sqlx.Tx) error {
		return tx.Select(&rows, `select due_at, status from deadlines where kind = $1 and subject_id = $2`,
			aftersales.KindCaseDeadline, c.ID)
	})
	switch len(rows) {
	case 0:
		return dlRow{}, false
	case 1:
		return rows[0], true
	}
	e.t.Fatalf("case %s: %d case.deadline rows, want one", c.Number, len(rows))
	return dlRow{}, false
}

// wantRow checks the case's scheduler row: its status and (for PENDING) when it is due.
func (e *dlEnv) wantRow(what string, c aftersales.Case, status string, due time.Time) {
	e.t.Helper()
	r, ok := e.row(c)
	switch {
	case !ok:
		e.t.Errorf("%s: case %s has no case.deadline row, want %s", what, c.Number, status)
	case r.Status != status:
		e.t.Errorf("%s: case %s row is %s (due %s), want %s", what, c.Number, r.Status, r.Due, status)
	case status == "PENDING" && !r.Due.Equal(due):
		e.t.Errorf("%s: case %s row due %s, want %s", what, c.Number, r.Due, due)
	}
}

// consistent re-reads the case and checks, at the clock's now, that its shown deadline columns are what
// Deadline(c, now) says and that the scheduler row is pending at that time when the scheduler acts on it,
// and not pending otherwise.
func (e *dlEnv) consistent(what string, c aftersales.Case) aftersales.Case {
	e.t.Helper()
	got := e.read(c)
	dAt, dAction, ok := aftersales.Deadline(got, e.clock.Now())
	switch {
	case ok && (got.DeadlineAt == nil || !got.DeadlineAt.Equal(dAt) || dlDeref(got.DeadlineAction) != string(dAction)):
		e.t.Errorf("%s: case %s (%s) shows deadline %v %s, but Deadline says %s %s", what, got.Number, got.Status,
			got.DeadlineAt, dlDeref(got.DeadlineAction), dAt, dAction)
	case !ok && (got.DeadlineAt != nil || got.DeadlineAction != nil):
		e.t.Errorf("%s: case %s (%s) shows deadline %v %s, but Deadline says none", what, got.Number, got.Status,
			got.DeadlineAt, dlDeref(got.DeadlineAction))
	}
	acts := ok && dAction != aftersales.DeadlinePlatformAnswers && dAction != aftersales.DeadlineEvidenceCloses
	r, found := e.row(got)
	switch {
	case acts && (!found || r.Status != "PENDING" || !r.Due.Equal(dAt)):
		e.t.Errorf("%s: case %s (%s) scheduler row %+v (found %v), want PENDING at %s", what, got.Number, got.Status, r, found, dAt)
	case !acts && found && r.Status == "PENDING":
		e.t.Errorf("%s: case %s (%s) scheduler row still PENDING at %s, want none pending", what, got.Number, got.Status, r.Due)
	}
	return got
}

// expect is consistent, and checks that the case awaits action at at (action "" for nothing).
func (e *dlEnv) expect(what string, c aftersales.Case, at time.Time, action aftersales.DeadlineAction) aftersales.Case {
	e.t.Helper()
	got := e.consistent(what, c)
	dAt, dAction, ok := aftersales.Deadline(got, e.clock.Now())
	switch {
	case action == "" && ok:
		e.t.Errorf("%s: case %s (%s) awaits %s at %s, want nothing", what, got.Number, got.Status, dAction, dAt)
	case action != "" && (!ok || dAction != action || !dAt.Equal(at)):
		e.t.Errorf("%s: case %s (%s) awaits %s at %s (ok %v), want %s at %s", what, got.Number, got.Status, dAction, dAt, ok, action, at)
	}
	return got
}

// runDue runs the scheduler (the orders' and the cases' handlers) at the clock's now; every deadline must act
// without an error.
func (e *dlEnv) runDue() {
	e.t.Helper()
	hs := orders.Handlers(e.pay)
	maps.Copy(hs, aftersales.Handlers(e.pay))
	r := &scheduler.Runner{DB: e.app, Now: e.clock.Now, Handlers: hs, Log: dlQuiet}
	st, err := r.RunDue(e.ctx)
	if err != nil {
		e.t.Fatalf("RunDue at %s: %v", e.clock.Now(), err)
	}
	if st.Failed > 0 || st.Retried > 0 {
		var errs []string
		e.sys(func(tx *sqlx.Tx) error {
			return tx.Select(&errs, `select kind || ': ' || last_error from deadlines where tenant_id = $1 and last_error is not null`, e.store)
		})
		e.t.Fatalf("RunDue at %s: %+v; errors: %v", e.clock.Now(), st, errs)
	}
}

// edge is one deadline at its edge. The case c (as last seen) must await action at at. One second before,
// the scheduler changes nothing; at at, it acts once: the case moves on and gets one more DEADLINE_ event
// (event), by the system, at at, from c's status, with the reason (exactly, or containing it when it is a
// sentence); running the scheduler again at at, and a minute later, changes nothing more. It returns the
// case as the deadline left it (its new deadline checked by expect).
func (e *dlEnv) edge(c aftersales.Case, at time.Time, action aftersales.DeadlineAction, event, reason string) aftersales.Case {
	e.t.Helper()
	c = e.expect("before the edge", c, at, action)
	before := len(e.deadlineEvents(c))

	e.clock.Set(at.Add(-time.Second))
	e.runDue()
	if got := e.read(c); got.Version != c.Version || got.Status != c.Status || len(e.deadlineEvents(got)) != before {
		e.t.Fatalf("1 s before %s at %s: case %s is %s (version %d → %d), %d deadline events (want %d): want untouched",
			action, at, c.Number, got.Status, c.Version, got.Version, len(e.deadlineEvents(got)), before)
	}
	e.wantRow("1 s before the edge", c, "PENDING", at)

	e.clock.Set(at)
	e.runDue()
	got := e.read(c)
	evs := e.deadlineEvents(got)
	if len(evs) != before+1 {
		e.t.Fatalf("at %s (%s): case %s is %s with %d deadline events, want %d", at, action, c.Number, got.Status, len(evs), before+1)
	}
	ev := evs[len(evs)-1]
	r := dlDeref(ev.Reason)
	reasonOK := r == reason || (strings.Contains(reason, " ") && strings.Contains(r, reason))
	if ev.Action != event || ev.Actor != "SYSTEM" || ev.ActorID != nil || !ev.At.Equal(at) || !reasonOK ||
		dlDeref(ev.FromStatus) != c.Status || dlDeref(ev.ToStatus) != got.Status {
		e.t.Errorf("at %s: event %s by %s (%v) at %s, %s → %s, reason %q; want %s by SYSTEM at the edge, %s → %s, reason %q",
			action, ev.Action, ev.Actor, ev.ActorID, ev.At, dlDeref(ev.FromStatus), dlDeref(ev.ToStatus), r, event, c.Status, got.Status, reason)
	}
	if got.Version != c.Version+1 || !got.UpdatedAt.Equal(at) {
		e.t.Errorf("at %s: version %d → %d, updated %s; want one change at the edge", action, c.Version, got.Version, got.UpdatedAt)
	}

	e.runDue()
	e.clock.Advance(time.Minute)
	e.runDue()
	again := e.read(c)
	if again.Version != got.Version || again.Status != got.Status || len(e.deadlineEvents(again)) != before+1 {
		e.t.Fatalf("running again after %s: case %s is %s (version %d → %d), %d deadline events; want it acted once",
			action, c.Number, again.Status, got.Version, again.Version, len(e.deadlineEvents(again)))
	}
	return e.consistent("after the edge", got)
}

func dlDeref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// finalRow: a deadline that acted into a final state leaves its row DONE.
func (e *dlEnv) finalRow(c aftersales.Case) {
	e.t.Helper()
	e.wantRow("after the deadline acted", c, "DONE", time.Time{})
}

// wantRefunded checks the case REFUNDED with amount approved and paid back once, closed at closed.
func (e *dlEnv) wantRefunded(c aftersales.Case, amount int64, closed time.Time) {
	e.t.Helper()
	c = e.read(c)
	if c.Status != aftersales.Refunded || dlDeref(c.ApprovedMinor) != amount || c.RefundedMinor != amount ||
		c.ClosedAt == nil || !c.ClosedAt.Equal(closed) || c.RefundedAt == nil || !c.RefundedAt.Equal(closed) {
		e.t.Errorf("case %s: %s approved %d refunded %d at %v closed %v; want REFUNDED %d at %s", c.Number, c.Status,
			dlDeref(c.ApprovedMinor), c.RefundedMinor, c.RefundedAt, c.ClosedAt, amount, closed)
	}
	// A cancel request is refunded by the order's own cancellation (no case refund rows); every other case
	// through its refund.
	wantRows := 1
	if c.Type == aftersales.OrderCancel {
		wantRows = 0
	}
	if n, sum := e.refunds(c); n != wantRows || sum != amount*int64(wantRows) {
		e.t.Errorf("case %s: %d succeeded refunds of %d in all, want %d of %d", c.Number, n, sum, wantRows, amount)
	}
	o := e.readOrder(c)
	if o.RefundedMinor != amount {
		e.t.Errorf("order %s: refunded %d, want %d", o.Number, o.RefundedMinor, amount)
	}
	var n int
	var sum int64
	e.sys(func(tx *sqlx.Tx) error {
		return tx.QueryRow(`select count(*), coalesce(sum(amount_minor), 0) from payment_transactions
			where tenant_id = $1 and order_id = $2 and kind = 'REFUND' and status = 'SUCCEEDED'`, o.StoreID, o.ID).Scan(&n, &sum)
	})
	if n != 1 || sum != amount {
		e.t.Errorf("order %s: %d refund transactions of %d in all, want one of %d", o.Number, n, sum, amount)
	}
}

// wantNoMoney checks that the case moved no money.
func (e *dlEnv) wantNoMoney(c aftersales.Case) {
	e.t.Helper()
	c = e.read(c)
	if n, _ := e.refunds(c); n != 0 || c.RefundedMinor != 0 {
		e.t.Errorf("case %s: %d refunds, refunded %d; want none", c.Number, n, c.RefundedMinor)
	}
	if o := e.readOrder(c); o.RefundedMinor != 0 {
		e.t.Errorf("order %s: refunded %d, want 0", o.Number, o.RefundedMinor)
	}
}

// ---- the merchant answers a new case ----

func TestDeadlineMerchantAnswersCancelRequestIn24h(t *testing.T) {
	e := dlNewEnv(t)
	o, line := e.order(2, false)
	e.clock.Advance(time.Hour)
	opened := e.clock.Now()
	c := e.open(o, line, aftersales.OrderCancel, aftersales.NoReason, 0)
	due := opened.Add(24 * time.Hour)
	if !c.RespondBy.Equal(due) || c.RequestedMinor != 20000 {
		t.Fatalf("cancel request: respond by %s asking %d, want %s asking 20000", c.RespondBy, c.RequestedMinor, due)
	}
	got := e.edge(c, due, aftersales.DeadlineAutoApprove, "DEADLINE_APPROVE", aftersales.ReasonMerchantNoResponse)
	e.wantRefunded(got, 20000, due)
	if got.ApprovedAt == nil || !got.ApprovedAt.Equal(due) || got.FirstResponseAt != nil {
		t.Errorf("auto-approved at %v, first response %v; want approved at %s, no response from the store", got.ApprovedAt, got.FirstResponseAt, due)
	}
	ord := e.readOrder(got)
	if ord.Status != orders.Cancelled || ord.RefundedMinor != ord.PaidMinor {
		t.Errorf("order %s: %s refunded %d of %d; want CANCELLED and refunded in full", ord.Number, ord.Status, ord.RefundedMinor, ord.PaidMinor)
	}
	e.finalRow(got)
}

func TestDeadlineCancelRequestClosedByShipmentNeverActs(t *testing.T) {
	e := dlNewEnv(t)
	o, line := e.order(1, false)
	e.clock.Advance(time.Hour)
	opened := e.clock.Now()
	c := e.open(o, line, aftersales.OrderCancel, aftersales.NoReason, 0)
	c = e.expect("cancel requested", c, opened.Add(24*time.Hour), aftersales.DeadlineAutoApprove)
	e.clock.Advance(time.Hour)
	if err := e.as(e.owner, func(s *tenants.Session) error {
		_, err := aftersales.ShipOrder(e.ctx, s, orders.Key{StoreID: o.StoreID, ID: o.ID}, "Black Cat", "BC-12345678", nil, e.clock.Now())
		return err
	}); err != nil {
		t.Fatalf("ship: %v", err)
	}
	c = e.expect("closed by the shipment", c, time.Time{}, "")
	if c.Status != aftersales.Closed {
		t.Fatalf("cancel request after the shipment: %s, want CLOSED", c.Status)
	}
	e.wantRow("closed by the shipment", c, "CANCELLED", time.Time{})
	e.clock.Set(opened.Add(24 * time.Hour))
	e.runDue()
	if got := e.read(c); got.Version != c.Version || len(e.deadlineEvents(got)) != 0 {
		t.Errorf("at the old 24 h: %s (version %d → %d)", got.Status, c.Version, got.Version)
	}
	if ord := e.readOrder(c); ord.Status == orders.Cancelled || ord.RefundedMinor != 0 {
		t.Errorf("order %s: %s refunded %d; want it shipped, nothing refunded", ord.Number, ord.Status, ord.RefundedMinor)
	}
}

func TestDeadlineMerchantAnswersRefundOnlyAfterShipmentIn5Days(t *testing.T) {
	e := dlNewEnv(t)
	o, line := e.order(2, true)
	e.clock.Advance(time.Hour)
	opened := e.clock.Now()
	c := e.open(o, line, aftersales.RefundOnly, aftersales.QualityDefect, 2)
	due := opened.Add(5 * dlDay)
	if !c.RespondBy.Equal(due) {
		t.Fatalf("refund-only after shipment: respond by %s, want %s (5 days)", c.RespondBy, due)
	}
	got := e.edge(c, due, aftersales.DeadlineAutoApprove, "DEADLINE_APPROVE", aftersales.ReasonMerchantNoResponse)
	e.wantRefunded(got, 20000, due)
	e.finalRow(got)
}

func TestDeadlineMerchantAnswersComplaintBeforeShipmentIn48h(t *testing.T) {
	e := dlNewEnv(t)
	o, line := e.order(1, false) // paid, not shipped
	e.clock.Advance(time.Hour)
	opened := e.clock.Now()
	c := e.open(o, line, aftersales.Complaint, aftersales.OrderStatusAbnormal, 0)
	due := opened.Add(48 * time.Hour)
	if !c.RespondBy.Equal(due) {
		t.Fatalf("complaint before shipment: respond by %s, want %s (48 h)", c.RespondBy, due)
	}
	got := e.edge(c, due, aftersales.DeadlineToPlatform, "DEADLINE_ESCALATE", aftersales.ReasonMerchantNoResponse)
	if got.Status != aftersales.PlatformReview || dlDeref(got.EscalatedBy) != "SYSTEM" || !dlDeref(got.EscalatedAt).Equal(due) || got.FirstResponseAt != nil {
		t.Errorf("at 48 h: %s escalated by %s at %v, first response %v; want PLATFORM_REVIEW by SYSTEM at %s",
			got.Status, dlDeref(got.EscalatedBy), got.EscalatedAt, got.FirstResponseAt, due)
	}
	// The platform's 24 h are shown, and nothing acts on them.
	e.expect("in platform review", got, due.Add(24*time.Hour), aftersales.DeadlinePlatformAnswers)
	e.finalRow(got) // the row acted; nothing is pending
	e.clock.Set(due.Add(24*time.Hour + time.Second))
	e.runDue()
	if again := e.read(got); again.Version != got.Version || len(e.deadlineEvents(again)) != 1 {
		t.Errorf("after the platform's 24 h: version %d → %d, %d deadline events", got.Version, again.Version, len(e.deadlineEvents(again)))
	}
	e.wantNoMoney(got)
}

func TestDeadlineAutoApprovedReturnThenNotShippedIsWithdrawn(t *testing.T) {
	e := dlNewEnv(t)
	o, line := e.order(2, true)
	e.clock.Advance(time.Hour)
	c := e.open(o, line, aftersales.ReturnRefund, aftersales.QualityDefect, 1)
	approvedAt := c.RespondBy
	got := e.edge(c, approvedAt, aftersales.DeadlineAutoApprove, "DEADLINE_APPROVE", aftersales.ReasonMerchantNoResponse)
	if got.Status != aftersales.AwaitingReturn || !dlDeref(got.ApprovedAt).Equal(approvedAt) || dlDeref(got.ApprovedMinor) != dlUnitPrice {
		t.Fatalf("auto-approved return: %s approved %d at %v", got.Status, dlDeref(got.ApprovedMinor), got.ApprovedAt)
	}
	// The deadline that acted moved its own row to the buyer's 7 days.
	e.wantRow("after the auto-approval", got, "PENDING", approvedAt.Add(7*dlDay))
	got = e.edge(got, approvedAt.Add(7*dlDay), aftersales.DeadlineWithdraw, "DEADLINE_WITHDRAW", "did not ship the return")
	if got.Status != aftersales.Withdrawn || !dlDeref(got.ClosedAt).Equal(approvedAt.Add(7*dlDay)) {
		t.Errorf("not shipped: %s closed %v", got.Status, got.ClosedAt)
	}
	e.finalRow(got)
	e.wantNoMoney(got)
}

func TestDeadlineRevisionRestartsTheMerchantsWindow(t *testing.T) {
	e := dlNewEnv(t)
	o, line := e.order(2, true)
	e.clock.Advance(time.Hour)
	opened := e.clock.Now()
	c := e.open(o, line, aftersales.RefundOnly, aftersales.QualityDefect, 2)
	first := opened.Add(5 * dlDay)
	c = e.expect("opened", c, first, aftersales.DeadlineAutoApprove)

	e.clock.Advance(dlDay)
	rejected := e.clock.Now()
	c = e.mustReject(c)
	c = e.expect("rejected", c, rejected.Add(7*dlDay), aftersales.DeadlineClose)

	e.clock.Advance(dlDay)
	revised := e.clock.Now()
	c = e.must("revise", e.buyer, func(s *tenants.Session, now time.Time) (aftersales.Case, error) {
		v := c.Version
		return aftersales.Revise(e.ctx, s, aftersales.KeyOf(c), dlPtr(int64(15000)), dlPtr("only one ear works"), &v, now)
	})
	second := revised.Add(5 * dlDay)
	if c.Status != aftersales.Requested || !c.RespondBy.Equal(second) || c.Revisions != 1 || c.RejectedAt != nil {
		t.Fatalf("revised: %s respond by %s (want %s), revisions %d, rejected at %v", c.Status, c.RespondBy, second, c.Revisions, c.RejectedAt)
	}
	c = e.expect("revised", c, second, aftersales.DeadlineAutoApprove)

	// The first answer window no longer acts (it ends before the new one).
	e.clock.Set(first)
	e.runDue()
	if got := e.read(c); got.Version != c.Version || len(e.deadlineEvents(got)) != 0 {
		t.Fatalf("at the first answer window's end %s: %s (version %d → %d)", first, got.Status, c.Version, got.Version)
	}
	got := e.edge(c, second, aftersales.DeadlineAutoApprove, "DEADLINE_APPROVE", aftersales.ReasonMerchantNoResponse)
	e.wantRefunded(got, 15000, second)
	e.finalRow(got)
}

// ---- the buyer answers a rejection; the buyer ships the return ----

func TestDeadlineBuyerAnswersRejectionIn7Days(t *testing.T) {
	e := dlNewEnv(t)
	o, line := e.order(2, true)
	e.clock.Advance(time.Hour)
	c := e.open(o, line, aftersales.RefundOnly, aftersales.NotAsDescribed, 1)
	e.clock.Advance(time.Hour)
	rejected := e.clock.Now()
	c = e.mustReject(c)
	due := rejected.Add(7 * dlDay)
	got := e.edge(c, due, aftersales.DeadlineClose, "DEADLINE_WITHDRAW", "did not answer the rejection")
	if got.Status != aftersales.Closed || !dlDeref(got.ClosedAt).Equal(due) {
		t.Errorf("unanswered rejection: %s closed %v, want CLOSED at %s", got.Status, got.ClosedAt, due)
	}
	e.finalRow(got)
	e.wantNoMoney(got)
}

func TestDeadlineBuyerShipsReturnIn7DaysAfterApproval(t *testing.T) {
	e := dlNewEnv(t)
	o, line := e.order(2, true)
	e.clock.Advance(time.Hour)
	c := e.open(o, line, aftersales.ReturnRefund, aftersales.QualityDefect, 1)
	e.clock.Advance(time.Hour)
	approved := e.clock.Now()
	c = e.mustApprove(c)
	if c.Status != aftersales.AwaitingReturn {
		t.Fatalf("approved return: %s", c.Status)
	}
	due := approved.Add(7 * dlDay)
	got := e.edge(c, due, aftersales.DeadlineWithdraw, "DEADLINE_WITHDRAW", "did not ship the return")
	if got.Status != aftersales.Withdrawn || !dlDeref(got.ClosedAt).Equal(due) {
		t.Errorf("return not shipped: %s closed %v, want WITHDRAWN at %s", got.Status, got.ClosedAt, due)
	}
	e.finalRow(got)
	e.wantNoMoney(got)
}

// ---- the merchant confirms the return ----

// returned is a RETURN_REFUND (or EXCHANGE, WARRANTY_REPAIR) of one unit of a delivered order, approved and
// shipped back by the buyer, an hour apart each; shipped is when the return was shipped.
func (e *dlEnv) returned(typ aftersales.Type) (c aftersales.Case, shipped time.Time) {
	e.t.Helper()
	o, line := e.order(2, true)
	e.clock.Advance(time.Hour)
	c = e.open(o, line, typ, aftersales.QualityDefect, 1)
	e.clock.Advance(time.Hour)
	c = e.mustApprove(c)
	e.clock.Advance(time.Hour)
	shipped = e.clock.Now()
	c = e.shipReturn(c)
	if c.Status != aftersales.ReturnShipped {
		e.t.Fatalf("return shipped: %s", c.Status)
	}
	return e.expect("return shipped", c, shipped.Add(10*dlDay), aftersales.DeadlineAutoReceive), shipped
}

func TestDeadlineMerchantConfirmsDeliveredReturnIn7Days(t *testing.T) {
	e := dlNewEnv(t)
	c, shipped := e.returned(aftersales.ReturnRefund)
	e.clock.Set(shipped.Add(4 * dlDay))
	delivered := e.clock.Now()
	c = e.markReturnDelivered(c)
	due := delivered.Add(7 * dlDay) // 11 days after shipping: later than the untracked 10
	c = e.expect("return delivered", c, due, aftersales.DeadlineAutoReceive)

	// The untracked 10 days no longer act once the delivery is known.
	e.clock.Set(shipped.Add(10 * dlDay))
	e.runDue()
	if got := e.read(c); got.Version != c.Version || got.Status != aftersales.ReturnShipped {
		t.Fatalf("10 days after a tracked return shipped: %s (version %d → %d)", got.Status, c.Version, got.Version)
	}
	got := e.edge(c, due, aftersales.DeadlineAutoReceive, "DEADLINE_RECEIVE_RETURN", "did not confirm the return")
	e.wantRefunded(got, dlUnitPrice, due)
	if !dlDeref(got.ReturnReceivedAt).Equal(due) {
		t.Errorf("received at %v, want %s", got.ReturnReceivedAt, due)
	}
	e.finalRow(got)
}

func TestDeadlineMerchantConfirmsUntrackedReturnIn10Days(t *testing.T) {
	e := dlNewEnv(t)
	c, shipped := e.returned(aftersales.ReturnRefund)
	due := shipped.Add(10 * dlDay)
	got := e.edge(c, due, aftersales.DeadlineAutoReceive, "DEADLINE_RECEIVE_RETURN", "did not confirm the return")
	e.wantRefunded(got, dlUnitPrice, due)
	if !dlDeref(got.ReturnReceivedAt).Equal(due) || got.ReturnDeliveredAt != nil {
		t.Errorf("received at %v (delivered %v), want received at %s", got.ReturnReceivedAt, got.ReturnDeliveredAt, due)
	}
	e.finalRow(got)
}

// ---- the merchant reships an exchange / finishes a repair; the buyer confirms ----

func (e *dlEnv) lateReship(typ aftersales.Type, within time.Duration) {
	e.t.Helper()
	c, _ := e.returned(typ)
	e.clock.Advance(dlDay)
	received := e.clock.Now()
	c = e.receive(c)
	if c.Status != aftersales.AwaitingReship || c.RequestedMinor != 0 {
		e.t.Fatalf("received %s: %s asking %d", typ, c.Status, c.RequestedMinor)
	}
	due := received.Add(within)
	got := e.edge(c, due, aftersales.DeadlineConvertToRefund, "DEADLINE_RESHIP", aftersales.ReasonMerchantLateReship)
	// Converted to a refund of the lines' value (1 × 100.00).
	e.wantRefunded(got, dlUnitPrice, due)
	e.finalRow(got)
}

func TestDeadlineMerchantReshipsExchangeIn48h(t *testing.T) {
	dlNewEnv(t).lateReship(aftersales.Exchange, 48*time.Hour)
}

func TestDeadlineMerchantFinishesRepairIn15Days(t *testing.T) {
	dlNewEnv(t).lateReship(aftersales.WarrantyRepair, 15*dlDay)
}

func TestDeadlineBuyerConfirmsReshipmentIn10Days(t *testing.T) {
	for _, typ := range []aftersales.Type{aftersales.Exchange, aftersales.WarrantyRepair} {
		t.Run(string(typ), func(t *testing.T) {
			e := dlNewEnv(t)
			c, _ := e.returned(typ)
			e.clock.Advance(dlDay)
			c = e.receive(c)
			e.clock.Advance(dlDay)
			reshipped := e.clock.Now()
			c = e.reship(c)
			due := reshipped.Add(10 * dlDay)
			got := e.edge(c, due, aftersales.DeadlineAutoComplete, "DEADLINE_CONFIRM_RESHIP", "did not confirm")
			if got.Status != aftersales.CaseCompleted || !dlDeref(got.ClosedAt).Equal(due) {
				t.Errorf("unconfirmed reshipment: %s closed %v, want COMPLETED at %s", got.Status, got.ClosedAt, due)
			}
			e.finalRow(got)
			e.wantNoMoney(got)
		})
	}
}

// ---- a ruling nobody appeals ----

func TestDeadlineRulingWithoutAppealIsCarriedOutIn7Days(t *testing.T) {
	for _, forBuyer := range []bool{true, false} {
		t.Run(fmt.Sprintf("forBuyer=%v", forBuyer), func(t *testing.T) {
			e := dlNewEnv(t)
			o, line := e.order(2, true)
			e.clock.Advance(time.Hour)
			c := e.open(o, line, aftersales.RefundOnly, aftersales.QualityDefect, 2)
			e.clock.Advance(time.Hour)
			c = e.mustReject(c)
			e.clock.Advance(time.Hour)
			escalated := e.clock.Now()
			c = e.escalate(c)
			// The evidence windows are shown; the scheduler does not act on them.
			c = e.expect("escalated", c, escalated.Add(72*time.Hour), aftersales.DeadlineEvidenceCloses)
			e.wantRow("escalated", c, "CANCELLED", time.Time{})

			e.clock.Advance(dlDay)
			ruled := e.clock.Now()
			in := aftersales.Ruling{Liability: "BUYER", Note: "no defect shown"}
			if forBuyer {
				in = aftersales.Ruling{ForBuyer: true, AmountMinor: dlPtr(int64(15000)), Liability: "MERCHANT", Note: "the left ear is dead"}
			}
			c = e.must("rule", e.admin, func(s *tenants.Session, now time.Time) (aftersales.Case, error) {
				return aftersales.Rule(e.ctx, s, e.pay, aftersales.KeyOf(c), in, nil, now)
			})
			due := ruled.Add(7 * dlDay)
			got := e.edge(c, due, aftersales.DeadlineRulingFinal, "DEADLINE_DECIDE_APPEAL", "no appeal within 7 days")
			if forBuyer {
				e.wantRefunded(got, 15000, due)
			} else {
				if got.Status != aftersales.ClosedForMerchant || !dlDeref(got.ClosedAt).Equal(due) {
					t.Errorf("ruled for the merchant: %s closed %v, want CLOSED_FOR_MERCHANT at %s", got.Status, got.ClosedAt, due)
				}
				e.wantNoMoney(got)
			}
			e.finalRow(got)
		})
	}
}

// ---- the scheduler row follows every transition ----

func TestDeadlineRowFollowsEveryTransition(t *testing.T) {
	e := dlNewEnv(t)
	o, line := e.order(2, true)
	e.clock.Advance(time.Hour)
	opened := e.clock.Now()
	ex := e.open(o, line, aftersales.Exchange, aftersales.WrongItem, 1)
	wd := e.open(o, line, aftersales.ReturnRefund, aftersales.NoReason, 1)
	var stale []time.Time // every due time a transition moved away from
	ex = e.expect("exchange opened", ex, opened.Add(5*dlDay), aftersales.DeadlineAutoApprove)
	wd = e.expect("return opened", wd, opened.Add(5*dlDay), aftersales.DeadlineAutoApprove)
	stale = append(stale, opened.Add(5*dlDay))

	step := func(what string, fn func(aftersales.Case) aftersales.Case, wantStatus aftersales.Status, after time.Duration,
		action aftersales.DeadlineAction) {
		t.Helper()
		e.clock.Advance(time.Hour)
		now := e.clock.Now()
		ex = fn(ex)
		if ex.Status != wantStatus {
			t.Fatalf("%s: %s, want %s", what, ex.Status, wantStatus)
		}
		ex = e.expect(what, ex, now.Add(after), action)
		e.wantRow(what, ex, "PENDING", now.Add(after))
		stale = append(stale, now.Add(after))
	}
	step("approve", e.mustApprove, aftersales.AwaitingReturn, 7*dlDay, aftersales.DeadlineWithdraw)
	step("ship the return", e.shipReturn, aftersales.ReturnShipped, 10*dlDay, aftersales.DeadlineAutoReceive)
	step("return delivered", e.markReturnDelivered, aftersales.ReturnShipped, 7*dlDay, aftersales.DeadlineAutoReceive)
	step("receive", e.receive, aftersales.AwaitingReship, 48*time.Hour, aftersales.DeadlineConvertToRefund)
	step("reship", e.reship, aftersales.Reshipped, 10*dlDay, aftersales.DeadlineAutoComplete)
	stale = stale[:len(stale)-1] // the last one is still the current deadline, until the buyer confirms

	e.clock.Advance(time.Hour)
	ex = e.must("confirm", e.buyer, func(s *tenants.Session, now time.Time) (aftersales.Case, error) {
		return aftersales.ConfirmReship(e.ctx, s, aftersales.KeyOf(ex), nil, now)
	})
	if ex.Status != aftersales.CaseCompleted {
		t.Fatalf("confirmed: %s", ex.Status)
	}
	ex = e.expect("confirmed", ex, time.Time{}, "")
	e.wantRow("confirmed", ex, "CANCELLED", time.Time{})

	wd = e.must("withdraw", e.buyer, func(s *tenants.Session, now time.Time) (aftersales.Case, error) {
		return aftersales.Withdraw(e.ctx, s, aftersales.KeyOf(wd), nil, now)
	})
	wd = e.expect("withdrawn", wd, time.Time{}, "")
	e.wantRow("withdrawn", wd, "CANCELLED", time.Time{})

	// No deadline a transition moved or cancelled acts afterwards.
	for _, at := range append(stale, e.clock.Now().Add(30*dlDay)) {
		if at.Before(e.clock.Now()) {
			continue
		}
		e.clock.Set(at)
		e.runDue()
	}
	for _, c := range []aftersales.Case{ex, wd} {
		if got := e.read(c); got.Version != c.Version || len(e.deadlineEvents(got)) != 0 {
			t.Errorf("case %s after its old deadlines passed: %s (version %d → %d), %d deadline events",
				c.Number, got.Status, c.Version, got.Version, len(e.deadlineEvents(got)))
		}
	}
	e.wantRow("confirmed, later", ex, "CANCELLED", time.Time{})
	e.wantRow("withdrawn, later", wd, "CANCELLED", time.Time{})
}

// ---- two of the store's staff at once ----

// dlIsLoser reports whether err is how the second of two concurrent answers must fail: a version conflict,
// or (if it read the case after the first committed) the state refusal.
func dlIsLoser(err error, conflictAllowed bool) bool {
	var re *tenants.RuleError
	if errors.As(err, &re) && re.Code == "INVALID_STATE" {
		return true
	}
	if rules, ok := tenants.AsRuleErrors(err); ok && len(rules) == 1 && rules[0].Code == "INVALID_STATE" {
		return true
	}
	return conflictAllowed && errors.Is(err, tenants.ErrConflict)
}

// race has the owner approve and the agent reject the case at the same moment (with expected, or without
// a version when expected is nil).
func (e *dlEnv) race(c aftersales.Case, expected *int) (approveErr, rejectErr error) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	wg.Add(2)
	go func() {
		defer wg.Done()
		<-start
		_, approveErr = e.approve(e.owner, c, expected)
	}()
	go func() {
		defer wg.Done()
		<-start
		_, rejectErr = e.reject(e.agent, c, expected)
	}()
	close(start)
	wg.Wait()
	return approveErr, rejectErr
}

func (e *dlEnv) checkOneWinner(c aftersales.Case, approveErr, rejectErr error, conflictAllowed bool) {
	e.t.Helper()
	got := e.read(c)
	answers := e.countEvents(got, "APPROVE", "REJECT")
	n, _ := e.refunds(got)
	switch {
	case approveErr == nil && rejectErr == nil:
		e.t.Fatalf("case %s: both the approval and the rejection succeeded (now %s, %d answers)", c.Number, got.Status, answers)
	case approveErr != nil && rejectErr != nil:
		e.t.Fatalf("case %s: neither won: approve %v, reject %v", c.Number, approveErr, rejectErr)
	case approveErr == nil:
		if !dlIsLoser(rejectErr, conflictAllowed) {
			e.t.Errorf("case %s: the losing rejection got %v", c.Number, rejectErr)
		}
		if got.Status != aftersales.Refunded || n != 1 || e.countEvents(got, "APPROVE") != 1 {
			e.t.Errorf("case %s approved: %s, %d refunds, %d APPROVE events", c.Number, got.Status, n, e.countEvents(got, "APPROVE"))
		}
	default:
		if !dlIsLoser(approveErr, conflictAllowed) {
			e.t.Errorf("case %s: the losing approval got %v", c.Number, approveErr)
		}
		if got.Status != aftersales.Rejected || n != 0 || e.countEvents(got, "REJECT") != 1 {
			e.t.Errorf("case %s rejected: %s, %d refunds, %d REJECT events", c.Number, got.Status, n, e.countEvents(got, "REJECT"))
		}
	}
	if answers != 1 || got.Version != c.Version+1 {
		e.t.Errorf("case %s: %d APPROVE/REJECT events, version %d → %d; want exactly one answer", c.Number, answers, c.Version, got.Version)
	}
	e.consistent("after the race", got)
}

func TestConcurrentStaffApproveAndRejectWithVersionOneWins(t *testing.T) {
	e := dlNewEnv(t)
	wins := map[string]int{}
	for range 8 {
		o, line := e.order(1, true)
		e.clock.Advance(time.Minute)
		c := e.open(o, line, aftersales.RefundOnly, aftersales.QualityDefect, 1)
		e.clock.Advance(time.Minute)
		v := c.Version
		approveErr, rejectErr := e.race(c, &v)
		e.checkOneWinner(c, approveErr, rejectErr, true)
		if approveErr == nil {
			wins["approve"]++
		} else {
			wins["reject"]++
		}
		if errors.Is(approveErr, tenants.ErrConflict) || errors.Is(rejectErr, tenants.ErrConflict) {
			wins["conflict"]++
		}
	}
	t.Logf("8 races with the same expected version: %v", wins)
}

func TestConcurrentStaffApproveAndRejectWithoutVersion(t *testing.T) {
	e := dlNewEnv(t)
	// One after the other: the second sees the first's answer.
	for _, approveFirst := range []bool{true, false} {
		o, line := e.order(1, true)
		e.clock.Advance(time.Minute)
		c := e.open(o, line, aftersales.RefundOnly, aftersales.QualityDefect, 1)
		e.clock.Advance(time.Minute)
		var first, second error
		if approveFirst {
			_, first = e.approve(e.owner, c, nil)
			_, second = e.reject(e.agent, c, nil)
		} else {
			_, first = e.reject(e.agent, c, nil)
			_, second = e.approve(e.owner, c, nil)
		}
		if first != nil || !dlIsLoser(second, false) {
			t.Fatalf("approve first %v: first %v, second %v; want the second refused INVALID_STATE", approveFirst, first, second)
		}
		if approveFirst {
			e.checkOneWinner(c, first, second, false)
		} else {
			e.checkOneWinner(c, second, first, false)
		}
	}
	// At the same moment: the row lock orders them; the second sees INVALID_STATE (no version to conflict).
	for range 6 {
		o, line := e.order(1, true)
		e.clock.Advance(time.Minute)
		c := e.open(o, line, aftersales.RefundOnly, aftersales.QualityDefect, 1)
		e.clock.Advance(time.Minute)
		approveErr, rejectErr := e.race(c, nil)
		e.checkOneWinner(c, approveErr, rejectErr, false)
	}
}

func dlPtr[T any](v T) *T { return &v }
