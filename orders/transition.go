package orders

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/jmoiron/sqlx"

	"tradeguard/tenants"
)

// change is one state transition: given the locked order, it mutates it and says what to log.
type change func(tx *sqlx.Tx, o *Order) (reason, note *string, err error)

// transition is how every order change happens: lock the order, check the expected version (optimistic
// concurrency: a stale caller gets tenants.ErrConflict), check the rules for the caller, apply the change,
// save it with a new version and append the event, all in the caller's transaction.
func transition(ctx context.Context, s *tenants.Session, k Key, a Action, expectedVersion *int, now time.Time, apply change) (Order, error) {
	var o Order
	err := s.Do(ctx, func(tx *sqlx.Tx) error {
		var err error
		if o, err = lockOrder(ctx, tx, k); err != nil {
			return err
		}
		if expectedVersion != nil && *expectedVersion != o.Version {
			return tenants.ErrConflict
		}
		if err := Can(s.Principal(), o, a, now); err != nil {
			return err
		}
		from := o.Status
		reason, note, err := apply(tx, &o)
		if err != nil {
			return err
		}
		if err := save(ctx, tx, &o); err != nil {
			return err
		}
		return appendEvent(ctx, tx, s.Principal(), o, string(a), &from, reason, note, now)
	})
	return o, err
}

func lockOrder(ctx context.Context, tx *sqlx.Tx, k Key) (Order, error) {
	var o Order
	err := tx.GetContext(ctx, &o, `select `+columns+` from orders where tenant_id = $1 and id = $2 for update`, k.StoreID, k.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return o, tenants.ErrNotFound
	}
	return o, err
}

// save writes the order's mutable fields and bumps its version; the database computes what stays refundable.
func save(ctx context.Context, tx *sqlx.Tx, o *Order) error {
	q, args, err := tx.BindNamed(`update orders set status = :status, paid_minor = :paid_minor,
		refunded_minor = :refunded_minor, payment_method = :payment_method, paid_at = :paid_at, ship_by = :ship_by,
		shipped_at = :shipped_at, carrier = :carrier, tracking_number = :tracking_number, delivered_at = :delivered_at,
		completed_at = :completed_at, cancelled_at = :cancelled_at, cancelled_by = :cancelled_by, cancel_kind = :cancel_kind,
		cancel_reason = :cancel_reason, version = version + 1
		where tenant_id = :tenant_id and id = :id and version = :version
		returning refundable_minor`, o)
	if err != nil {
		return err
	}
	err = tx.GetContext(ctx, &o.RefundableMinor, q, args...)
	if errors.Is(err, sql.ErrNoRows) {
		return tenants.ErrConflict
	}
	if err != nil {
		return err
	}
	o.Version++
	return nil
}

func ptr[T any](v T) *T { return &v }
