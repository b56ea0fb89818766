package orders

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"tradeguard/internal/idem"
	"tradeguard/payments"
	"tradeguard/scheduler"
	"tradeguard/tenants"
)

// Pay charges the order's total through the payment adapter. It is idempotent per key: repeating a request
// with the same key returns what the first one did (the order, or the same refusal) and never charges twice.
// The key is the caller's within the store and stands for paying this one order: the same key on another
// order is refused with IDEMPOTENCY_KEY_REUSED (see internal/idem).
func Pay(ctx context.Context, s *tenants.Session, pay payments.Adapter, k Key, idempotencyKey string, now time.Time) (Order, error) {
	key := strings.TrimSpace(idempotencyKey)
	if key == "" || len(key) > 200 {
		return Order{}, tenants.Refuse("IDEMPOTENCY_KEY_REQUIRED", "give the payment an idempotency key of 1 to 200 characters, and reuse it when you retry", "input", "idempotencyKey")
	}
	var out Order
	var declined error
	paidNow := false
	err := s.Do(ctx, func(tx *sqlx.Tx) error {
		o, err := lockOrder(ctx, tx, k)
		if err != nil {
			return err
		}
		// The key stands for paying this order: reused for another order it is refused (idem.Once).
		req := idem.Request{Operation: string(ActionPay), StoreID: o.StoreID, SubjectID: o.ID, Subject: "order"}
		return idem.Once(ctx, tx, s.Principal(), key, req, now, func() error {
			// A retry of an earlier request: answer as it was answered.
			var prev struct {
				Status  string  `db:"status"`
				Failure *string `db:"failure_reason"`
			}
			err := tx.GetContext(ctx, &prev, `select status, failure_reason from payment_transactions
				where tenant_id = $1 and order_id = $2 and kind = 'CHARGE' and idempotency_key = $3`, o.StoreID, o.ID, key)
			switch {
			case err == nil && prev.Status == "SUCCEEDED":
				out = o
				return nil
			case err == nil:
				return declinedError(deref(prev.Failure))
			case !errors.Is(err, sql.ErrNoRows):
				return err
			}
			if err := Can(s.Principal(), o, ActionPay, now); err != nil {
				return err
			}
			method := "CARD"
			if o.PaymentMethod != nil {
				method = *o.PaymentMethod
			}
			res, err := pay.Charge(ctx, payments.Request{StoreID: o.StoreID, OrderID: o.ID, Method: method, Amount: o.Total(), IdempotencyKey: key})
			if d, ok := payments.IsDeclined(err); ok {
				declined = declinedError(d.Reason)
				return recordPayment(ctx, tx, o, "CHARGE", method, o.TotalMinor, "FAILED", "", d.Reason, key, now)
			}
			if err != nil {
				return fmt.Errorf("charge order %s: %w", o.Number, err)
			}
			if err := recordPayment(ctx, tx, o, "CHARGE", method, o.TotalMinor, "SUCCEEDED", res.ProviderRef, "", key, now); err != nil {
				return err
			}
			from := o.Status
			shipBy := now.Add(ShipWithin)
			o.Status, o.PaidMinor, o.PaidAt, o.ShipBy = Paid, o.TotalMinor, &now, &shipBy
			if err := save(ctx, tx, &o); err != nil {
				return err
			}
			if err := appendEvent(ctx, tx, s.Principal(), o, string(ActionPay), &from, nil, nil, now); err != nil {
				return err
			}
			out, paidNow = o, true
			return nil
		})
	})
	if err != nil {
		return Order{}, err
	}
	if declined != nil {
		return Order{}, declined // the failed attempt is recorded (and committed); the order stays unpaid
	}
	if paidNow {
		if err := scheduler.Cancel(ctx, s, &out.StoreID, KindPaymentTimeout, out.ID, now); err != nil {
			return Order{}, err
		}
		if err := EnsureDeadlines(ctx, s, out, now); err != nil {
			return Order{}, err
		}
	}
	return out, nil
}

func declinedError(reason string) error {
	return tenants.Refuse("PAYMENT_DECLINED", "the payment was declined: "+reason+"; the order is still unpaid until its payment window closes")
}

func recordPayment(ctx context.Context, tx *sqlx.Tx, o Order, kind, method string, amount int64, status, ref, failure, key string, now time.Time) error {
	_, err := tx.ExecContext(ctx, `insert into payment_transactions (tenant_id, id, order_id, buyer_id, kind, method,
		amount_minor, currency, status, provider_ref, failure_reason, idempotency_key, created_at)
		values ($1, $2, $3, $4, $5, $6, $7, $8, $9, nullif($10, ''), nullif($11, ''), nullif($12, ''), $13)`,
		o.StoreID, uuid.New(), o.ID, o.BuyerID, kind, method, amount, o.Currency, status, ref, failure, key, now)
	return err
}

// refundAll pays back everything still refundable on the order through the adapter and records it on the
// order (the database refuses a refunded total above the paid one). The key makes a retried refund move
// the money once.
func refundAll(ctx context.Context, tx *sqlx.Tx, pay payments.Adapter, o *Order, key string, now time.Time) error {
	amount := o.PaidMinor - o.RefundedMinor
	if amount <= 0 {
		return nil
	}
	method := "CARD"
	if o.PaymentMethod != nil {
		method = *o.PaymentMethod
	}
	res, err := pay.Refund(ctx, payments.Request{StoreID: o.StoreID, OrderID: o.ID, Method: method, Amount: o.money(amount), IdempotencyKey: key})
	if d, ok := payments.IsDeclined(err); ok {
		return tenants.Refuse("REFUND_DECLINED", "the refund was declined by the payment provider: "+d.Reason)
	}
	if err != nil {
		return fmt.Errorf("refund order %s: %w", o.Number, err)
	}
	if err := recordPayment(ctx, tx, *o, "REFUND", method, amount, "SUCCEEDED", res.ProviderRef, "", key, now); err != nil {
		return err
	}
	o.RefundedMinor += amount
	return nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
