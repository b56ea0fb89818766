package orders

import (
	"context"
	"errors"
	"time"

	"github.com/jmoiron/sqlx"

	"tradeguard/payments"
	"tradeguard/scheduler"
	"tradeguard/tenants"
)

// Handlers are the scheduler's actions on orders. Each one re-reads the order and acts only if the reason
// for the deadline still holds at now, so a repeated or late run does nothing more.
func Handlers(pay payments.Adapter) map[string]scheduler.Handler {
	return map[string]scheduler.Handler{
		KindPaymentTimeout: onOrder(func(ctx context.Context, s *tenants.Session, o Order, now time.Time) error {
			if o.Status != PendingPayment || now.Before(o.CreatedAt.Add(PaymentWindow)) {
				return nil
			}
			_, err := cancel(ctx, s, pay, key(o), "PAYMENT_TIMEOUT", "not paid within 30 minutes", nil, now)
			return err
		}),
		KindShipTimeout: onOrder(func(ctx context.Context, s *tenants.Session, o Order, now time.Time) error {
			if o.Status != Paid || o.ShipBy == nil || now.Before(o.ShipBy.Add(ShipGrace)) {
				return nil
			}
			_, err := cancel(ctx, s, pay, key(o), "NOT_SHIPPED", "not shipped within 72 hours after the ship-by time", nil, now)
			return err
		}),
		KindAutoComplete: onOrder(func(ctx context.Context, s *tenants.Session, o Order, now time.Time) error {
			if o.Status != Delivered || o.DeliveredAt == nil || now.Before(o.DeliveredAt.Add(AutoCompleteWait)) {
				return nil
			}
			o, err := transition(ctx, s, key(o), ActionComplete, nil, now, complete(now))
			if err != nil {
				return err
			}
			return EnsureDeadlines(ctx, s, o, now)
		}),
		KindRetention: onOrder(func(ctx context.Context, s *tenants.Session, o Order, now time.Time) error {
			if o.CompletedAt == nil || now.Before(o.CompletedAt.AddDate(RetentionYears, 0, 0)) {
				return nil
			}
			return anonymizeOrder(ctx, s, key(o), now)
		}),
	}
}

func key(o Order) Key { return Key{StoreID: o.StoreID, ID: o.ID} }

// onOrder loads the deadline's order; an order that no longer exists has nothing left to do.
func onOrder(act func(ctx context.Context, s *tenants.Session, o Order, now time.Time) error) scheduler.Handler {
	return func(ctx context.Context, s *tenants.Session, d scheduler.Deadline, now time.Time) error {
		if d.TenantID == nil {
			return scheduler.Permanent{Err: errors.New("order deadline without a store")}
		}
		var o Order
		err := s.Do(ctx, func(tx *sqlx.Tx) error {
			var err error
			o, err = lockOrder(ctx, tx, Key{StoreID: *d.TenantID, ID: d.SubjectID})
			return err
		})
		if errors.Is(err, tenants.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		return act(ctx, s, o, now)
	}
}
