package orders

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"tradeguard/tenants"
)

// Event is one entry of an order's append-only history.
type Event struct {
	StoreID    uuid.UUID  `db:"tenant_id"`
	OrderID    uuid.UUID  `db:"order_id"`
	At         time.Time  `db:"at"`
	Actor      string     `db:"actor"` // BUYER, MERCHANT, ADMIN, SYSTEM
	ActorID    *uuid.UUID `db:"actor_id"`
	Action     string     `db:"action"`
	FromStatus *Status    `db:"from_status"`
	ToStatus   *Status    `db:"to_status"`
	Reason     *string    `db:"reason"`
	Note       *string    `db:"note"`
}

// actorOf names who acts for the event log: the role, and the person or token.
func actorOf(p tenants.Principal) (string, *uuid.UUID) {
	switch {
	case p.TokenID != uuid.Nil:
		return string(p.Role), &p.TokenID
	case p.UserID != uuid.Nil:
		return string(p.Role), &p.UserID
	}
	return string(p.Role), nil
}

func appendEvent(ctx context.Context, tx *sqlx.Tx, p tenants.Principal, o Order, action string, from *Status, reason, note *string, now time.Time) error {
	actor, actorID := actorOf(p)
	to := o.Status
	_, err := tx.ExecContext(ctx, `insert into order_events (tenant_id, id, order_id, buyer_id, at, actor, actor_id, action,
		from_status, to_status, reason, note) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		o.StoreID, uuid.New(), o.ID, o.BuyerID, now, actor, actorID, action, from, to, reason, note)
	return err
}

// EventsByOrders returns the timelines of the given orders in one query, oldest event first.
func EventsByOrders(ctx context.Context, s *tenants.Session, keys []Key) (map[Key][]Event, error) {
	stores, ids := splitKeys(keys)
	var rows []Event
	err := s.Do(ctx, func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &rows, `select tenant_id, order_id, at, actor, actor_id, action, from_status, to_status,
				reason, note from order_events
			where (tenant_id, order_id) in (select * from unnest($1::uuid[], $2::uuid[]))
			order by tenant_id, order_id, at, seq`, pq.Array(stores), pq.Array(ids))
	})
	out := make(map[Key][]Event, len(keys))
	for _, k := range keys {
		out[k] = []Event{}
	}
	for _, e := range rows {
		k := Key{StoreID: e.StoreID, ID: e.OrderID}
		out[k] = append(out[k], e)
	}
	return out, err
}
