package main

// Order mutations over real HTTP: every mutation allowed and refused per role and state, what each caller is
// offered (availableActions), orderCreate's refusals, optimistic concurrency, isolation of stores and buyers,
// and the timeline and deadline fields. Orders live in fresh stores (the demo stores' orders are counted
// exactly elsewhere); the shared clock is never moved here.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
)

const (
	ordBuyerEmail  = "buyer11@tradeguard.test"
	ordBuyer2Email = "buyer12@tradeguard.test"
)

// ordFixture is a fresh store with every kind of caller, and a second fresh store for isolation.
type ordFixture struct {
	h          *harness
	st, other  fixtureStore
	buyer      string // the orders' buyer
	buyer2     string // another buyer
	owner      string // the store's OWNER
	otherOwner string // the other store's OWNER
	admin      string
	tokRW      string // partner token with ORDERS_READ and ORDERS_WRITE
	tokRO      string // partner token with ORDERS_READ only
}

func newOrdFixture(t *testing.T) *ordFixture {
	t.Helper()
	h := setup(t)
	f := &ordFixture{h: h, st: h.freshStore(t), other: h.freshStore(t)}
	f.buyer, f.buyer2 = h.login(t, ordBuyerEmail), h.login(t, ordBuyer2Email)
	f.owner, f.otherOwner, f.admin = h.login(t, f.st.OwnerEmail), h.login(t, f.other.OwnerEmail), h.login(t, adminEmail)
	_, f.tokRW = isoCreateToken(t, h, f.owner, "erp-rw", "ORDERS_READ", "ORDERS_WRITE")
	_, f.tokRO = isoCreateToken(t, h, f.owner, "erp-ro", "ORDERS_READ")
	return f
}

// tryOrder runs an order mutation and returns its payload and the raw response (top-level errors allowed).
func (h *harness) tryOrder(t *testing.T, token, mutation string, input map[string]any) (orderPayload, gqlResponse) {
	t.Helper()
	r := h.post(t, token, `mutation($i: `+inputType(mutation)+`!) { `+mutation+`(input: $i) { order { `+orderFields+` } userErrors { code field message } } }`,
		map[string]any{"i": input})
	var p orderPayload
	if raw, present := r.Data[mutation]; present && string(raw) != "null" {
		field(t, r, mutation, &p)
	}
	return p, r
}

// step runs a mutation that must succeed and returns the order.
func (f *ordFixture) step(t *testing.T, token, mutation string, input map[string]any) orderView {
	t.Helper()
	p := f.h.mutateOrder(t, token, mutation, input)
	if p.Order == nil || len(p.UserErrors) > 0 {
		t.Fatalf("%s: %+v", mutation, p.UserErrors)
	}
	return *p.Order
}

// orderIn makes a new order of the fixture's buyer and takes it to the status through the API.
func (f *ordFixture) orderIn(t *testing.T, status string) orderView {
	t.Helper()
	o := f.h.newOrder(t, f.buyer, f.st)
	if status == "CANCELLED" {
		return f.step(t, f.buyer, "orderCancel", map[string]any{"orderId": o.ID})
	}
	for _, s := range []struct{ status, token, mutation string }{
		{"PAID", f.buyer, "orderPay"}, {"SHIPPED", f.owner, "orderShip"}, {"DELIVERED", f.owner, "orderMarkDelivered"},
		{"COMPLETED", f.buyer, "orderConfirmReceipt"},
	} {
		if o.Status == status {
			break
		}
		o = f.step(t, s.token, s.mutation, ordInput(s.mutation, o.ID))
	}
	if o.Status != status {
		t.Fatalf("could not take an order to %s (it is %s)", status, o.Status)
	}
	return o
}

// ordInput is a well-formed input of the mutation for the order.
func ordInput(mutation, orderID string) map[string]any {
	in := map[string]any{"orderId": orderID}
	switch mutation {
	case "orderPay":
		in["idempotencyKey"] = "pay-" + uuid.NewString()
	case "orderShip":
		in["carrier"], in["trackingNumber"] = "Black Cat", "BC-12345678"
	case "orderCancel":
		in["reason"] = "out of stock"
	}
	return in
}

// read reads the order as its store's owner.
func (f *ordFixture) read(t *testing.T, id string) orderView {
	t.Helper()
	r := ok(t, f.h.post(t, f.owner, `query($id: ID!) { order(id: $id) { `+orderFields+` } }`, map[string]any{"id": id}))
	var o *orderView
	field(t, r, "order", &o)
	if o == nil {
		t.Fatalf("owner cannot read order %s", id)
	}
	return *o
}

var ordStatuses = []string{"PENDING_PAYMENT", "PAID", "SHIPPED", "DELIVERED", "COMPLETED", "CANCELLED"}

var ordMutations = []string{"orderPay", "orderShip", "orderMarkDelivered", "orderConfirmReceipt", "orderCancel"}

// ordWant is the expected answer of a mutation by a caller on an order in a state: "ok", a top-level code
// (FORBIDDEN) or a userError code. Written from the schema's role notes and DESIGN §3.1.
func ordWant(who, mutation, status string) string {
	roles := map[string][]string{
		"orderPay":            {"buyer"},
		"orderShip":           {"owner", "token-rw"},
		"orderMarkDelivered":  {"owner", "token-rw", "admin"},
		"orderConfirmReceipt": {"buyer"},
		"orderCancel":         {"buyer", "owner", "token-rw", "admin"},
	}
	if !slices.Contains(roles[mutation], who) {
		return "FORBIDDEN"
	}
	states := map[string][]string{
		"orderPay":            {"PENDING_PAYMENT"},
		"orderShip":           {"PAID"},
		"orderMarkDelivered":  {"SHIPPED"},
		"orderConfirmReceipt": {"DELIVERED"},
		"orderCancel":         {"PENDING_PAYMENT", "PAID"},
	}
	if mutation == "orderCancel" && who == "buyer" {
		if status == "PAID" {
			return "USE_CANCEL_REQUEST"
		}
		states[mutation] = []string{"PENDING_PAYMENT"}
	}
	if !slices.Contains(states[mutation], status) {
		return "INVALID_STATE"
	}
	return "ok"
}

// eventOf is the timeline action each mutation writes.
var eventOf = map[string]string{"orderPay": "PAY", "orderShip": "SHIP", "orderMarkDelivered": "MARK_DELIVERED",
	"orderConfirmReceipt": "CONFIRM_RECEIPT", "orderCancel": "CANCEL"}

// after is the status an allowed mutation leads to.
var after = map[string]string{"orderPay": "PAID", "orderShip": "SHIPPED", "orderMarkDelivered": "DELIVERED",
	"orderConfirmReceipt": "COMPLETED", "orderCancel": "CANCELLED"}

func TestOrderMutationsPerRoleAndState(t *testing.T) {
	f := newOrdFixture(t)
	tokens := map[string]string{"buyer": f.buyer, "owner": f.owner, "token-rw": f.tokRW, "token-ro": f.tokRO, "admin": f.admin}
	actors := map[string]string{"buyer": "BUYER", "owner": "MERCHANT", "token-rw": "MERCHANT", "admin": "ADMIN"}
	// Refusals change nothing, so they share one order per state; each allowed call gets an order of its own.
	shared := map[string]orderView{}
	for _, s := range ordStatuses {
		shared[s] = f.orderIn(t, s)
	}
	for _, who := range []string{"buyer", "owner", "token-rw", "token-ro", "admin"} {
		for _, m := range ordMutations {
			for _, s := range ordStatuses {
				want := ordWant(who, m, s)
				t.Run(fmt.Sprintf("%s %s on %s", who, m, s), func(t *testing.T) {
					o := shared[s]
					if want == "ok" {
						o = f.orderIn(t, s)
					}
					p, r := f.h.tryOrder(t, tokens[who], m, ordInput(m, o.ID))
					switch want {
					case "ok":
						if r.code() != "" || p.Order == nil || len(p.UserErrors) != 0 {
							t.Fatalf("want success, got %s %+v %+v", r.code(), r.Errors, p.UserErrors)
						}
						got := p.Order
						if got.Status != after[m] || got.Version != o.Version+1 {
							t.Fatalf("%s → %s v%d, want %s v%d", s, got.Status, got.Version, after[m], o.Version+1)
						}
						last := got.Timeline[len(got.Timeline)-1]
						if last.Actor != actors[who] || last.Action != eventOf[m] {
							t.Fatalf("last event %+v", last)
						}
						if m == "orderCancel" {
							kind := map[string]string{"buyer": "BUYER", "owner": "MERCHANT", "token-rw": "MERCHANT", "admin": "ADMIN"}[who]
							if got.CancelKind == nil || *got.CancelKind != kind || got.Refunded.Amount != got.Paid.Amount {
								t.Fatalf("cancelled: kind %v, paid %s refunded %s", got.CancelKind, got.Paid.Amount, got.Refunded.Amount)
							}
						}
						return
					case "FORBIDDEN":
						if r.code() != "FORBIDDEN" || !isoIsNull(r, m) {
							t.Fatalf("want FORBIDDEN, got %q %+v data %s", r.code(), r.Errors, r.Data[m])
						}
					default:
						if r.code() != "" || p.Order != nil || len(p.UserErrors) != 1 || p.UserErrors[0].Code != want {
							t.Fatalf("want userError %s, got %q %+v %+v", want, r.code(), r.Errors, p)
						}
						if !strings.Contains(p.UserErrors[0].Message, o.Number) {
							t.Fatalf("%s does not name order %s: %q", want, o.Number, p.UserErrors[0].Message)
						}
					}
					if now := f.read(t, o.ID); now.Version != o.Version || now.Status != o.Status || len(now.Timeline) != len(o.Timeline) {
						t.Fatalf("a refusal changed the order: %s v%d → %s v%d", o.Status, o.Version, now.Status, now.Version)
					}
				})
			}
		}
	}
}

func TestOrderMutationRefusalsNameTheRule(t *testing.T) {
	f := newOrdFixture(t)
	h := f.h
	pending, paid := f.orderIn(t, "PENDING_PAYMENT"), f.orderIn(t, "PAID")
	userErr := func(t *testing.T, token, mutation string, in map[string]any, code string, fieldPath ...string) userError {
		t.Helper()
		p, r := h.tryOrder(t, token, mutation, in)
		if r.code() != "" || p.Order != nil || len(p.UserErrors) != 1 {
			t.Fatalf("%s: want one userError %s, got %q %+v %+v", mutation, code, r.code(), r.Errors, p)
		}
		ue := p.UserErrors[0]
		if ue.Code != code || !slices.Equal(ue.Field, fieldPath) {
			t.Fatalf("%s: userError %+v, want %s at %v", mutation, ue, code, fieldPath)
		}
		return ue
	}
	t.Run("ship an unpaid order", func(t *testing.T) {
		ue := userErr(t, f.owner, "orderShip", ordInput("orderShip", pending.ID), "INVALID_STATE")
		if !strings.Contains(ue.Message, pending.Number) || !strings.Contains(ue.Message, "PENDING_PAYMENT") {
			t.Fatalf("message %q should name order %s and its state", ue.Message, pending.Number)
		}
	})
	t.Run("merchant cancels without a reason", func(t *testing.T) {
		for _, reason := range []any{nil, "", "   "} {
			in := map[string]any{"orderId": paid.ID}
			if reason != nil {
				in["reason"] = reason
			}
			userErr(t, f.owner, "orderCancel", in, "REASON_REQUIRED", "input", "reason")
			userErr(t, f.admin, "orderCancel", in, "REASON_REQUIRED", "input", "reason")
			userErr(t, f.tokRW, "orderCancel", in, "REASON_REQUIRED", "input", "reason")
		}
		userErr(t, f.owner, "orderCancel", map[string]any{"orderId": paid.ID, "reason": strings.Repeat("r", 501)},
			"REASON_TOO_LONG", "input", "reason")
	})
	t.Run("buyer cancels a paid order", func(t *testing.T) {
		ue := userErr(t, f.buyer, "orderCancel", map[string]any{"orderId": paid.ID}, "USE_CANCEL_REQUEST")
		if !strings.Contains(ue.Message, paid.Number) {
			t.Fatalf("message %q does not name the order", ue.Message)
		}
	})
	t.Run("bad shipment details", func(t *testing.T) {
		userErr(t, f.owner, "orderShip", map[string]any{"orderId": paid.ID, "carrier": "HCT", "trackingNumber": "x"},
			"INVALID_TRACKING_NUMBER", "input", "trackingNumber")
		userErr(t, f.owner, "orderShip", map[string]any{"orderId": paid.ID, "carrier": " ", "trackingNumber": "HCT-1234"},
			"INVALID_CARRIER", "input", "carrier")
	})
	t.Run("payment needs a key", func(t *testing.T) {
		userErr(t, f.buyer, "orderPay", map[string]any{"orderId": pending.ID, "idempotencyKey": " "},
			"IDEMPOTENCY_KEY_REQUIRED", "input", "idempotencyKey")
	})
	t.Run("declined payment, then paid with a new key", func(t *testing.T) {
		o := f.orderIn(t, "PENDING_PAYMENT")
		key := "decline-" + uuid.NewString()
		for range 2 { // the retry answers the same, without charging again
			ue := userErr(t, f.buyer, "orderPay", map[string]any{"orderId": o.ID, "idempotencyKey": key}, "PAYMENT_DECLINED")
			if !strings.Contains(ue.Message, "declined") {
				t.Fatalf("message %q", ue.Message)
			}
		}
		if n := h.sysCount(t, `select count(*) from payment_transactions where idempotency_key = $1 and status = 'FAILED'`, key); n != 1 {
			t.Fatalf("%d FAILED charges recorded for the declined key, want 1", n)
		}
		if now := f.read(t, o.ID); now.Status != "PENDING_PAYMENT" || now.Version != o.Version {
			t.Fatalf("declined order: %s v%d", now.Status, now.Version)
		}
		paid := f.step(t, f.buyer, "orderPay", map[string]any{"orderId": o.ID, "idempotencyKey": "ok-" + uuid.NewString()})
		if paid.Status != "PAID" || paid.Paid.Amount != o.Total.Amount {
			t.Fatalf("paid: %+v", paid)
		}
	})
	t.Run("partner token scopes", func(t *testing.T) {
		o := f.orderIn(t, "PAID")
		_, r := h.tryOrder(t, f.tokRO, "orderShip", ordInput("orderShip", o.ID))
		if r.code() != "FORBIDDEN" {
			t.Fatalf("read-only token ships: %q %+v", r.code(), r.Errors)
		}
		if got := f.step(t, f.tokRW, "orderShip", ordInput("orderShip", o.ID)); got.Status != "SHIPPED" {
			t.Fatalf("read-write token ships: %+v", got)
		}
	})
	t.Run("a token without ORDERS_READ reads no order through a mutation", func(t *testing.T) {
		// Order: "Roles: its buyer, its store's MERCHANT (scope ORDERS_READ), ADMIN". A write-only token may be
		// allowed to act, but the payload must not show it more than order(id) does.
		_, wo := isoCreateToken(t, h, f.owner, "erp-write-only", "ORDERS_WRITE")
		o := f.orderIn(t, "PAID")
		r := h.post(t, wo, `query($id: ID!) { order(id: $id) { number } }`, map[string]any{"id": o.ID})
		if !isoIsNull(r, "order") {
			t.Skipf("a write-only token reads orders (%s); nothing to compare", r.Data["order"])
		}
		p, r := h.tryOrder(t, wo, "orderShip", ordInput("orderShip", o.ID))
		if p.Order != nil {
			t.Fatalf("order(id) refuses the write-only token (%s), but orderShip's payload shows the order: %s %s, timeline %v",
				r.code(), p.Order.Number, p.Order.Status, p.Order.Timeline)
		}
	})
	t.Run("refund failure rolls the cancellation back", func(t *testing.T) {
		o := f.orderIn(t, "PAID")
		h.FailRefunds.Store(true)
		defer h.FailRefunds.Store(false)
		_, r := h.tryOrder(t, f.owner, "orderCancel", ordInput("orderCancel", o.ID))
		if r.code() != "INTERNAL" {
			t.Fatalf("cancel while refunds fail: %q %+v", r.code(), r.Errors)
		}
		if msg := r.Errors[0].Message; strings.Contains(msg, "unreachable") || strings.Contains(strings.ToLower(msg), "sql") {
			t.Fatalf("internal error leaks details: %q", msg)
		}
		if now := f.read(t, o.ID); now.Status != "PAID" || now.Version != o.Version || now.Refunded.Amount != "0.00" {
			t.Fatalf("after a failed refund: %s v%d refunded %s", now.Status, now.Version, now.Refunded.Amount)
		}
		h.FailRefunds.Store(false)
		if got := f.step(t, f.owner, "orderCancel", ordInput("orderCancel", o.ID)); got.Status != "CANCELLED" || got.Refunded.Amount != got.Paid.Amount {
			t.Fatalf("cancel once refunds work: %+v", got)
		}
	})
}

func TestOrderAvailableActionsPerRole(t *testing.T) {
	f := newOrdFixture(t)
	want := map[string]map[string][]string{
		"PENDING_PAYMENT": {"buyer": {"PAY", "CANCEL"}, "owner": {"CANCEL"}, "token-rw": {"CANCEL"}, "admin": {"CANCEL"}},
		"PAID":            {"owner": {"SHIP", "CANCEL"}, "token-rw": {"SHIP", "CANCEL"}, "admin": {"CANCEL"}},
		"SHIPPED":         {"owner": {"MARK_DELIVERED"}, "token-rw": {"MARK_DELIVERED"}, "admin": {"MARK_DELIVERED"}},
		"DELIVERED":       {"buyer": {"CONFIRM_RECEIPT"}},
		"COMPLETED":       {},
		"CANCELLED":       {},
	}
	tokens := map[string]string{"buyer": f.buyer, "owner": f.owner, "token-rw": f.tokRW, "token-ro": f.tokRO, "admin": f.admin}
	for _, s := range ordStatuses {
		o := f.orderIn(t, s)
		for who, tok := range tokens {
			r := ok(t, f.h.post(t, tok, `query($id: ID!) { order(id: $id) { status availableActions } }`, map[string]any{"id": o.ID}))
			var got *struct {
				Status           string
				AvailableActions []string
			}
			field(t, r, "order", &got)
			if got == nil {
				t.Fatalf("%s cannot read the %s order", who, s)
			}
			w := want[s][who]
			if w == nil {
				w = []string{}
			}
			if got.AvailableActions == nil || !slices.Equal(got.AvailableActions, w) {
				t.Errorf("%s on a %s order: availableActions %v, want %v", who, s, got.AvailableActions, w)
			}
		}
		// Callers who cannot see the order get nothing at all.
		for _, tok := range []string{f.buyer2, f.otherOwner} {
			isoExpectNull(t, f.h.post(t, tok, `query($id: ID!) { order(id: $id) { availableActions } }`, map[string]any{"id": o.ID}), "order")
		}
	}
}

func TestOrderCreateRefusals(t *testing.T) {
	h := setup(t)
	buyer := h.login(t, ordBuyerEmail)
	st, other := h.freshStore(t), h.freshStore(t)
	h.asSystem(t, func(tx *sqlx.Tx) {
		if _, err := tx.Exec(`update products set status = 'ARCHIVED' where tenant_id = $1 and id = $2`, st.UUID, st.ProductUUIDs[3]); err != nil {
			t.Fatal(err)
		}
	})
	archived := st.ProductIDs[3]
	countOrders := func(s fixtureStore) int {
		return h.sysCount(t, `select count(*) from orders where tenant_id = $1`, s.UUID)
	}
	base := func() map[string]any {
		return map[string]any{"storeId": st.StoreID, "paymentMethod": "CARD",
			"shippingAddress": map[string]any{"name": "Lin Mei", "phone": "+886 912 345 678", "address": "No. 1, Zhongshan Rd, Taipei"},
			"lines": []any{
				map[string]any{"productId": st.ProductIDs[0], "quantity": 1},
				map[string]any{"productId": st.ProductIDs[1], "quantity": 1,
					"gifts": []any{map[string]any{"productId": st.ProductIDs[2], "quantity": 1}}},
			}}
	}
	line := func(in map[string]any, i int) map[string]any { return in["lines"].([]any)[i].(map[string]any) }
	type wantErr struct {
		code  string
		field []string
	}
	for _, tc := range []struct {
		name   string
		change func(in map[string]any)
		want   []wantErr
	}{
		{"another store's product", func(in map[string]any) { line(in, 1)["productId"] = other.ProductIDs[0] },
			[]wantErr{{"PRODUCT_UNAVAILABLE", []string{"input", "lines", "1", "productId"}}}},
		{"an archived product", func(in map[string]any) { line(in, 0)["productId"] = archived },
			[]wantErr{{"PRODUCT_UNAVAILABLE", []string{"input", "lines", "0", "productId"}}}},
		{"an archived gift", func(in map[string]any) { line(in, 1)["gifts"].([]any)[0].(map[string]any)["productId"] = archived },
			[]wantErr{{"PRODUCT_UNAVAILABLE", []string{"input", "lines", "1", "gifts", "0", "productId"}}}},
		{"a product id that is not one", func(in map[string]any) { line(in, 0)["productId"] = "bm90LWFuLWlk" },
			[]wantErr{{"PRODUCT_UNAVAILABLE", []string{"input", "lines", "0", "productId"}}}},
		{"a missing product", func(in map[string]any) { line(in, 0)["productId"] = fixtureGlobalID("Product", st.UUID, uuid.New()) },
			[]wantErr{{"PRODUCT_UNAVAILABLE", []string{"input", "lines", "0", "productId"}}}},
		{"quantity 0", func(in map[string]any) { line(in, 0)["quantity"] = 0 },
			[]wantErr{{"INVALID_QUANTITY", []string{"input", "lines", "0", "quantity"}}}},
		{"quantity 100", func(in map[string]any) { line(in, 1)["quantity"] = 100 },
			[]wantErr{{"INVALID_QUANTITY", []string{"input", "lines", "1", "quantity"}}}},
		{"gift quantity 0", func(in map[string]any) { line(in, 1)["gifts"].([]any)[0].(map[string]any)["quantity"] = 0 },
			[]wantErr{{"INVALID_QUANTITY", []string{"input", "lines", "1", "gifts", "0", "quantity"}}}},
		{"no lines", func(in map[string]any) { in["lines"] = []any{} },
			[]wantErr{{"INVALID_LINES", []string{"input", "lines"}}}},
		{"bad phone", func(in map[string]any) { in["shippingAddress"].(map[string]any)["phone"] = "call me" },
			[]wantErr{{"INVALID_PHONE", []string{"input", "shippingAddress", "phone"}}}},
		{"malformed store id", func(in map[string]any) { in["storeId"] = "nope" },
			[]wantErr{{"STORE_NOT_FOUND", []string{"input", "storeId"}}}},
		{"missing store", func(in map[string]any) { in["storeId"] = fixtureGlobalID("Store", uuid.New()) },
			[]wantErr{{"STORE_NOT_FOUND", []string{"input", "storeId"}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := countOrders(st)
			in := base()
			tc.change(in)
			p, r := h.tryOrder(t, buyer, "orderCreate", in)
			if r.code() != "" || p.Order != nil || len(p.UserErrors) != len(tc.want) {
				t.Fatalf("want %v, got %q %+v %+v", tc.want, r.code(), r.Errors, p)
			}
			for i, w := range tc.want {
				if ue := p.UserErrors[i]; ue.Code != w.code || !slices.Equal(ue.Field, w.field) || ue.Message == "" {
					t.Fatalf("userError %d: %+v, want %s at %v", i, ue, w.code, w.field)
				}
			}
			if n := countOrders(st); n != before {
				t.Fatalf("a refused order was written (%d → %d orders)", before, n)
			}
		})
	}
	t.Run("the valid order goes through", func(t *testing.T) {
		p := h.mutateOrder(t, buyer, "orderCreate", base())
		if p.Order == nil || p.Order.Total.Amount != "3019.80" { // 1009.90 + 2009.90; the gift is free
			t.Fatalf("valid order: %+v", p)
		}
	})
	t.Run("a store that is not accepting orders", func(t *testing.T) {
		cl := h.freshStore(t)
		closesAt := h.Clock.Now().Add(48 * time.Hour)
		for _, status := range []string{"CLOSING", "CLOSED", "SUSPENDED"} {
			h.asSystem(t, func(tx *sqlx.Tx) {
				if _, err := tx.Exec(`update stores set status = $2, closes_at = $3,
					closed_at = case when $2 = 'CLOSED' then $4::timestamptz end where id = $1`,
					cl.UUID, status, closesAt, h.Clock.Now()); err != nil {
					t.Fatal(err)
				}
			})
			in := base()
			in["storeId"] = cl.StoreID
			in["lines"] = []any{map[string]any{"productId": cl.ProductIDs[0], "quantity": 1}}
			p, r := h.tryOrder(t, buyer, "orderCreate", in)
			if r.code() != "" || p.Order != nil || len(p.UserErrors) != 1 || p.UserErrors[0].Code != "STORE_NOT_ACCEPTING_ORDERS" ||
				!slices.Equal(p.UserErrors[0].Field, []string{"input", "storeId"}) {
				t.Fatalf("%s store: %q %+v %+v", status, r.code(), r.Errors, p)
			}
			if status == "CLOSING" && !strings.Contains(p.UserErrors[0].Message, closesAt.UTC().Format(time.RFC3339)) {
				t.Fatalf("closing store: the message should say when it closes (%s): %q", closesAt.UTC().Format(time.RFC3339), p.UserErrors[0].Message)
			}
		}
		if n := countOrders(cl); n != 0 {
			t.Fatalf("%d orders in a store that takes none", n)
		}
	})
	t.Run("only buyers place orders", func(t *testing.T) {
		for who, tok := range map[string]string{"merchant": h.login(t, st.OwnerEmail), "admin": h.login(t, adminEmail)} {
			_, r := h.tryOrder(t, tok, "orderCreate", base())
			if r.code() != "FORBIDDEN" {
				t.Fatalf("%s orderCreate: %q %+v", who, r.code(), r.Errors)
			}
		}
		_, r := h.tryOrder(t, "", "orderCreate", base())
		if r.code() != "UNAUTHENTICATED" {
			t.Fatalf("anonymous orderCreate: %q", r.code())
		}
	})
}

func TestOrderStaleExpectedVersionConflicts(t *testing.T) {
	f := newOrdFixture(t)
	for _, tc := range []struct {
		status, token, mutation string
	}{
		{"PAID", f.owner, "orderShip"},
		{"PAID", f.owner, "orderCancel"},
		{"SHIPPED", f.owner, "orderMarkDelivered"},
		{"DELIVERED", f.buyer, "orderConfirmReceipt"},
	} {
		t.Run(tc.mutation, func(t *testing.T) {
			o := f.orderIn(t, tc.status)
			in := ordInput(tc.mutation, o.ID)
			in["expectedVersion"] = o.Version - 1
			_, r := f.h.tryOrder(t, tc.token, tc.mutation, in)
			if r.code() != "CONFLICT" || !isoIsNull(r, tc.mutation) {
				t.Fatalf("stale version: %q %+v", r.code(), r.Errors)
			}
			if now := f.read(t, o.ID); now.Version != o.Version || now.Status != o.Status {
				t.Fatalf("a conflict changed the order: v%d %s", now.Version, now.Status)
			}
			in["expectedVersion"] = o.Version
			if got := f.step(t, tc.token, tc.mutation, in); got.Version != o.Version+1 || got.Status != after[tc.mutation] {
				t.Fatalf("current version: %+v", got)
			}
		})
	}
}

// Another store's merchant, or another buyer, acting on an order gets exactly what a made-up order id gets,
// and the order does not change.
func TestOrderMutationsIsolation(t *testing.T) {
	f := newOrdFixture(t)
	h := f.h
	for _, tc := range []struct {
		caller, status, mutation string
	}{
		{"another buyer", "PENDING_PAYMENT", "orderPay"},
		{"another buyer", "PENDING_PAYMENT", "orderCancel"},
		{"another buyer", "DELIVERED", "orderConfirmReceipt"},
		{"another store", "PAID", "orderShip"},
		{"another store", "PAID", "orderCancel"},
		{"another store", "PENDING_PAYMENT", "orderCancel"},
		{"another store", "SHIPPED", "orderMarkDelivered"},
	} {
		t.Run(tc.caller+" "+tc.mutation+" on "+tc.status, func(t *testing.T) {
			token := map[string]string{"another buyer": f.buyer2, "another store": f.otherOwner}[tc.caller]
			o := f.orderIn(t, tc.status)
			in := ordInput(tc.mutation, o.ID)
			q := `mutation($i: ` + inputType(tc.mutation) + `!) { ` + tc.mutation + `(input: $i) { order { id status } userErrors { code field message } } }`
			answer := func(orderID string) (int, []byte) {
				vars := map[string]any{}
				for k, v := range in {
					vars[k] = v
				}
				vars["orderId"] = orderID
				return isoPostRaw(t, h, token, q, map[string]any{"i": vars})
			}
			realSt, real := answer(o.ID)
			for _, made := range []string{
				fixtureGlobalID("Order", f.st.UUID, uuid.New()),
				fixtureGlobalID("Order", uuid.New(), uuid.New()),
			} {
				st, body := answer(made)
				if st != realSt || !bytes.Equal(body, real) {
					t.Fatalf("a foreign order answers differently from a made-up one:\n foreign:  %d %s\n made-up: %d %s", realSt, real, st, body)
				}
			}
			if !bytes.Contains(real, []byte(`"NOT_FOUND"`)) {
				t.Fatalf("want NOT_FOUND, got %s", real)
			}
			if now := f.read(t, o.ID); now.Version != o.Version || now.Status != o.Status || len(now.Timeline) != len(o.Timeline) {
				t.Fatalf("the order changed: %s v%d → %s v%d", o.Status, o.Version, now.Status, now.Version)
			}
			if tc.mutation == "orderPay" {
				if n := h.sysCount(t, `select count(*) from payment_transactions where idempotency_key = $1`, in["idempotencyKey"]); n != 0 {
					t.Fatalf("a foreign payment was recorded")
				}
			}
			// The order's own caller may still act: the refusal was about who asked.
			own := map[string]string{"another buyer": f.buyer, "another store": f.owner}[tc.caller]
			if got := f.step(t, own, tc.mutation, ordInput(tc.mutation, o.ID)); got.Status != after[tc.mutation] {
				t.Fatalf("own caller: %+v", got)
			}
		})
	}
}

func TestOrderTimelineAndDeadlineOverHTTP(t *testing.T) {
	f := newOrdFixture(t)
	h := f.h
	now := h.Clock.Now()
	const fields = `id status createdAt paidAt shipBy deliveredAt cancelledBy cancelKind cancelReason
		paid { amount currencyCode } refunded { amount } refundable { amount }
		deadline { at action } timeline { at actor action fromStatus toStatus reason note }`
	type event struct {
		At                           time.Time
		Actor, Action                string
		FromStatus, ToStatus, Reason *string
		Note                         *string
	}
	type view struct {
		ID, Status                  string
		CreatedAt                   time.Time
		PaidAt, ShipBy, DeliveredAt *time.Time
		CancelledBy, CancelKind     *string
		CancelReason                *string
		Paid                        struct{ Amount, CurrencyCode string }
		Refunded, Refundable        struct{ Amount string }
		Deadline                    *struct {
			At     time.Time
			Action string
		}
		Timeline []event
	}
	read := func(t *testing.T, token, id string) view {
		t.Helper()
		var v *view
		field(t, ok(t, h.post(t, token, `query($id: ID!) { order(id: $id) { `+fields+` } }`, map[string]any{"id": id})), "order", &v)
		if v == nil {
			t.Fatalf("order %s not visible", id)
		}
		return *v
	}
	str := func(s *string) string {
		if s == nil {
			return "-"
		}
		return *s
	}
	steps := func(v view) []string {
		var out []string
		for _, e := range v.Timeline {
			out = append(out, fmt.Sprintf("%s:%s:%s>%s", e.Actor, e.Action, str(e.FromStatus), str(e.ToStatus)))
			if !e.At.Equal(now) {
				t.Errorf("event %s at %s, want %s", e.Action, e.At, now)
			}
		}
		return out
	}
	// Everyone who may see the order sees the same timeline and deadline.
	same := func(t *testing.T, id string) view {
		t.Helper()
		v := read(t, f.buyer, id)
		for _, tok := range []string{f.owner, f.tokRO, f.admin} {
			w := read(t, tok, id)
			if fmt.Sprint(steps(w)) != fmt.Sprint(steps(v)) || fmt.Sprint(w.Deadline) != fmt.Sprint(v.Deadline) {
				t.Fatalf("callers see different histories: %v %v vs %v %v", steps(v), v.Deadline, steps(w), w.Deadline)
			}
		}
		return v
	}

	o := f.orderIn(t, "PENDING_PAYMENT")
	v := same(t, o.ID)
	if !v.CreatedAt.Equal(now) || v.Deadline == nil || v.Deadline.Action != "CANCEL_UNPAID" || !v.Deadline.At.Equal(now.Add(30*time.Minute)) {
		t.Fatalf("new order: created %s deadline %+v", v.CreatedAt, v.Deadline)
	}
	if got := steps(v); !slices.Equal(got, []string{"BUYER:CREATE:->PENDING_PAYMENT"}) {
		t.Fatalf("new order's timeline: %v", got)
	}

	f.step(t, f.buyer, "orderPay", ordInput("orderPay", o.ID))
	v = same(t, o.ID)
	if v.PaidAt == nil || !v.PaidAt.Equal(now) || v.ShipBy == nil || !v.ShipBy.Equal(now.Add(48*time.Hour)) ||
		v.Deadline == nil || v.Deadline.Action != "MARK_LATE" || !v.Deadline.At.Equal(*v.ShipBy) {
		t.Fatalf("paid order: paidAt %v shipBy %v deadline %+v", v.PaidAt, v.ShipBy, v.Deadline)
	}
	if v.Paid.Amount != o.Total.Amount || v.Paid.CurrencyCode != "TWD" || v.Refundable.Amount != o.Total.Amount {
		t.Fatalf("paid order amounts: %+v %+v", v.Paid, v.Refundable)
	}

	f.step(t, f.owner, "orderCancel", map[string]any{"orderId": o.ID, "reason": "out of stock"})
	v = same(t, o.ID)
	if got := steps(v); !slices.Equal(got, []string{"BUYER:CREATE:->PENDING_PAYMENT", "BUYER:PAY:PENDING_PAYMENT>PAID",
		"MERCHANT:CANCEL:PAID>CANCELLED"}) {
		t.Fatalf("cancelled order's timeline: %v", got)
	}
	if last := v.Timeline[2]; str(last.Reason) != "out of stock" {
		t.Fatalf("cancel event reason: %v", str(last.Reason))
	}
	if v.Deadline != nil || str(v.CancelKind) != "MERCHANT" || str(v.CancelledBy) != "MERCHANT" || str(v.CancelReason) != "out of stock" ||
		v.Refunded.Amount != v.Paid.Amount || v.Refundable.Amount != "0.00" {
		t.Fatalf("cancelled order: %+v", v)
	}

	d := f.orderIn(t, "SHIPPED")
	if v := same(t, d.ID); v.Deadline != nil {
		t.Fatalf("a shipped order awaits %+v", v.Deadline)
	}
	f.step(t, f.owner, "orderMarkDelivered", ordInput("orderMarkDelivered", d.ID))
	v = same(t, d.ID)
	if v.DeliveredAt == nil || v.Deadline == nil || v.Deadline.Action != "AUTO_COMPLETE" || !v.Deadline.At.Equal(v.DeliveredAt.Add(10*24*time.Hour)) {
		t.Fatalf("delivered order: deliveredAt %v deadline %+v", v.DeliveredAt, v.Deadline)
	}
	if got := steps(v); !slices.Equal(got, []string{"BUYER:CREATE:->PENDING_PAYMENT", "BUYER:PAY:PENDING_PAYMENT>PAID",
		"MERCHANT:SHIP:PAID>SHIPPED", "MERCHANT:MARK_DELIVERED:SHIPPED>DELIVERED"}) {
		t.Fatalf("delivered order's timeline: %v", got)
	}
	f.step(t, f.buyer, "orderConfirmReceipt", ordInput("orderConfirmReceipt", d.ID))
	if v := same(t, d.ID); v.Deadline != nil || v.Status != "COMPLETED" || len(v.Timeline) != 5 {
		t.Fatalf("completed order: %+v", v)
	}
}

// An order found by its number, as a merchant pastes it (any case, spaces around); only in its own store.
func TestOrdersFilterByNumber(t *testing.T) {
	f := newOrdFixture(t)
	h := f.h
	o := f.orderIn(t, "PAID")
	f.orderIn(t, "PAID") // another order of the same store, which must not match
	q := `query($n: String) { orders(first: 10, filter: {number: $n}) { totalCount nodes { id number } } }`
	list := func(token, n string) (total int, ids []string) {
		t.Helper()
		var got struct {
			Orders struct {
				TotalCount int
				Nodes      []struct{ ID, Number string }
			}
		}
		r := ok(t, h.post(t, token, q, map[string]any{"n": n}))
		if err := json.Unmarshal(r.Data["orders"], &got.Orders); err != nil {
			t.Fatal(err)
		}
		for _, n := range got.Orders.Nodes {
			ids = append(ids, n.ID)
		}
		return got.Orders.TotalCount, ids
	}
	for _, n := range []string{o.Number, strings.ToLower(o.Number), "  " + o.Number + " "} {
		if total, ids := list(f.owner, n); total != 1 || len(ids) != 1 || ids[0] != o.ID {
			t.Errorf("number %q as the store: total %d, %v; want only %s", n, total, ids, o.ID)
		}
	}
	if total, ids := list(f.buyer, o.Number); total != 1 || len(ids) != 1 {
		t.Errorf("the buyer finds their own order by number: %d %v", total, ids)
	}
	for _, who := range []struct{ name, token, number string }{
		{"another store", f.otherOwner, o.Number},
		{"another buyer", f.buyer2, o.Number},
		{"the store, a number it never had", f.owner, o.Number + "9999"},
		{"the store, a prefix", f.owner, o.Number[:len(o.Number)-1]},
	} {
		if total, ids := list(who.token, who.number); total != 0 || len(ids) != 0 {
			t.Errorf("%s: total %d, %v; want nothing", who.name, total, ids)
		}
	}
	r := h.post(t, f.owner, q, map[string]any{"n": "   "})
	if r.code() != "BAD_USER_INPUT" || r.Errors[0].Extensions["field"] != "filter.number" {
		t.Errorf("a blank number: %+v", r.Errors)
	}
}
