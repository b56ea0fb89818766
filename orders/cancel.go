package orders

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"tradeguard/payments"
	"tradeguard/scheduler"
	"tradeguard/tenants"
)

// cancelKindOf says why an order is cancelled when p cancels it. Merchants' cancellations count against them.
func cancelKindOf(p tenants.Principal) string {
	switch {
	case p.Is(tenants.RoleBuyer):
		return "BUYER"
	case p.Is(tenants.RoleMerchant):
		return "MERCHANT"
	default:
		return "ADMIN"
	}
}

// ValidateCancelReason: a merchant or admin must say why (it is shown to the buyer and counted); a buyer may.
func ValidateCancelReason(p tenants.Principal, reason string) error {
	n := utf8.RuneCountInString(strings.TrimSpace(reason))
	if n > 500 {
		return tenants.Refuse("REASON_TOO_LONG", "the reason may be at most 500 characters", "input", "reason")
	}
	if n == 0 && !p.Is(tenants.RoleBuyer) {
		return tenants.Refuse("REASON_REQUIRED", "say why the order is cancelled; the buyer sees it", "input", "reason")
	}
	return nil
}

// Cancel cancels an order: a buyer's unpaid one, or (merchant, admin) an unpaid or paid unshipped one with
// a reason. A paid order is refunded in full through the adapter in the same transaction.
func Cancel(ctx context.Context, s *tenants.Session, pay payments.Adapter, k Key, reason string, expectedVersion *int, now time.Time) (Order, error) {
	p := s.Principal()
	if err := ValidateCancelReason(p, reason); err != nil {
		return Order{}, err
	}
	return cancel(ctx, s, pay, k, cancelKindOf(p), strings.TrimSpace(reason), expectedVersion, now)
}

func cancel(ctx context.Context, s *tenants.Session, pay payments.Adapter, k Key, kind, reason string, expectedVersion *int, now time.Time) (Order, error) {
	o, err := transition(ctx, s, k, ActionCancel, expectedVersion, now, func(tx *sqlx.Tx, o *Order) (*string, *string, error) {
		if err := refundAll(ctx, tx, pay, o, "order-cancel:"+o.ID.String(), now); err != nil {
			return nil, nil, err
		}
		by := string(s.Principal().Role)
		o.Status, o.CancelledAt, o.CancelledBy, o.CancelKind = Cancelled, &now, &by, &kind
		var r *string
		if reason != "" {
			r = &reason
			o.CancelReason = r
		}
		return r, nil, nil
	})
	if err != nil {
		return o, err
	}
	for _, kind := range []string{KindPaymentTimeout, KindShipTimeout} {
		if err := scheduler.Cancel(ctx, s, &o.StoreID, kind, o.ID, now); err != nil {
			return o, err
		}
	}
	return o, nil
}

// CancelForRequest cancels a paid, unshipped order because the store (or the system, when the store did not
// answer in time) accepted the buyer's cancel request: it is refunded in full and does not count against
// the store.
func CancelForRequest(ctx context.Context, s *tenants.Session, pay payments.Adapter, k Key, caseNumber string, now time.Time) (Order, error) {
	return cancel(ctx, s, pay, k, "BUYER", "cancel request "+caseNumber+" accepted", nil, now)
}
