package orders

import (
	"context"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"tradeguard/scheduler"
	"tradeguard/tenants"
)

var trackingPattern = regexp.MustCompile(`^[A-Za-z0-9-]{4,64}$`)

// ValidateShipment checks the carrier and tracking number (every problem at once).
func ValidateShipment(carrier, tracking string) error {
	var errs tenants.RuleErrors
	if n := utf8.RuneCountInString(strings.TrimSpace(carrier)); n < 1 || n > 50 {
		errs = append(errs, tenants.Refuse("INVALID_CARRIER", "carrier must be 1 to 50 characters", "input", "carrier"))
	}
	if !trackingPattern.MatchString(tracking) {
		errs = append(errs, tenants.Refuse("INVALID_TRACKING_NUMBER", "tracking number must be 4 to 64 letters, digits or dashes", "input", "trackingNumber"))
	}
	return errs.Err()
}

// Ship records the shipment (merchant). Shipping after the ship-by time is allowed and counts as late.
func Ship(ctx context.Context, s *tenants.Session, k Key, carrier, tracking string, expectedVersion *int, now time.Time) (Order, error) {
	if err := ValidateShipment(carrier, tracking); err != nil {
		return Order{}, err
	}
	o, err := transition(ctx, s, k, ActionShip, expectedVersion, now, func(_ *sqlx.Tx, o *Order) (*string, *string, error) {
		c := strings.TrimSpace(carrier)
		o.Status, o.ShippedAt, o.Carrier, o.TrackingNumber = Shipped, &now, &c, &tracking
		if o.ShippedLate(now) {
			return nil, ptr("late: shipped after the ship-by time " + o.ShipBy.Format(time.RFC3339)), nil
		}
		return nil, nil, nil
	})
	if err != nil {
		return o, err
	}
	return o, scheduler.Cancel(ctx, s, &o.StoreID, KindShipTimeout, o.ID, now)
}

// MarkDelivered records the carrier's delivery (merchant, admin, or the system on a carrier notification).
func MarkDelivered(ctx context.Context, s *tenants.Session, k Key, expectedVersion *int, now time.Time) (Order, error) {
	o, err := transition(ctx, s, k, ActionMarkDelivered, expectedVersion, now, func(_ *sqlx.Tx, o *Order) (*string, *string, error) {
		o.Status, o.DeliveredAt = Delivered, &now
		return nil, nil, nil
	})
	if err != nil {
		return o, err
	}
	return o, EnsureDeadlines(ctx, s, o, now)
}

// ConfirmReceipt completes a delivered order (buyer).
func ConfirmReceipt(ctx context.Context, s *tenants.Session, k Key, expectedVersion *int, now time.Time) (Order, error) {
	o, err := transition(ctx, s, k, ActionConfirmReceipt, expectedVersion, now, complete(now))
	if err != nil {
		return o, err
	}
	if err := scheduler.Cancel(ctx, s, &o.StoreID, KindAutoComplete, o.ID, now); err != nil {
		return o, err
	}
	return o, EnsureDeadlines(ctx, s, o, now)
}

func complete(now time.Time) change {
	return func(_ *sqlx.Tx, o *Order) (*string, *string, error) {
		o.Status, o.CompletedAt = Completed, &now
		return nil, nil, nil
	}
}
