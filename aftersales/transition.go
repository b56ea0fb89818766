package aftersales

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"tradeguard/internal/idem"
	"tradeguard/tenants"
)

// change mutates a locked case for one action and says what to log.
type change func(tx *sqlx.Tx, c *Case) (reason, note *string, err error)

// transition is how every case change happens: lock the case, check the expected version (a stale caller
// gets tenants.ErrConflict), check the rules for the caller, apply the change, save it with a new version,
// append the event, and move the case's deadline — all in the caller's transaction.
func transition(ctx context.Context, s *tenants.Session, k Key, a Action, expectedVersion *int, now time.Time, apply change) (Case, error) {
	return transitionOnce(ctx, s, k, a, "", nil, expectedVersion, now, apply)
}

// transitionOnce is transition for money-moving requests. The client's idempotency key is claimed for the
// request (the action on this case with input, the request's meaningful fields: see idem.Request) once the
// case is locked: a key the caller already used for a different request is refused with
// IDEMPOTENCY_KEY_REUSED. The key is recorded on the event, and a request repeating a key that already acted
// on the case (even concurrently: the case row is locked first) gets the case as it is, without acting again.
func transitionOnce(ctx context.Context, s *tenants.Session, k Key, a Action, idempotencyKey string, input map[string]any, expectedVersion *int, now time.Time, apply change) (Case, error) {
	var c Case
	replay := false
	err := s.Do(ctx, func(tx *sqlx.Tx) error {
		var err error
		if c, err = lockCase(ctx, tx, k); err != nil {
			return err
		}
		act := func() error {
			if idempotencyKey != "" {
				if err := tx.GetContext(ctx, &replay, `select exists (select 1 from case_events
					where tenant_id = $1 and case_id = $2 and idempotency_key = $3)`, k.StoreID, k.ID, idempotencyKey); err != nil || replay {
					return err
				}
			}
			if expectedVersion != nil && *expectedVersion != c.Version {
				return tenants.ErrConflict
			}
			if err := Can(s.Principal(), c, a, now); err != nil {
				return err
			}
			from := c.Status
			reason, note, err := apply(tx, &c)
			if err != nil {
				return err
			}
			if s.Principal().Is(tenants.RoleMerchant) && c.FirstResponseAt == nil {
				c.FirstResponseAt = &now // the response-time metric counts the store's first answer
			}
			if c.Status.Final() && c.ClosedAt == nil {
				c.ClosedAt = &now
			}
			if err := save(ctx, tx, &c, now); err != nil {
				return err
			}
			return appendEventKeyed(ctx, tx, s.Principal(), c, string(a), &from, reason, note, idempotencyKey, now)
		}
		if idempotencyKey == "" {
			return act()
		}
		req := idem.Request{Operation: string(a), StoreID: k.StoreID, SubjectID: k.ID, Subject: "case", Input: input}
		return idem.Once(ctx, tx, s.Principal(), idempotencyKey, req, now, act)
	})
	if err != nil || replay {
		return c, err
	}
	return c, ensureDeadline(ctx, s, c, now)
}

// Event is one entry of a case's append-only history.
type Event struct {
	StoreID    uuid.UUID  `db:"tenant_id"`
	CaseID     uuid.UUID  `db:"case_id"`
	At         time.Time  `db:"at"`
	Actor      string     `db:"actor"`
	ActorID    *uuid.UUID `db:"actor_id"`
	Action     string     `db:"action"`
	FromStatus *Status    `db:"from_status"`
	ToStatus   *Status    `db:"to_status"`
	Reason     *string    `db:"reason"`
	Note       *string    `db:"note"`
}

func appendEvent(ctx context.Context, tx *sqlx.Tx, p tenants.Principal, c Case, action string, from *Status, reason, note *string, now time.Time) error {
	return appendEventKeyed(ctx, tx, p, c, action, from, reason, note, "", now)
}

func appendEventKeyed(ctx context.Context, tx *sqlx.Tx, p tenants.Principal, c Case, action string, from *Status, reason, note *string, idempotencyKey string, now time.Time) error {
	actor, actorID := tenants.ActorOf(p)
	_, err := tx.ExecContext(ctx, `insert into case_events (tenant_id, id, case_id, buyer_id, at, actor, actor_id, action,
		from_status, to_status, reason, note, idempotency_key) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, nullif($13, ''))`,
		c.StoreID, uuid.New(), c.ID, c.BuyerID, now, actor, actorID, action, from, c.Status, reason, note, idempotencyKey)
	return err
}

// systemTransition is a deadline acting: the rules' state checks were made by Deadline, so it applies the
// change as the system without them (the event records the action that stood for the deadline).
func systemTransition(ctx context.Context, s *tenants.Session, k Key, a Action, now time.Time, apply change) (Case, error) {
	var c Case
	err := s.Do(ctx, func(tx *sqlx.Tx) error {
		var err error
		if c, err = lockCase(ctx, tx, k); err != nil {
			return err
		}
		from := c.Status
		reason, note, err := apply(tx, &c)
		if err != nil {
			return err
		}
		if c.Status.Final() && c.ClosedAt == nil {
			c.ClosedAt = &now
		}
		if err := save(ctx, tx, &c, now); err != nil {
			return err
		}
		return appendEvent(ctx, tx, s.Principal(), c, "DEADLINE_"+string(a), &from, reason, note, now)
	})
	if err != nil {
		return c, err
	}
	return c, ensureDeadline(ctx, s, c, now)
}
