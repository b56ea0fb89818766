package demo

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/google/uuid"
)

// Order generation: a pure function of now. Every duration is drawn from a PCG stream with a fixed seed per
// store, and every time is now minus a whole number of seconds, so the data relative to now is the same for any now.

const seed = 0x7261646567756172 // "tradeguard"-ish; changing it changes every order

type orderRow struct {
	TenantID      uuid.UUID  `db:"tenant_id"`
	ID            uuid.UUID  `db:"id"`
	Number        string     `db:"number"`
	BuyerID       uuid.UUID  `db:"buyer_id"`
	Status        string     `db:"status"`
	Currency      string     `db:"currency"`
	SubtotalMinor int64      `db:"subtotal_minor"`
	ShippingMinor int64      `db:"shipping_minor"`
	TotalMinor    int64      `db:"total_minor"`
	PaidMinor     int64      `db:"paid_minor"`
	RefundedMinor int64      `db:"refunded_minor"`
	PaymentMethod string     `db:"payment_method"`
	BuyerName     string     `db:"buyer_name"`
	ShipName      string     `db:"ship_name"`
	ShipPhone     string     `db:"ship_phone"`
	ShipAddress   string     `db:"ship_address"`
	CreatedAt     time.Time  `db:"created_at"`
	PaidAt        *time.Time `db:"paid_at"`
	ShipBy        *time.Time `db:"ship_by"`
	ShippedAt     *time.Time `db:"shipped_at"`
	Carrier       *string    `db:"carrier"`
	Tracking      *string    `db:"tracking_number"`
	DeliveredAt   *time.Time `db:"delivered_at"`
	CompletedAt   *time.Time `db:"completed_at"`
	CancelledAt   *time.Time `db:"cancelled_at"`
	CancelledBy   *string    `db:"cancelled_by"`
	CancelKind    *string    `db:"cancel_kind"`
	CancelReason  *string    `db:"cancel_reason"`
	// cancelRequest: the order stops at PAID because its buyer asks to cancel it (an ORDER_CANCEL case of
	// the story); not a column.
	cancelRequest bool
}

type itemRow struct {
	TenantID      uuid.UUID  `db:"tenant_id"`
	ID            uuid.UUID  `db:"id"`
	OrderID       uuid.UUID  `db:"order_id"`
	BuyerID       uuid.UUID  `db:"buyer_id"`
	ProductID     uuid.UUID  `db:"product_id"`
	Position      int        `db:"position"`
	Title         string     `db:"title"`
	Quantity      int        `db:"quantity"`
	UnitPrice     int64      `db:"unit_price_minor"`
	GiftOf        *uuid.UUID `db:"gift_of"`
	DeclaredValue int64      `db:"declared_value_minor"`
}

const (
	minute = int64(60)
	hour   = 60 * minute
	day    = 24 * hour
)

// Per store, pendingPerStore orders are created in the last 20 minutes and not paid yet, and overduePerStore
// were paid 2–4 days ago and are still waiting to be shipped past their ship-by time.
const (
	pendingPerStore = 2
	overduePerStore = 1
)

type kind int

const (
	normal kind = iota
	pending
	overdue
)

type slot struct {
	age  int64 // seconds before now
	kind kind
}

// genOrders generates the orders and lines of store number si. now must be whole seconds.
func genOrders(si int, now time.Time) ([]orderRow, []itemRow) {
	s := stores[si]
	r := rand.New(rand.NewPCG(seed, uint64(si)))
	g := &gen{r: r, now: now, store: s, storeID: storeID(s.slug)}

	// Ages in seconds, oldest first: 12% of the orders in the last week, so every state shows up even in a
	// small store, 23% in the three weeks before, the rest over the 180 days the signals, the trends and the
	// score history look back on — every 30-day window holds enough orders for the store to be rated.
	slots := make([]slot, 0, s.orders)
	for range s.orders - pendingPerStore - overduePerStore {
		switch p := r.Float64(); {
		case p < 0.12:
			slots = append(slots, slot{between(r, hour, 7*day), normal})
		case p < 0.35:
			slots = append(slots, slot{between(r, 7*day, 30*day), normal})
		default:
			slots = append(slots, slot{between(r, 30*day, 180*day), normal})
		}
	}
	for range pendingPerStore {
		slots = append(slots, slot{between(r, minute, 20*minute), pending})
	}
	for range overduePerStore {
		slots = append(slots, slot{between(r, 50*hour, 110*hour), overdue})
	}
	slices.SortFunc(slots, func(a, b slot) int { return cmp.Compare(b.age, a.age) })

	// The first twenty orders go to the twenty buyers in a shuffled order: every buyer shops in every store.
	perm := r.Perm(len(buyerAddresses))
	var orders []orderRow
	var items []itemRow
	for i, sl := range slots {
		buyer := r.IntN(len(buyerAddresses))
		if i < len(perm) {
			buyer = perm[i]
		}
		o, its := g.order(i+1, buyer, sl)
		orders = append(orders, o)
		items = append(items, its...)
	}
	return orders, items
}

type gen struct {
	r       *rand.Rand
	now     time.Time
	store   storeSpec
	storeID uuid.UUID
}

// between draws a whole number in [lo, hi].
func between(r *rand.Rand, lo, hi int64) int64 { return lo + r.Int64N(hi-lo+1) }

func (g *gen) at(t time.Time, plus int64) time.Time { return t.Add(time.Duration(plus) * time.Second) }

func ptr[T any](v T) *T { return &v }

// order builds order number seq of the store, created age seconds before now.
func (g *gen) order(seq, buyer int, sl slot) (orderRow, []itemRow) {
	r := g.r
	number := fmt.Sprintf("%s-%06d", g.store.prefix, seq)
	addr := buyerAddresses[buyer]
	o := orderRow{
		TenantID: g.storeID, ID: orderID(g.store.slug, number), Number: number, BuyerID: userID(buyerEmail(buyer + 1)),
		Currency: g.store.currency, BuyerName: fmt.Sprintf("Buyer %d", buyer+1), ShipName: addr.name, ShipPhone: addr.phone, ShipAddress: addr.address,
		CreatedAt: g.at(g.now, -sl.age),
	}
	items := g.lines(&o, sl.age)
	o.ShippingMinor = g.store.shipFee
	if o.SubtotalMinor >= g.store.freeShipFrom {
		o.ShippingMinor = 0
	}
	o.TotalMinor = o.SubtotalMinor + o.ShippingMinor
	switch p := r.Float64(); {
	case p < 0.70:
		o.PaymentMethod = "CARD"
	case p < 0.92:
		o.PaymentMethod = "WALLET"
	default:
		o.PaymentMethod = "CASH_ON_DELIVERY"
	}
	if sl.kind == pending {
		o.Status = "PENDING_PAYMENT"
		return o, items
	}
	if sl.kind == normal && r.Float64() < 0.05 { // never paid: the system cancels it after 30 minutes
		if o.PaymentMethod == "CASH_ON_DELIVERY" {
			o.PaymentMethod = "CARD"
		}
		g.cancel(&o, g.at(o.CreatedAt, 30*minute), "SYSTEM", "PAYMENT_TIMEOUT", "Not paid within 30 minutes")
		return o, items
	}
	g.lifecycle(&o, sl.kind == overdue)
	return o, items
}

// lines picks 1–3 paid lines and, for about 15% of the orders, a gift riding on one of them.
func (g *gen) lines(o *orderRow, age int64) []itemRow {
	r := g.r
	catalog := products[g.store.slug]
	var paid, gifts []int
	for i, p := range catalog {
		if p.gift {
			gifts = append(gifts, i)
		}
		// the archived product still appears in orders placed before it was withdrawn
		if !p.gift && (!p.archived || age > 45*day) {
			paid = append(paid, i)
		}
	}
	n := 1
	if p := r.Float64(); p > 0.85 {
		n = 3
	} else if p > 0.55 {
		n = 2
	}
	r.Shuffle(len(paid), func(i, j int) { paid[i], paid[j] = paid[j], paid[i] })
	var items []itemRow
	for _, pi := range paid[:n] {
		p := catalog[pi]
		q := 1
		if x := r.Float64(); x > 0.90 {
			q = 3
		} else if x > 0.65 {
			q = 2
		}
		items = append(items, g.item(o, len(items)+1, p, q, p.price))
		o.SubtotalMinor += p.price * int64(q)
	}
	if r.Float64() < 0.15 {
		on := items[r.IntN(len(items))]
		p := catalog[gifts[r.IntN(len(gifts))]]
		// declared value: 5–10% of the paid item's price in whole major units, at most the gift's own price
		declared := max(100, on.UnitPrice*between(r, 5, 10)/100/100*100)
		gift := g.item(o, len(items)+1, p, 1, 0)
		gift.GiftOf, gift.DeclaredValue = &on.ID, min(declared, p.price)
		items = append(items, gift)
	}
	return items
}

func (g *gen) item(o *orderRow, pos int, p productSpec, qty int, price int64) itemRow {
	return itemRow{
		TenantID: o.TenantID, ID: itemID(g.store.slug, o.Number, pos), OrderID: o.ID, BuyerID: o.BuyerID,
		ProductID: productID(g.store.slug, p.sku), Position: pos, Title: p.title, Quantity: qty, UnitPrice: price,
	}
}

func (g *gen) cancel(o *orderRow, at time.Time, by, kind, reason string) {
	o.Status, o.CancelledAt, o.CancelledBy, o.CancelKind, o.CancelReason = "CANCELLED", &at, &by, &kind, &reason
	o.RefundedMinor = o.PaidMinor
}

// lifecycle plays a paid order forward from its payment and stops at the first step that lies after now.
// An overdue order stops at PAID.
func (g *gen) lifecycle(o *orderRow, overdue bool) {
	r := g.r
	paidAt := g.at(o.CreatedAt, between(r, minute, 20*minute))
	shipBy := g.at(paidAt, 48*hour)
	o.Status, o.PaidAt, o.ShipBy, o.PaidMinor = "PAID", &paidAt, &shipBy, o.TotalMinor
	past := func(t time.Time) bool { return !t.After(g.now) }
	if overdue {
		return
	}

	pr := g.store.profile
	switch p := r.Float64(); {
	case p < 0.04: // the buyer asks to cancel before shipping: the story's ORDER_CANCEL case does the rest
		o.cancelRequest = true
		return
	case p < 0.04+pr.merchantCancel:
		if t := g.at(paidAt, between(r, hour, 40*hour)); past(t) {
			g.cancel(o, t, "MERCHANT", "MERCHANT", "out of stock")
		}
		return
	case p < 0.04+pr.merchantCancel+pr.notShipped: // never shipped: cancelled by the system 72 h after the ship-by time
		if t := g.at(shipBy, 72*hour); past(t) {
			g.cancel(o, t, "SYSTEM", "NOT_SHIPPED", "Not shipped within 72 hours after the ship-by time")
		}
		return
	}

	shipped := g.at(paidAt, between(r, 2*hour, 46*hour))
	if r.Float64() < pr.late {
		shipped = g.at(shipBy, between(r, hour, 40*hour))
	}
	carrier := g.store.carriers[r.IntN(len(g.store.carriers))]
	tracking := trackingNumber(r, carrier)
	if !past(shipped) {
		return
	}
	o.Status, o.ShippedAt, o.Carrier, o.Tracking = "SHIPPED", &shipped, &carrier, &tracking

	delivered := g.at(shipped, between(r, day, 4*day))
	if !past(delivered) {
		return
	}
	o.Status, o.DeliveredAt = "DELIVERED", &delivered

	completed := g.at(delivered, 10*day)
	if r.Float64() < 0.35 { // the buyer confirms receipt
		completed = g.at(delivered, between(r, 2*hour, 8*day))
	}
	if !past(completed) {
		return
	}
	o.Status, o.CompletedAt = "COMPLETED", &completed // refunds come from the story's cases
}

func trackingNumber(r *rand.Rand, carrier string) string {
	digits := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte('0' + r.IntN(10))
		}
		return string(b)
	}
	switch carrier {
	case "Black Cat":
		return digits(12)
	case "HCT":
		return digits(10)
	case "SF Express":
		return "SF" + digits(13)
	default: // UPS
		const alnum = "0123456789ABCDEFGHJKLMNPRSTVWXYZ"
		b := []byte("1Z")
		for range 16 {
			b = append(b, alnum[r.IntN(len(alnum))])
		}
		return string(b)
	}
}
