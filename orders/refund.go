package orders

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"tradeguard/tenants"
)

// RecordCaseRefund records on the order a refund an after-sales case made through the payment adapter: the
// order's refunded total rises by amountMinor, a SUCCEEDED REFUND payment transaction keeps the provider's
// reference under the idempotency key, and the order's history gets a REFUND event. It runs in the caller's
// transaction, which should already hold the order's row lock (the case's refund takes it before it calls the
// adapter). Recording the same key twice records it once.
//
// The database refuses a refunded total above the paid one: that refusal is the RuleError
// REFUND_EXCEEDS_PAID, and the transaction is then aborted, so the caller must roll it back.
func RecordCaseRefund(ctx context.Context, tx *sqlx.Tx, k Key, amountMinor int64, method, providerRef, key string, now time.Time) error {
	if amountMinor <= 0 {
		return fmt.Errorf("orders: record refund of %d: the amount must be positive", amountMinor)
	}
	if key == "" || len(key) > 200 {
		return fmt.Errorf("orders: record refund: idempotency key of 1 to 200 characters required")
	}
	o, err := lockOrder(ctx, tx, k)
	if err != nil {
		return err
	}
	var done bool
	err = tx.GetContext(ctx, &done, `select true from payment_transactions
		where tenant_id = $1 and order_id = $2 and kind = 'REFUND' and idempotency_key = $3`, o.StoreID, o.ID, key)
	switch {
	case err == nil:
		return nil // already recorded
	case !errors.Is(err, sql.ErrNoRows):
		return err
	}
	refundable := o.RefundableMinor
	o.RefundedMinor += amountMinor
	if err := save(ctx, tx, &o); err != nil {
		var pqErr *pq.Error
		if errors.As(err, &pqErr) && pqErr.Code == "23514" && strings.HasPrefix(pqErr.Constraint, "orders_check") {
			return tenants.Refuse("REFUND_EXCEEDS_PAID", fmt.Sprintf("a refund of %s on order %s would exceed what was paid: %s is still refundable",
				o.money(amountMinor), o.Number, o.money(refundable)))
		}
		return err
	}
	if err := recordPayment(ctx, tx, o, "REFUND", method, amountMinor, "SUCCEEDED", providerRef, "", key, now); err != nil {
		return err
	}
	note := fmt.Sprintf("%s refunded by %s", o.money(amountMinor), method)
	if providerRef != "" {
		note += " (" + providerRef + ")"
	}
	from := o.Status
	return appendEvent(ctx, tx, tenants.System, o, "REFUND", &from, nil, &note, now)
}
