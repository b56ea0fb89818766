package aftersales

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"tradeguard/orders"
	"tradeguard/tenants"
)

// ShipOrder ships an order and closes the buyer's pending cancel request, which shipping answers (DESIGN
// §3.1: the store agrees or ships; once delivered, the buyer may ask for a return instead).
func ShipOrder(ctx context.Context, s *tenants.Session, k orders.Key, carrier, tracking string, expectedVersion *int, now time.Time) (orders.Order, error) {
	o, err := orders.Ship(ctx, s, k, carrier, tracking, expectedVersion, now)
	if err != nil {
		return o, err
	}
	var pending []uuid.UUID
	err = s.Do(ctx, func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &pending, `select id from cases where tenant_id = $1 and order_id = $2
			and type = 'ORDER_CANCEL' and status = 'REQUESTED'`, k.StoreID, k.ID)
	})
	if err != nil {
		return o, err
	}
	for _, id := range pending {
		_, err := closeCase(ctx, s, Key{StoreID: k.StoreID, ID: id}, "ORDER_SHIPPED", Closed,
			"the store shipped the order; once it is delivered the buyer may ask for a return", now)
		if err != nil {
			return o, err
		}
	}
	return o, nil
}

// closeCase ends a case because of something that happened elsewhere (the event names what).
func closeCase(ctx context.Context, s *tenants.Session, k Key, action string, to Status, reason string, now time.Time) (Case, error) {
	var c Case
	err := s.Do(ctx, func(tx *sqlx.Tx) error {
		var err error
		if c, err = lockCase(ctx, tx, k); err != nil {
			return err
		}
		from := c.Status
		c.Status, c.ClosedAt = to, &now
		if s.Principal().Is(tenants.RoleMerchant) && c.FirstResponseAt == nil {
			c.FirstResponseAt = &now
		}
		if err := save(ctx, tx, &c, now); err != nil {
			return err
		}
		return appendEvent(ctx, tx, s.Principal(), c, action, &from, &reason, nil, now)
	})
	if err != nil {
		return c, err
	}
	return c, ensureDeadline(ctx, s, c, now)
}
