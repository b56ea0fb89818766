package webhooks

import (
	"context"
	"encoding/json"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"tradeguard/tenants"
)

// Delivery is one event's delivery to one subscription, with its attempts.
type Delivery struct {
	SubscriptionID uuid.UUID       `db:"subscription_id"`
	EventID        uuid.UUID       `db:"event_id"`
	StoreID        uuid.UUID       `db:"tenant_id"` // the event's store
	Topic          string          `db:"topic"`
	OccurredAt     time.Time       `db:"occurred_at"`
	Payload        json.RawMessage `db:"payload"`
	Seq            int64           `db:"seq"`
	Status         string          `db:"status"` // PENDING, DELIVERED or FAILED
	NextAttemptAt  *time.Time      `db:"next_attempt_at"`
	DeliveredAt    *time.Time      `db:"delivered_at"`
	Attempts       []Attempt       `db:"-"`
}

// Attempt is one try: when, the answer's status (none when the request failed), how long, what failed.
type Attempt struct {
	SubscriptionID uuid.UUID `db:"subscription_id"`
	EventID        uuid.UUID `db:"event_id"`
	N              int       `db:"n"`
	At             time.Time `db:"at"`
	StatusCode     *int      `db:"status_code"`
	LatencyMS      int       `db:"latency_ms"`
	Error          *string   `db:"error"`
}

// Deliveries lists a subscription's deliveries, newest event first, up to limit after the event seq
// `before` (0: from the newest); more tells whether older ones exist.
func Deliveries(ctx context.Context, s *tenants.Session, subscription uuid.UUID, before int64, limit int) (out []Delivery, more bool, err error) {
	if err := may(s.Principal()); err != nil {
		return nil, false, err
	}
	err = s.Do(ctx, func(tx *sqlx.Tx) error {
		var sub Subscription
		if err := tx.GetContext(ctx, &sub, `select `+subColumns+` from webhook_subscriptions where id = $1`, subscription); err != nil {
			return notFound(err)
		}
		if !owns(s.Principal(), sub) {
			return tenants.ErrNotFound
		}
		if err := tx.SelectContext(ctx, &out, `select d.subscription_id, d.event_id, d.tenant_id, e.topic, e.occurred_at,
				e.payload, d.seq, d.status, case when d.status = 'PENDING' then d.next_attempt_at end next_attempt_at, d.delivered_at
			from webhook_deliveries d join outbox_events e on e.tenant_id = d.tenant_id and e.id = d.event_id
			where d.subscription_id = $1 and ($2 = 0 or d.seq < $2) order by d.seq desc limit $3`, subscription, before, limit+1); err != nil {
			return err
		}
		if len(out) > limit {
			out, more = out[:limit], true
		}
		events, stores := make([]uuid.UUID, len(out)), make([]uuid.UUID, len(out))
		for i, d := range out {
			events[i], stores[i] = d.EventID, d.StoreID
		}
		var attempts []Attempt
		if err := tx.SelectContext(ctx, &attempts, `select subscription_id, event_id, n, at, status_code, latency_ms, error
			from webhook_attempts where tenant_id = any($3) and subscription_id = $1 and event_id = any($2) order by n`,
			subscription, pq.Array(events), pq.Array(stores)); err != nil {
			return err
		}
		byEvent := map[uuid.UUID][]Attempt{}
		for _, a := range attempts {
			byEvent[a.EventID] = append(byEvent[a.EventID], a)
		}
		for i := range out {
			out[i].Attempts = byEvent[out[i].EventID]
		}
		return nil
	})
	return out, more, err
}

// Redeliver sends an event again to each of the caller's subscriptions that had it (delivered or given
// up), as soon as the deliverer runs, with a fresh 24 hours of retries. It returns how many deliveries it
// queued; none is ErrNotFound.
func Redeliver(ctx context.Context, s *tenants.Session, event uuid.UUID, now time.Time) (int, error) {
	p := s.Principal()
	if err := may(p); err != nil {
		return 0, err
	}
	var n int64
	err := s.Do(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `update webhook_deliveries d set status = 'PENDING', next_attempt_at = $2,
				first_attempt_at = null, delivered_at = null
			from webhook_subscriptions s
			where d.event_id = $1 and s.id = d.subscription_id and s.status = 'ACTIVE'
			  and (case when $3 then s.tenant_id is null else s.tenant_id = $4 end)`,
			event, now, p.Is(tenants.RoleAdmin), p.StoreID)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err == nil && n == 0 {
		return 0, tenants.ErrNotFound
	}
	return int(n), err
}
