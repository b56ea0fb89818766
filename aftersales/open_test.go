package aftersales_test

// Opening a case against real PostgreSQL (the app role, row-level security on), with orders the tests place,
// pay, ship and deliver themselves on a clock they move by hand: the case as written (number, reason category,
// amount, the store's answer deadline and its scheduler row, items, event), every refusal with its field,
// quantities left after a partial return, one open case per type, and who may open one.

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	as "tradeguard/aftersales"
	"tradeguard/demo"
	"tradeguard/internal/clock"
	"tradeguard/internal/testdb"
	"tradeguard/orders"
	"tradeguard/payments"
	"tradeguard/scheduler"
	"tradeguard/tenants"
)

// TestMain (testdb.Main) is declared in evidence_test.go: one per test binary.

var (
	openDemoNow = time.Date(2026, 6, 15, 2, 0, 0, 0, time.UTC)
	openEpochs  atomic.Int64
)

// openEnv is a fresh store (Asia/Taipei, TWD) with its owner, products of several categories and two fresh
// buyers, so every order and case of a test is its own.
type openEnv struct {
	t        *testing.T
	ctx      context.Context
	app      *sqlx.DB
	clock    *clock.Fake
	store    uuid.UUID
	merchant tenants.Principal
	buyer    tenants.Principal
	buyer2   tenants.Principal
	admin    tenants.Principal
	// products by name: phone (electronics, 100.00, 365 days), cable (electronics, 20.00: the gift),
	// soap (hygiene, 5.00, no warranty), fish (perishable, 8.00), shirt (apparel, 30.00, 90 days)
	products map[string]uuid.UUID
}

func newOpenEnv(t *testing.T) *openEnv {
	t.Helper()
	ctx := context.Background()
	_, app := testdb.Migrated(t)
	if _, err := demo.Load(ctx, app, openDemoNow); err != nil {
		t.Fatalf("demo data: %v", err)
	}
	e := &openEnv{t: t, ctx: ctx, app: app, store: uuid.New(), products: map[string]uuid.UUID{},
		clock: clock.NewFake(openDemoNow.Add(time.Duration(400+openEpochs.Add(1)*30) * 24 * time.Hour))}
	slug := "as-" + e.store.String()[:8]
	ownerID, b1, b2 := uuid.New(), uuid.New(), uuid.New()
	e.sys(func(tx *sqlx.Tx) error {
		if _, err := tx.Exec(`insert into stores (id, slug, name, category, currency, time_zone, created_at)
			values ($1, $2, $3, 'electronics', 'TWD', 'Asia/Taipei', $4)`, e.store, slug, "Store "+slug, openDemoNow); err != nil {
			return err
		}
		for _, u := range []struct {
			id          uuid.UUID
			email, role string
		}{{ownerID, "owner@" + slug + ".test", "MERCHANT"}, {b1, "b1@" + slug + ".test", "BUYER"}, {b2, "b2@" + slug + ".test", "BUYER"}} {
			if _, err := tx.Exec(`insert into users (id, email, password_hash, display_name, role, created_at, staff_store_id)
				values ($1, $2, 'x', 'Someone', $3, $4, case when $3 = 'MERCHANT' then $5::uuid end)`, u.id, u.email, u.role, openDemoNow, e.store); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(`insert into store_staff (tenant_id, user_id, staff_role) values ($1, $2, 'OWNER')`, e.store, ownerID); err != nil {
			return err
		}
		for _, p := range []struct {
			name, category string
			price          int64
			warranty       int
		}{{"phone", "electronics", 10000, 365}, {"cable", "electronics", 2000, 365}, {"soap", "hygiene", 500, 0},
			{"fish", "perishable", 800, 0}, {"shirt", "apparel", 3000, 90}} {
			id := uuid.New()
			if _, err := tx.Exec(`insert into products (tenant_id, id, sku, title, category, price_minor, currency, warranty_days)
				values ($1, $2, $3, $4, $5, $6, 'TWD', $7)`, e.store, id, "SKU-"+p.name, strings.ToUpper(p.name[:1])+p.name[1:],
				p.category, p.price, p.warranty); err != nil {
				return err
			}
			e.products[p.name] = id
		}
		return tx.Get(&e.admin.UserID, `select id from users where email = 'admin@tradeguard.test'`)
	})
	e.admin.Role = tenants.RoleAdmin
	e.merchant = tenants.Principal{Role: tenants.RoleMerchant, UserID: ownerID, StoreID: e.store, StaffRole: tenants.StaffOwner}
	e.buyer = tenants.Principal{Role: tenants.RoleBuyer, UserID: b1}
	e.buyer2 = tenants.Principal{Role: tenants.RoleBuyer, UserID: b2}
	return e
}

func (e *openEnv) sys(fn func(tx *sqlx.Tx) error) {
	e.t.Helper()
	if err := tenants.Run(e.ctx, e.app, tenants.System, fn); err != nil {
		e.t.Fatalf("as system: %v", err)
	}
}

// as runs fn in a request session of p: committed if fn succeeds, else rolled back.
func (e *openEnv) as(p tenants.Principal, fn func(s *tenants.Session) error) error {
	s := tenants.NewSession(e.app, p, false)
	if err := fn(s); err != nil {
		_ = s.Rollback()
		return err
	}
	return s.Commit()
}

func (e *openEnv) must(err error, what string) {
	e.t.Helper()
	if err != nil {
		e.t.Fatalf("%s: %v", what, err)
	}
}

// line is an order line by product name, with gifts by product name (quantity 1).
type openLine struct {
	product string
	qty     int
	gifts   []string
}

// order places and pays an order of the buyer at the clock's now.
func (e *openEnv) order(buyer tenants.Principal, lines ...openLine) orders.Order {
	e.t.Helper()
	in := orders.CreateInput{StoreID: e.store, PaymentMethod: "CARD", ShipName: "Lin Mei", ShipPhone: "+886 912 345 678",
		ShipAddress: "No. 1, Section 1, Zhongshan Rd, Taipei"}
	for _, l := range lines {
		li := orders.LineInput{ProductID: e.products[l.product], Quantity: l.qty}
		for _, g := range l.gifts {
			li.Gifts = append(li.Gifts, orders.GiftInput{ProductID: e.products[g], Quantity: 1})
		}
		in.Lines = append(in.Lines, li)
	}
	var o orders.Order
	e.must(e.as(buyer, func(s *tenants.Session) (err error) {
		if o, err = orders.Create(e.ctx, s, in, e.clock.Now()); err != nil {
			return err
		}
		o, err = orders.Pay(e.ctx, s, payments.Recorder{}, openKey(o), "pay-"+o.ID.String(), e.clock.Now())
		return err
	}), "create and pay")
	return o
}

func openKey(o orders.Order) orders.Key { return orders.Key{StoreID: o.StoreID, ID: o.ID} }

func (e *openEnv) ship(o orders.Order) orders.Order {
	e.t.Helper()
	e.must(e.as(e.merchant, func(s *tenants.Session) (err error) {
		o, err = orders.Ship(e.ctx, s, openKey(o), "Black Cat", "BC-12345678", nil, e.clock.Now())
		return err
	}), "ship")
	return o
}

func (e *openEnv) deliver(o orders.Order) orders.Order {
	e.t.Helper()
	e.must(e.as(e.merchant, func(s *tenants.Session) (err error) {
		o, err = orders.MarkDelivered(e.ctx, s, openKey(o), nil, e.clock.Now())
		return err
	}), "deliver")
	return o
}

// delivered is a paid order shipped a day later and delivered two days after that; the clock ends at the
// delivery.
func (e *openEnv) delivered(buyer tenants.Principal, lines ...openLine) orders.Order {
	e.t.Helper()
	o := e.order(buyer, lines...)
	e.clock.Advance(24 * time.Hour)
	o = e.ship(o)
	e.clock.Advance(48 * time.Hour)
	return e.deliver(o)
}

// items are the order's lines, by title.
func (e *openEnv) items(o orders.Order) map[string]orders.Item {
	e.t.Helper()
	s := tenants.NewSession(e.app, tenants.System, true)
	defer s.Rollback()
	got, err := orders.ItemsByOrders(e.ctx, s, []orders.Key{openKey(o)})
	e.must(err, "items")
	out := map[string]orders.Item{}
	for _, it := range got[openKey(o)] {
		out[it.Title] = it
	}
	return out
}

func (e *openEnv) open(p tenants.Principal, in as.OpenInput) (as.Case, error) {
	var c as.Case
	err := e.as(p, func(s *tenants.Session) (err error) {
		c, err = as.Open(e.ctx, s, in, e.clock.Now())
		return err
	})
	return c, err
}

func (e *openEnv) mustOpen(p tenants.Principal, in as.OpenInput) as.Case {
	e.t.Helper()
	c, err := e.open(p, in)
	e.must(err, "open")
	return c
}

// refused checks that err carries exactly the codes (in any order), each at its field ("code@field").
func openRefused(t *testing.T, err error, want ...string) tenants.RuleErrors {
	t.Helper()
	errs, ok := tenants.AsRuleErrors(err)
	if !ok {
		t.Fatalf("want %v, got %v", want, err)
	}
	var got []string
	for _, e := range errs {
		got = append(got, e.Code+"@"+strings.Join(e.Field, "."))
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("refusals %v, want %v (%v)", got, want, err)
	}
	return errs
}

func openContains(t *testing.T, err error, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("%q does not mention %q", err.Error(), p)
		}
	}
}

// stored re-reads the case and its items as the system.
func (e *openEnv) stored(c as.Case) (as.Case, []as.Item) {
	e.t.Helper()
	var cs []as.Case
	var items map[as.Key][]as.Item
	e.sys(func(tx *sqlx.Tx) (err error) {
		s := tenants.Attach(tx, tenants.System)
		if cs, err = as.ByKeys(e.ctx, s, []as.Key{as.KeyOf(c)}); err != nil {
			return err
		}
		items, err = as.ItemsByCases(e.ctx, s, []as.Key{as.KeyOf(c)})
		return err
	})
	if len(cs) != 1 {
		e.t.Fatalf("case %s: %d rows", c.Number, len(cs))
	}
	return cs[0], items[as.KeyOf(c)]
}

func (e *openEnv) deadline(c as.Case) scheduler.Deadline {
	e.t.Helper()
	var ds []scheduler.Deadline
	e.sys(func(tx *sqlx.Tx) error {
		return tx.Select(&ds, `select id, tenant_id, buyer_id, user_id, kind, subject_id, due_at, status, attempts, last_error
			from deadlines where kind = $1 and subject_id = $2`, as.KindCaseDeadline, c.ID)
	})
	if len(ds) != 1 {
		e.t.Fatalf("case %s: %d deadline rows", c.Number, len(ds))
	}
	return ds[0]
}

var openCaseNumber = regexp.MustCompile(`^AS-[0-9]{6}$`)

// checkOpened checks what every new case has: as returned and as stored, its answer deadline and its
// scheduler row, and the OPEN event.
func (e *openEnv) checkOpened(c as.Case, o orders.Order, respondWithin time.Duration, action as.DeadlineAction) {
	e.t.Helper()
	now := e.clock.Now()
	if !openCaseNumber.MatchString(c.Number) {
		e.t.Errorf("number %q", c.Number)
	}
	if c.StoreID != o.StoreID || c.OrderID != o.ID || c.BuyerID != o.BuyerID || c.Currency != o.Currency {
		e.t.Errorf("case %+v does not name order %s", c, o.Number)
	}
	if c.Status != as.Requested || c.Version != 1 || c.ReasonCategory != as.Categories[c.Reason] {
		e.t.Errorf("status %s version %d category %s", c.Status, c.Version, c.ReasonCategory)
	}
	if want := now.Add(respondWithin); !c.RespondBy.Equal(want) || c.DeadlineAt == nil || !c.DeadlineAt.Equal(want) ||
		c.DeadlineAction == nil || *c.DeadlineAction != string(action) {
		e.t.Errorf("respond by %s, deadline %v %v; want %s %s", c.RespondBy, c.DeadlineAt, c.DeadlineAction, want, action)
	}
	if !c.CreatedAt.Equal(now) || !c.UpdatedAt.Equal(now) {
		e.t.Errorf("created %s updated %s, want %s", c.CreatedAt, c.UpdatedAt, now)
	}
	got, _ := e.stored(c)
	if got.Number != c.Number || got.Type != c.Type || got.Reason != c.Reason || got.ReasonCategory != c.ReasonCategory ||
		got.RequestedMinor != c.RequestedMinor || !got.RespondBy.Equal(c.RespondBy) || got.Status != as.Requested ||
		got.DeadlineAt == nil || !got.DeadlineAt.Equal(*c.DeadlineAt) || *got.DeadlineAction != *c.DeadlineAction ||
		got.Version != 1 || got.Description != c.Description {
		e.t.Errorf("stored %+v\nreturned %+v", got, c)
	}
	d := e.deadline(c)
	if d.Status != "PENDING" || !d.DueAt.Equal(c.RespondBy) || d.TenantID == nil || *d.TenantID != c.StoreID ||
		d.BuyerID == nil || *d.BuyerID != c.BuyerID {
		e.t.Errorf("deadline %+v, want PENDING at %s", d, c.RespondBy)
	}
	var events []struct {
		Action   string     `db:"action"`
		Actor    string     `db:"actor"`
		ActorID  *uuid.UUID `db:"actor_id"`
		From     *string    `db:"from_status"`
		To       *string    `db:"to_status"`
		At       time.Time  `db:"at"`
		BuyerRow uuid.UUID  `db:"buyer_id"`
	}
	e.sys(func(tx *sqlx.Tx) error {
		return tx.Select(&events, `select action, actor, actor_id, from_status, to_status, at, buyer_id from case_events
			where tenant_id = $1 and case_id = $2 order by seq`, c.StoreID, c.ID)
	})
	if len(events) != 1 || events[0].Action != "OPEN" || events[0].Actor != "BUYER" || events[0].ActorID == nil ||
		*events[0].ActorID != c.BuyerID || events[0].From != nil || events[0].To == nil || *events[0].To != "REQUESTED" ||
		!events[0].At.Equal(now) {
		e.t.Errorf("events %+v", events)
	}
}

func TestOpenCancelRequest(t *testing.T) {
	e := newOpenEnv(t)
	o := e.order(e.buyer, openLine{"phone", 2, []string{"cable"}}, openLine{"shirt", 1, nil})
	e.clock.Advance(time.Hour)

	// A cancel request is the whole order: no items.
	its := e.items(o)
	_, err := e.open(e.buyer, as.OpenInput{Order: openKey(o), Type: as.OrderCancel, Reason: as.NoReason,
		Items: []as.OpenItem{{OrderItemID: its["Phone"].ID, Quantity: 1}}})
	openRefused(t, err, "ITEMS_NOT_ALLOWED@input.items")

	c := e.mustOpen(e.buyer, as.OpenInput{Order: openKey(o), Type: as.OrderCancel, Reason: as.NoReason, Description: "  changed my mind  "})
	e.checkOpened(c, o, 24*time.Hour, as.DeadlineAutoApprove)
	if c.RequestedMinor != o.RefundableMinor || c.RequestedMinor != 23000 || c.ReasonCategory != as.CategoryBuyer || c.Description != "changed my mind" {
		t.Errorf("requested %d (refundable %d), category %s, description %q", c.RequestedMinor, o.RefundableMinor, c.ReasonCategory, c.Description)
	}
	_, items := e.stored(c)
	got := map[uuid.UUID]int{}
	for _, it := range items {
		got[it.OrderItemID] = it.Quantity
	}
	if want := map[uuid.UUID]int{its["Phone"].ID: 2, its["Shirt"].ID: 1}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("case items %v, want every paid line in full %v (no gift)", got, want)
	}

	// One open cancel request at a time.
	_, err = e.open(e.buyer, as.OpenInput{Order: openKey(o), Type: as.OrderCancel, Reason: as.LateDelivery})
	openContains(t, err, c.Number)
	openRefused(t, err, "CASE_ALREADY_OPEN@input.type")

	// Once shipped, a cancel request is refused with the shipping date.
	o2 := e.order(e.buyer, openLine{"phone", 1, nil})
	e.clock.Advance(2 * time.Hour)
	o2 = e.ship(o2)
	_, err = e.open(e.buyer, as.OpenInput{Order: openKey(o2), Type: as.OrderCancel, Reason: as.NoReason})
	openRefused(t, err, "ALREADY_SHIPPED@input.orderId")
	openContains(t, err, o2.ShippedAt.In(eligTaipei).Format(time.RFC3339))
}

func TestOpenRespondWindows(t *testing.T) {
	e := newOpenEnv(t)
	// A complaint about a paid order that has not shipped: the store answers within 48 h, then the platform.
	o := e.order(e.buyer, openLine{"phone", 1, nil})
	c := e.mustOpen(e.buyer, as.OpenInput{Order: openKey(o), Type: as.Complaint, Reason: as.ServiceAttitude})
	e.checkOpened(c, o, 48*time.Hour, as.DeadlineToPlatform)
	if c.RequestedMinor != 0 || c.ReasonCategory != as.CategoryComplaint {
		t.Errorf("complaint asks %d, category %s", c.RequestedMinor, c.ReasonCategory)
	}

	// Not received, after shipment: 5 days.
	e.clock.Advance(time.Hour)
	o = e.ship(o)
	e.clock.Advance(10 * 24 * time.Hour)
	c = e.mustOpen(e.buyer, as.OpenInput{Order: openKey(o), Type: as.RefundOnly, Reason: as.NotReceived,
		Items: []as.OpenItem{{OrderItemID: e.items(o)["Phone"].ID, Quantity: 1}}})
	e.checkOpened(c, o, 5*24*time.Hour, as.DeadlineAutoApprove)
	if c.RequestedMinor != 10000 || c.ReasonCategory != as.CategoryFulfilment {
		t.Errorf("not received asks %d, category %s", c.RequestedMinor, c.ReasonCategory)
	}

	// A return after delivery: 5 days.
	o2 := e.delivered(e.buyer, openLine{"shirt", 2, nil})
	e.clock.Advance(time.Hour)
	c = e.mustOpen(e.buyer, as.OpenInput{Order: openKey(o2), Type: as.ReturnRefund, Reason: as.QualityDefect,
		Items: []as.OpenItem{{OrderItemID: e.items(o2)["Shirt"].ID, Quantity: 2}}, Description: "seams open"})
	e.checkOpened(c, o2, 5*24*time.Hour, as.DeadlineAutoApprove)
	if c.RequestedMinor != 6000 || c.ReasonCategory != as.CategoryQuality {
		t.Errorf("return asks %d, category %s", c.RequestedMinor, c.ReasonCategory)
	}
}

func TestOpenNotReceivedTooEarly(t *testing.T) {
	e := newOpenEnv(t)
	o := e.order(e.buyer, openLine{"phone", 1, nil})
	o = e.ship(o)
	in := as.OpenInput{Order: openKey(o), Type: as.RefundOnly, Reason: as.NotReceived,
		Items: []as.OpenItem{{OrderItemID: e.items(o)["Phone"].ID, Quantity: 1}}}
	opens := o.ShippedAt.Add(as.EstimatedDeliveryAfterShipping + 3*24*time.Hour)
	e.clock.Set(opens.Add(-time.Second))
	_, err := e.open(e.buyer, in)
	openRefused(t, err, "TOO_EARLY@input.reason")
	openContains(t, err, opens.In(eligTaipei).Format(time.RFC3339))
	e.clock.Set(opens)
	e.mustOpen(e.buyer, in)
}

func TestOpenReturnWindowsAndExclusions(t *testing.T) {
	e := newOpenEnv(t)
	o := e.delivered(e.buyer, openLine{"phone", 1, []string{"fish"}}, openLine{"soap", 3, nil}, openLine{"fish", 1, nil})
	its := e.items(o)
	item := func(title string, qty int, unopened bool) as.OpenItem {
		return as.OpenItem{OrderItemID: its[title].ID, Quantity: qty, Unopened: unopened}
	}
	var fishLine, fishGift orders.Item
	e.sys(func(tx *sqlx.Tx) error {
		return tx.Get(&fishLine.ID, `select id from order_items where tenant_id = $1 and order_id = $2 and title = 'Fish' and gift_of is null`, o.StoreID, o.ID)
	})
	e.sys(func(tx *sqlx.Tx) error {
		return tx.Get(&fishGift.ID, `select id from order_items where tenant_id = $1 and order_id = $2 and title = 'Fish' and gift_of is not null`, o.StoreID, o.ID)
	})
	noReason := func(items ...as.OpenItem) as.OpenInput {
		return as.OpenInput{Order: openKey(o), Type: as.ReturnRefund, Reason: as.NoReason, Items: items}
	}

	// A gift is not chosen on its own; a perishable gift riding on the phone goes with it.
	_, err := e.open(e.buyer, noReason(as.OpenItem{OrderItemID: fishGift.ID, Quantity: 1}))
	openRefused(t, err, "GIFT_NOT_SELECTABLE@input.items.0.orderItemId")
	openContains(t, err, `"Phone"`)

	// Excluded by law: perishable always, hygiene once opened; every line at once.
	_, err = e.open(e.buyer, noReason(item("Phone", 1, false), item("Soap", 1, false), as.OpenItem{OrderItemID: fishLine.ID, Quantity: 1, Unopened: true}))
	openRefused(t, err, "EXCLUDED_BY_LAW@input.items.1.orderItemId", "EXCLUDED_BY_LAW@input.items.2.orderItemId")
	openContains(t, err, "hygiene", "perishable")

	// Unopened hygiene goods may go back; the phone's gift rides along (not a case item).
	c := e.mustOpen(e.buyer, noReason(item("Phone", 1, false), item("Soap", 2, true)))
	e.checkOpened(c, o, 5*24*time.Hour, as.DeadlineAutoApprove)
	if c.RequestedMinor != 10000+2*500 || c.ReasonCategory != as.CategoryBuyer {
		t.Errorf("asks %d, category %s", c.RequestedMinor, c.ReasonCategory)
	}
	_, items := e.stored(c)
	if len(items) != 2 {
		t.Errorf("case items %+v", items)
	}
	e.must(e.as(e.buyer, func(s *tenants.Session) error {
		_, err := as.Withdraw(e.ctx, s, as.KeyOf(c), nil, e.clock.Now())
		return err
	}), "withdraw")

	// The 7 days end at the end of the 7th day after delivery, in Taipei.
	end := as.NoReasonReturnEnds(*o.DeliveredAt, eligTaipei)
	e.clock.Set(end.Add(-time.Second))
	c = e.mustOpen(e.buyer, noReason(item("Phone", 1, false)))
	e.must(e.as(e.buyer, func(s *tenants.Session) error {
		_, err := as.Withdraw(e.ctx, s, as.KeyOf(c), nil, e.clock.Now())
		return err
	}), "withdraw")
	e.clock.Set(end)
	_, err = e.open(e.buyer, noReason(item("Phone", 1, false)))
	openRefused(t, err, "WINDOW_CLOSED@input.reason")
	openContains(t, err, end.Add(-time.Second).In(eligTaipei).Format(time.RFC3339))

	// A quality return keeps its 15 days (24 h each).
	closes := o.DeliveredAt.Add(15 * 24 * time.Hour)
	quality := as.OpenInput{Order: openKey(o), Type: as.Exchange, Reason: as.NotAsDescribed, Items: []as.OpenItem{item("Phone", 1, false)}}
	e.clock.Set(closes)
	_, err = e.open(e.buyer, quality)
	openRefused(t, err, "WINDOW_CLOSED@input.reason")
	openContains(t, err, closes.In(eligTaipei).Format(time.RFC3339))
	e.clock.Set(closes.Add(-time.Second))
	c = e.mustOpen(e.buyer, quality)
	if c.RequestedMinor != 0 {
		t.Errorf("an exchange asks %d", c.RequestedMinor)
	}
	e.must(e.as(e.buyer, func(s *tenants.Session) error {
		_, err := as.Withdraw(e.ctx, s, as.KeyOf(c), nil, e.clock.Now())
		return err
	}), "withdraw")

	// Warranty: none for hygiene goods; the phone's 365 days.
	repair := func(items ...as.OpenItem) as.OpenInput {
		return as.OpenInput{Order: openKey(o), Type: as.WarrantyRepair, Reason: as.QualityDefect, Items: items}
	}
	_, err = e.open(e.buyer, repair(item("Soap", 1, false)))
	openRefused(t, err, "NO_WARRANTY@input.items.0.orderItemId")
	e.clock.Set(o.DeliveredAt.In(eligTaipei).AddDate(0, 0, 365))
	_, err = e.open(e.buyer, repair(item("Phone", 1, false)))
	openRefused(t, err, "WINDOW_CLOSED@input.items.0.orderItemId")
	e.clock.Set(o.DeliveredAt.In(eligTaipei).AddDate(0, 0, 365).Add(-time.Second))
	e.mustOpen(e.buyer, repair(item("Phone", 1, false)))
}

func TestOpenReturnableAfterPartialReturn(t *testing.T) {
	e := newOpenEnv(t)
	o := e.delivered(e.buyer, openLine{"phone", 2, []string{"cable"}})
	phone := e.items(o)["Phone"].ID
	ret := func(tp as.Type, r as.Reason, qty int) as.OpenInput {
		return as.OpenInput{Order: openKey(o), Type: tp, Reason: r, Items: []as.OpenItem{{OrderItemID: phone, Quantity: qty}}}
	}
	first := e.mustOpen(e.buyer, ret(as.ReturnRefund, as.QualityDefect, 1))
	if first.RequestedMinor != 10000 {
		t.Errorf("first asks %d", first.RequestedMinor)
	}

	// Same type: one open case per order.
	_, err := e.open(e.buyer, ret(as.ReturnRefund, as.WrongItem, 1))
	openRefused(t, err, "CASE_ALREADY_OPEN@input.type")
	openContains(t, err, first.Number)

	// Another type: only what is left.
	_, err = e.open(e.buyer, ret(as.RefundOnly, as.DamagedInTransit, 2))
	openRefused(t, err, "NOT_RETURNABLE@input.items.0.quantity")
	openContains(t, err, `"Phone"`, "1 left", "2 shipped", "1 already")
	second := e.mustOpen(e.buyer, ret(as.RefundOnly, as.DamagedInTransit, 1))

	// Nothing is left now, even for an exchange; complaints take no goods and are not counted.
	_, err = e.open(e.buyer, ret(as.Exchange, as.QualityDefect, 1))
	openRefused(t, err, "NOT_RETURNABLE@input.items.0.quantity")
	openContains(t, err, "0 left")
	e.mustOpen(e.buyer, as.OpenInput{Order: openKey(o), Type: as.Complaint, Reason: as.PriceFraud,
		Items: []as.OpenItem{{OrderItemID: phone, Quantity: 2}}})

	// A withdrawn case gives its quantity back (and no longer blocks its type).
	e.must(e.as(e.buyer, func(s *tenants.Session) error {
		_, err := as.Withdraw(e.ctx, s, as.KeyOf(first), nil, e.clock.Now())
		return err
	}), "withdraw")
	third := e.mustOpen(e.buyer, ret(as.ReturnRefund, as.WrongItem, 1))
	if third.Number == first.Number || third.Number == second.Number {
		t.Errorf("numbers %s %s %s", first.Number, second.Number, third.Number)
	}
}

func TestOpenInputAllAtOnce(t *testing.T) {
	e := newOpenEnv(t)
	o := e.delivered(e.buyer, openLine{"phone", 1, nil}, openLine{"shirt", 1, nil})
	its := e.items(o)
	negative := int64(-5)
	_, err := e.open(e.buyer, as.OpenInput{Order: openKey(o), Type: as.ReturnRefund, Reason: as.NotReceived,
		Description: strings.Repeat("é", 2001), AmountMinor: &negative,
		Items: []as.OpenItem{{OrderItemID: its["Phone"].ID, Quantity: 0}, {OrderItemID: uuid.New(), Quantity: 1},
			{OrderItemID: its["Shirt"].ID, Quantity: 2}, {OrderItemID: its["Shirt"].ID, Quantity: 1}}})
	openRefused(t, err, "REASON_NOT_ALLOWED@input.reason", "DESCRIPTION_TOO_LONG@input.description", "AMOUNT_NOT_POSITIVE@input.amount",
		"INVALID_QUANTITY@input.items.0.quantity", "UNKNOWN_ITEM@input.items.1.orderItemId",
		"NOT_RETURNABLE@input.items.2.quantity", "DUPLICATE_ITEM@input.items.3.orderItemId")

	_, err = e.open(e.buyer, as.OpenInput{Order: openKey(o), Type: "SWAP", Reason: "BORED"})
	openRefused(t, err, "INVALID_TYPE@input.type", "INVALID_REASON@input.reason")

	_, err = e.open(e.buyer, as.OpenInput{Order: openKey(o), Type: as.RefundOnly, Reason: as.WrongItem})
	openRefused(t, err, "ITEMS_REQUIRED@input.items")

	// Ids the API could not parse arrive as uuid.Nil: each is unknown, not a duplicate of the other.
	_, err = e.open(e.buyer, as.OpenInput{Order: openKey(o), Type: as.RefundOnly, Reason: as.WrongItem,
		Items: []as.OpenItem{{OrderItemID: uuid.Nil, Quantity: 1}, {OrderItemID: uuid.Nil, Quantity: 1}}})
	openRefused(t, err, "UNKNOWN_ITEM@input.items.0.orderItemId", "UNKNOWN_ITEM@input.items.1.orderItemId")

	// Exactly 2000 characters is fine.
	c := e.mustOpen(e.buyer, as.OpenInput{Order: openKey(o), Type: as.Complaint, Reason: as.OtherComplaint, Description: strings.Repeat("é", 2000)})
	if len([]rune(c.Description)) != 2000 {
		t.Errorf("description of %d characters", len([]rune(c.Description)))
	}
}

func TestOpenAmounts(t *testing.T) {
	e := newOpenEnv(t)
	o := e.delivered(e.buyer, openLine{"phone", 1, nil}, openLine{"shirt", 2, nil})
	its := e.items(o)
	amount := func(n int64) *int64 { return &n }
	in := func(tp as.Type, r as.Reason, a *int64) as.OpenInput {
		return as.OpenInput{Order: openKey(o), Type: tp, Reason: r, AmountMinor: a, Items: []as.OpenItem{{OrderItemID: its["Shirt"].ID, Quantity: 1}}}
	}
	// At most the chosen lines' value.
	_, err := e.open(e.buyer, in(as.RefundOnly, as.WrongItem, amount(3001)))
	openRefused(t, err, "INVALID_AMOUNT@input.amount")
	openContains(t, err, "30.00 TWD")
	_, err = e.open(e.buyer, in(as.RefundOnly, as.WrongItem, amount(0)))
	openRefused(t, err, "AMOUNT_NOT_POSITIVE@input.amount")
	c := e.mustOpen(e.buyer, in(as.RefundOnly, as.WrongItem, amount(3000)))
	if c.RequestedMinor != 3000 {
		t.Errorf("asks %d", c.RequestedMinor)
	}
	c = e.mustOpen(e.buyer, in(as.ReturnRefund, as.WrongItem, amount(1200)))
	if c.RequestedMinor != 1200 {
		t.Errorf("asks %d", c.RequestedMinor)
	}
	// A complaint without lines: at most the order's refundable balance.
	_, err = e.open(e.buyer, as.OpenInput{Order: openKey(o), Type: as.Complaint, Reason: as.PriceFraud, AmountMinor: amount(o.RefundableMinor + 1)})
	openRefused(t, err, "INVALID_AMOUNT@input.amount")
	openContains(t, err, "160.00 TWD")
	c = e.mustOpen(e.buyer, as.OpenInput{Order: openKey(o), Type: as.Complaint, Reason: as.PriceFraud, AmountMinor: amount(500)})
	if c.RequestedMinor != 500 {
		t.Errorf("complaint asks %d", c.RequestedMinor)
	}
}

func TestOpenWhoMay(t *testing.T) {
	e := newOpenEnv(t)
	o := e.order(e.buyer, openLine{"phone", 1, nil})
	in := as.OpenInput{Order: openKey(o), Type: as.OrderCancel, Reason: as.NoReason}

	// Another buyer's order answers like a missing one, before any input is looked at.
	if _, err := e.open(e.buyer2, in); !errors.Is(err, tenants.ErrNotFound) {
		t.Errorf("another buyer: %v", err)
	}
	bad := in
	bad.Type = "SWAP"
	if _, err := e.open(e.buyer2, bad); !errors.Is(err, tenants.ErrNotFound) {
		t.Errorf("another buyer, bad input: %v", err)
	}
	if _, err := e.open(e.buyer, as.OpenInput{Order: orders.Key{StoreID: o.StoreID, ID: uuid.New()}, Type: as.OrderCancel, Reason: as.NoReason}); !errors.Is(err, tenants.ErrNotFound) {
		t.Errorf("missing order: %v", err)
	}
	for name, p := range map[string]tenants.Principal{"merchant": e.merchant, "admin": e.admin, "system": tenants.System} {
		if _, err := e.open(p, in); !errors.Is(err, tenants.ErrForbidden) {
			t.Errorf("%s: %v", name, err)
		}
	}
	var n int
	e.sys(func(tx *sqlx.Tx) error {
		return tx.Get(&n, `select count(*) from cases where tenant_id = $1 and order_id = $2`, o.StoreID, o.ID)
	})
	if n != 0 {
		t.Fatalf("%d cases written by refused requests", n)
	}
	e.mustOpen(e.buyer, in)
}

func TestOpenArchivedProduct(t *testing.T) {
	// The store archives the product after the sale: the buyer no longer sees it in the catalogue, and the
	// case still opens with the line's category (or, without a policy for it, the store's).
	e := newOpenEnv(t)
	o := e.delivered(e.buyer, openLine{"phone", 1, nil})
	e.sys(func(tx *sqlx.Tx) error {
		_, err := tx.Exec(`update products set status = 'ARCHIVED' where tenant_id = $1 and id = $2`, e.store, e.products["phone"])
		return err
	})
	e.clock.Advance(200 * 24 * time.Hour)
	c := e.mustOpen(e.buyer, as.OpenInput{Order: openKey(o), Type: as.WarrantyRepair, Reason: as.QualityDefect,
		Items: []as.OpenItem{{OrderItemID: e.items(o)["Phone"].ID, Quantity: 1}}})
	e.checkOpened(c, o, 5*24*time.Hour, as.DeadlineAutoApprove)
}
