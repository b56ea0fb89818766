package main

import (
	"context"
	"testing"
	"time"
)

// Helpers for tests that drive orders through the API.

type orderView struct {
	ID, Number, Status string
	Version            int
	Total              struct{ Amount, CurrencyCode string }
	Paid, Refunded     struct{ Amount string }
	ShipBy             *time.Time
	ShippedLate        bool
	CancelKind         *string
	Deadline           *struct {
		At     time.Time
		Action string
	}
	AvailableActions []string
	Timeline         []struct{ Action, Actor string }
}

const orderFields = `id number status version total { amount currencyCode } paid { amount } refunded { amount }
	shipBy shippedLate cancelKind deadline { at action } availableActions timeline { action actor }`

type userError struct {
	Code    string
	Field   []string
	Message string
}

type orderPayload struct {
	Order      *orderView
	UserErrors []userError
}

// mutateOrder runs an order mutation and returns its payload (top-level errors fail the test).
func (h *harness) mutateOrder(t *testing.T, token, mutation string, input map[string]any) orderPayload {
	t.Helper()
	r := ok(t, h.post(t, token, `mutation($i: `+inputType(mutation)+`!) { `+mutation+`(input: $i) { order { `+orderFields+` } userErrors { code field message } } }`,
		map[string]any{"i": input}))
	var p orderPayload
	field(t, r, mutation, &p)
	return p
}

func inputType(mutation string) string {
	return string(mutation[0]-'a'+'A') + mutation[1:] + "Input"
}

// storeProducts returns a store's id and its active products' ids (first page).
func (h *harness) storeProducts(t *testing.T, token, slug string) (storeID string, products []string) {
	t.Helper()
	r := ok(t, h.post(t, token, `{ products(first: 100) { nodes { id status store { id slug } } } }`, nil))
	var c struct {
		Nodes []struct {
			ID, Status string
			Store      struct{ ID, Slug string }
		}
	}
	field(t, r, "products", &c)
	for _, n := range c.Nodes {
		if n.Store.Slug == slug && n.Status == "ACTIVE" {
			storeID = n.Store.ID
			products = append(products, n.ID)
		}
	}
	if len(products) < 2 {
		t.Fatalf("store %s has %d active products", slug, len(products))
	}
	return storeID, products
}

var address = map[string]any{"name": "Lin Mei", "phone": "+886 912 345 678", "address": "No. 1, Section 1, Zhongshan Rd, Taipei"}

// newOrder places an order in the fixture store of its first product (quantity 2, with its second product as a
// gift) as the buyer and returns it.
func (h *harness) newOrder(t *testing.T, buyerToken string, st fixtureStore) orderView {
	t.Helper()
	p := h.mutateOrder(t, buyerToken, "orderCreate", map[string]any{
		"storeId": st.StoreID, "paymentMethod": "CARD", "shippingAddress": address,
		"lines": []any{map[string]any{"productId": st.ProductIDs[0], "quantity": 2,
			"gifts": []any{map[string]any{"productId": st.ProductIDs[1], "quantity": 1}}}},
	})
	if p.Order == nil {
		t.Fatalf("orderCreate: %+v", p.UserErrors)
	}
	return *p.Order
}

func TestOrderHappyPath(t *testing.T) {
	h := setup(t)
	st := h.freshStore(t)
	buyer, merchant := h.login(t, buyer1), h.login(t, st.OwnerEmail)
	o := h.newOrder(t, buyer, st)
	if o.Total.Amount != "2019.80" || o.Total.CurrencyCode != "TWD" { // 2 × 1009.90; the gift is free
		t.Fatalf("new order's total: %+v", o.Total)
	}
	if o.Status != "PENDING_PAYMENT" || o.Deadline == nil || o.Deadline.Action != "CANCEL_UNPAID" ||
		!o.Deadline.At.Equal(h.Clock.Now().Add(30*time.Minute)) {
		t.Fatalf("new order: %+v", o)
	}
	if got := o.AvailableActions; len(got) != 2 || got[0] != "PAY" || got[1] != "CANCEL" {
		t.Fatalf("buyer's actions on a new order: %v", got)
	}
	p := h.mutateOrder(t, buyer, "orderPay", map[string]any{"orderId": o.ID, "idempotencyKey": "pay-" + o.ID})
	if p.Order == nil || p.Order.Status != "PAID" || p.Order.Paid.Amount != o.Total.Amount || p.Order.Deadline.Action != "MARK_LATE" {
		t.Fatalf("pay: %+v", p)
	}
	p = h.mutateOrder(t, merchant, "orderShip", map[string]any{"orderId": o.ID, "carrier": "Black Cat", "trackingNumber": "BC-12345678"})
	if p.Order == nil || p.Order.Status != "SHIPPED" || p.Order.ShippedLate || p.Order.Deadline != nil {
		t.Fatalf("ship: %+v", p)
	}
	p = h.mutateOrder(t, merchant, "orderMarkDelivered", map[string]any{"orderId": o.ID})
	if p.Order == nil || p.Order.Status != "DELIVERED" || p.Order.Deadline.Action != "AUTO_COMPLETE" {
		t.Fatalf("deliver: %+v", p)
	}
	p = h.mutateOrder(t, buyer, "orderConfirmReceipt", map[string]any{"orderId": o.ID})
	if p.Order == nil || p.Order.Status != "COMPLETED" || len(p.Order.AvailableActions) != 0 {
		t.Fatalf("confirm: %+v", p)
	}
	var actions []string
	for _, e := range p.Order.Timeline {
		actions = append(actions, e.Actor+":"+e.Action)
	}
	want := []string{"BUYER:CREATE", "BUYER:PAY", "MERCHANT:SHIP", "MERCHANT:MARK_DELIVERED", "BUYER:CONFIRM_RECEIPT"}
	if len(actions) != len(want) {
		t.Fatalf("timeline %v, want %v", actions, want)
	}
	for i := range want {
		if actions[i] != want[i] {
			t.Fatalf("timeline %v, want %v", actions, want)
		}
	}
	// Nothing is left for the scheduler to do for this order but the 3-year retention.
	if _, err := h.Scheduler.RunDue(context.Background()); err != nil {
		t.Fatal(err)
	}
}
