package orders

import (
	"context"
	"time"

	"tradeguard/scheduler"
	"tradeguard/tenants"
)

// Deadline kinds of orders (the scheduler's handlers are in jobs.go).
const (
	KindPaymentTimeout = "order.payment_timeout" // unpaid 30 min after creation → cancelled
	KindShipTimeout    = "order.ship_timeout"    // unshipped 72 h after ship-by → cancelled, refunded
	KindAutoComplete   = "order.auto_complete"   // delivered 10 days ago → completed
	KindRetention      = "order.retention"       // completed 3 years ago → personal data anonymized
)

func schedule(ctx context.Context, s *tenants.Session, o Order, kind string, due, now time.Time) error {
	return scheduler.Schedule(ctx, s, scheduler.Deadline{TenantID: &o.StoreID, BuyerID: &o.BuyerID, Kind: kind,
		SubjectID: o.ID, DueAt: due}, now)
}

// EnsureDeadlines (re)creates the pending deadline an order's state calls for. Transitions do this as they
// go; this is for orders written some other way (the demo data).
func EnsureDeadlines(ctx context.Context, s *tenants.Session, o Order, now time.Time) error {
	switch o.Status {
	case PendingPayment:
		return schedule(ctx, s, o, KindPaymentTimeout, o.CreatedAt.Add(PaymentWindow), now)
	case Paid:
		if o.ShipBy != nil {
			return schedule(ctx, s, o, KindShipTimeout, o.ShipBy.Add(ShipGrace), now)
		}
	case Delivered:
		if o.DeliveredAt != nil {
			return schedule(ctx, s, o, KindAutoComplete, o.DeliveredAt.Add(AutoCompleteWait), now)
		}
	case Completed:
		if o.CompletedAt != nil && o.AnonymizedAt == nil {
			return schedule(ctx, s, o, KindRetention, o.CompletedAt.AddDate(RetentionYears, 0, 0), now)
		}
	}
	return nil
}
