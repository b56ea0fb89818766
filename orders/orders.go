// Package orders is the order lifecycle: PENDING_PAYMENT → PAID → SHIPPED → DELIVERED → COMPLETED, or CANCELLED.
package orders

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"tradeguard/internal/changefeed"
	"tradeguard/internal/rowcount"
	"tradeguard/internal/sqlq"
	"tradeguard/money"
	"tradeguard/tenants"
)

// Status of an order.
type Status string

const (
	PendingPayment Status = "PENDING_PAYMENT"
	Paid           Status = "PAID"
	Shipped        Status = "SHIPPED"
	Delivered      Status = "DELIVERED"
	Completed      Status = "COMPLETED"
	Cancelled      Status = "CANCELLED"
)

// Order as stored. Amounts are minor units of Currency.
type Order struct {
	StoreID       uuid.UUID `db:"tenant_id"`
	ID            uuid.UUID `db:"id"`
	Number        string    `db:"number"`
	BuyerID       uuid.UUID `db:"buyer_id"`
	Status        Status    `db:"status"`
	Currency      string    `db:"currency"`
	SubtotalMinor int64     `db:"subtotal_minor"`
	ShippingMinor int64     `db:"shipping_minor"`
	TotalMinor    int64     `db:"total_minor"`
	PaidMinor     int64     `db:"paid_minor"`
	RefundedMinor int64     `db:"refunded_minor"`
	// RefundableMinor is paid minus refunded, computed by the database.
	RefundableMinor int64      `db:"refundable_minor"`
	PaymentMethod   *string    `db:"payment_method"`
	BuyerName       string     `db:"buyer_name"`
	ShipName        string     `db:"ship_name"`
	ShipPhone       string     `db:"ship_phone"`
	ShipAddress     string     `db:"ship_address"`
	CreatedAt       time.Time  `db:"created_at"`
	PaidAt          *time.Time `db:"paid_at"`
	ShipBy          *time.Time `db:"ship_by"`
	ShippedAt       *time.Time `db:"shipped_at"`
	Carrier         *string    `db:"carrier"`
	TrackingNumber  *string    `db:"tracking_number"`
	DeliveredAt     *time.Time `db:"delivered_at"`
	CompletedAt     *time.Time `db:"completed_at"`
	CancelledAt     *time.Time `db:"cancelled_at"`
	CancelledBy     *string    `db:"cancelled_by"`
	CancelKind      *string    `db:"cancel_kind"`
	CancelReason    *string    `db:"cancel_reason"`
	AnonymizedAt    *time.Time `db:"anonymized_at"`
	Version         int        `db:"version"`
	// ChangedAt and ChangeXID: the last change, by the database's clock and transaction (changefeed).
	ChangedAt time.Time `db:"changed_at"`
	ChangeXID uint64    `db:"change_xid"`
}

func (o Order) money(minor int64) money.Money { return money.New(minor, o.Currency) }

// Subtotal, Shipping, Total, Paid, Refunded and Refundable are the order's amounts.
func (o Order) Subtotal() money.Money   { return o.money(o.SubtotalMinor) }
func (o Order) Shipping() money.Money   { return o.money(o.ShippingMinor) }
func (o Order) Total() money.Money      { return o.money(o.TotalMinor) }
func (o Order) Paid() money.Money       { return o.money(o.PaidMinor) }
func (o Order) Refunded() money.Money   { return o.money(o.RefundedMinor) }
func (o Order) Refundable() money.Money { return o.money(o.RefundableMinor) }

// ShippedLate reports whether the order shipped after its promised ship-by time, or has not shipped and the
// ship-by time has passed at now.
func (o Order) ShippedLate(now time.Time) bool {
	if o.ShipBy == nil {
		return false
	}
	if o.ShippedAt != nil {
		return o.ShippedAt.After(*o.ShipBy)
	}
	return o.Status == Paid && now.After(*o.ShipBy)
}

// Buyer is the order's buyer as its store sees it: an id and the name copied at order time.
type Buyer struct {
	ID          uuid.UUID
	DisplayName string
}

// Buyer returns who placed the order.
func (o Order) Buyer() Buyer { return Buyer{ID: o.BuyerID, DisplayName: o.BuyerName} }

// Key names an order inside its store; lookups use the (tenant_id, id) primary key.
type Key struct {
	StoreID uuid.UUID
	ID      uuid.UUID
}

// Filter narrows a list of orders. Times are compared with created_at: From inclusive, To exclusive.
type Filter struct {
	Statuses    []Status
	CreatedFrom *time.Time
	CreatedTo   *time.Time
	StoreID     *uuid.UUID
	Number      string // exact, upper-cased by the caller; empty: any
	// UpdatedSince lists the orders changed at or after it, in change order (changefeed), not newest first.
	UpdatedSince *time.Time
}

// Cursor is the keyset position after which a page starts: CreatedAt and ID newest first, or Change in
// change order when the filter has UpdatedSince.
type Cursor struct {
	CreatedAt time.Time
	ID        uuid.UUID
	Change    *changefeed.Position
}

const columns = `tenant_id, id, number, buyer_id, status, currency, subtotal_minor, shipping_minor, total_minor,
	paid_minor, refunded_minor, refundable_minor, payment_method, buyer_name, ship_name, ship_phone, ship_address, created_at, paid_at, ship_by,
	shipped_at, carrier, tracking_number, delivered_at, completed_at, cancelled_at, cancelled_by, cancel_kind, cancel_reason,
	anonymized_at, version, changed_at, change_xid`

// where filters explicitly by who is asking (helps the planner and a future Citus router); row-level security
// is the guarantee underneath.
func where(p tenants.Principal, f Filter) *sqlq.Where {
	w := &sqlq.Where{}
	switch p.Role {
	case tenants.RoleMerchant:
		w.Add("tenant_id = ?", p.StoreID)
	case tenants.RoleBuyer:
		w.Add("buyer_id = ?", p.UserID)
	}
	if f.StoreID != nil {
		w.Add("tenant_id = ?", *f.StoreID)
	}
	if len(f.Statuses) > 0 {
		w.Add("status = any(?)", pq.Array(f.Statuses))
	}
	if f.CreatedFrom != nil {
		w.Add("created_at >= ?", *f.CreatedFrom)
	}
	if f.CreatedTo != nil {
		w.Add("created_at < ?", *f.CreatedTo)
	}
	if f.Number != "" {
		w.Add("number = ?", f.Number) // unique (tenant_id, number)
	}
	if f.UpdatedSince != nil {
		changefeed.Since(w, *f.UpdatedSince)
	}
	return w
}

// List returns up to limit orders after the cursor, newest first; more tells whether another page exists.
func List(ctx context.Context, s *tenants.Session, f Filter, after *Cursor, limit int) (out []Order, more bool, err error) {
	if !s.Principal().Allows(tenants.ScopeOrdersRead) {
		return nil, false, tenants.ErrForbidden
	}
	w := where(s.Principal(), f)
	order := ` order by created_at desc, id desc`
	switch {
	case f.UpdatedSince != nil:
		var pos *changefeed.Position
		if after != nil {
			pos = after.Change
		}
		changefeed.Page(w, pos)
		order = changefeed.Order
	case after != nil:
		w.Add("(created_at, id) < (?, ?)", after.CreatedAt, after.ID)
	}
	q := `select ` + columns + ` from orders where ` + w.SQL() + order + ` limit ` + w.Arg(limit+1)
	err = s.Do(ctx, func(tx *sqlx.Tx) error { return tx.SelectContext(ctx, &out, q, w.Args...) })
	if len(out) > limit {
		return out[:limit], true, err
	}
	return out, false, err
}

// Count counts the orders the filter matches for the caller.
func Count(ctx context.Context, s *tenants.Session, f Filter) (n int, err error) {
	if !s.Principal().Allows(tenants.ScopeOrdersRead) {
		return 0, tenants.ErrForbidden
	}
	scope, cells := rowcount.ScopeOf(s.Principal(), f.StoreID, f.Statuses)
	cells = cells && f.CreatedFrom == nil && f.CreatedTo == nil && f.Number == "" && f.UpdatedSince == nil
	w := where(s.Principal(), f)
	err = s.Do(ctx, func(tx *sqlx.Tx) error {
		if cells {
			n, err = rowcount.Sum(ctx, tx, rowcount.Orders, scope)
			return err
		}
		return tx.GetContext(ctx, &n, `select count(*) from orders where `+w.SQL(), w.Args...)
	})
	return n, err
}

// ByKeys returns the visible orders among keys (a loader's batch; node and order lookups).
func ByKeys(ctx context.Context, s *tenants.Session, keys []Key) ([]Order, error) {
	if !s.Principal().Allows(tenants.ScopeOrdersRead) {
		return nil, nil // a token without the scope sees no orders, exactly like missing ones
	}
	stores, ids := splitKeys(keys)
	var out []Order
	err := s.Do(ctx, func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &out, `select `+columns+` from orders
			where (tenant_id, id) in (select * from unnest($1::uuid[], $2::uuid[]))`, pq.Array(stores), pq.Array(ids))
	})
	return out, err
}

func splitKeys(keys []Key) (stores, ids []uuid.UUID) {
	stores, ids = make([]uuid.UUID, len(keys)), make([]uuid.UUID, len(keys))
	for i, k := range keys {
		stores[i], ids[i] = k.StoreID, k.ID
	}
	return stores, ids
}
