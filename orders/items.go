package orders

import (
	"context"
	"database/sql"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"tradeguard/money"
	"tradeguard/tenants"
)

// Item is one line of an order. A gift (GiftOf set) rides on a paid line and has no price of its own.
type Item struct {
	StoreID            uuid.UUID  `db:"tenant_id"`
	ID                 uuid.UUID  `db:"id"`
	OrderID            uuid.UUID  `db:"order_id"`
	ProductID          uuid.UUID  `db:"product_id"`
	Position           int        `db:"position"`
	Title              string     `db:"title"`
	Quantity           int        `db:"quantity"`
	UnitPriceMinor     int64      `db:"unit_price_minor"`
	GiftOf             *uuid.UUID `db:"gift_of"`
	DeclaredValueMinor int64      `db:"declared_value_minor"`
	Currency           string     `db:"currency"`
}

// UnitPrice, LineTotal and DeclaredValue are the line's amounts in the order's currency.
func (i Item) UnitPrice() money.Money { return money.New(i.UnitPriceMinor, i.Currency) }
func (i Item) LineTotal() money.Money {
	return money.New(i.UnitPriceMinor*int64(i.Quantity), i.Currency)
}
func (i Item) DeclaredValue() money.Money { return money.New(i.DeclaredValueMinor, i.Currency) }

// ItemsByOrders returns the lines of the given orders in one query, grouped by order key, in position order.
func ItemsByOrders(ctx context.Context, s *tenants.Session, keys []Key) (map[Key][]Item, error) {
	stores, ids := splitKeys(keys)
	var rows []Item
	err := s.Do(ctx, func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &rows, `select i.tenant_id, i.id, i.order_id, i.product_id, i.position, i.title,
				i.quantity, i.unit_price_minor, i.gift_of, i.declared_value_minor, o.currency
			from order_items i join orders o on o.tenant_id = i.tenant_id and o.id = i.order_id
			where (i.tenant_id, i.order_id) in (select * from unnest($1::uuid[], $2::uuid[]))
			order by i.tenant_id, i.order_id, i.position`, pq.Array(stores), pq.Array(ids))
	})
	if err != nil && err != sql.ErrNoRows {
		return nil, err
	}
	out := make(map[Key][]Item, len(keys))
	for _, it := range rows {
		k := Key{StoreID: it.StoreID, ID: it.OrderID}
		out[k] = append(out[k], it)
	}
	return out, nil
}
