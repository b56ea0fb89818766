package aftersales

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"tradeguard/orders"
	"tradeguard/tenants"
)

// Eligibility windows (DESIGN §3.2; platform defaults). Every window is half-open: a case may be opened from
// its start (inclusive) until its end (exclusive).
const (
	// NoReasonReturnDays: a no-reason return is possible for this many calendar days counted from the day after
	// delivery, in the store's time zone (until the end of the 7th day).
	NoReasonReturnDays = 7
	// QualityWindow: a quality refund, return or exchange is possible within 15 × 24 h of delivery.
	QualityWindow = 15 * 24 * time.Hour
	// EstimatedDeliveryAfterShipping is the latest estimated delivery of a shipped order.
	EstimatedDeliveryAfterShipping = 7 * 24 * time.Hour
	// NotReceivedOpensAfter and NotReceivedClosesAfter bound the not-received refund, counted from the latest
	// estimated delivery.
	NotReceivedOpensAfter  = 3 * 24 * time.Hour
	NotReceivedClosesAfter = 90 * 24 * time.Hour
	// ComplaintWindow: a complaint is possible until 90 × 24 h after the order completed (any time before).
	ComplaintWindow = 90 * 24 * time.Hour
)

// openedOnlyExclusions are the categories excluded from the no-reason return only once opened (digital,
// audio-video and software; hygiene goods). Every other excluded category (custom-made, perishable,
// periodicals) is excluded whether opened or not.
var openedOnlyExclusions = []string{"digital", "hygiene"}

// EligibilityItem is one order line a case is about, with what its product's category says.
type EligibilityItem struct {
	OrderItemID uuid.UUID
	// Title is the line's title, used to name the line in a refusal (optional).
	Title            string
	Category         string
	NoReasonExcluded bool // the category is excluded by law from the no-reason return
	WarrantyDays     int  // the product's warranty; 0 means none
	Unopened         bool // the buyer declares the goods unopened
	// Gift lines ride on a paid line and are never checked: a gift that cannot come back lowers the refund by
	// its declared value when the return is received.
	Gift bool
}

// EligibilityInput is everything the eligibility rules look at; times are instants (any zone).
type EligibilityInput struct {
	Type                                        Type
	Reason                                      Reason
	OrderStatus                                 string // orders.Status as string
	PaidAt, ShippedAt, DeliveredAt, CompletedAt *time.Time
	StoreTZ                                     *time.Location // nil is UTC
	Items                                       []EligibilityItem
	Now                                         time.Time
}

// CheckEligibility says whether a case of this type and reason may be opened now (DESIGN §3.2): nil, or a
// refusal (*tenants.RuleError, or tenants.RuleErrors when several lines are refused) that names the rule, the
// field and the dates (RFC 3339, in the store's time zone). Codes: REASON_NOT_ALLOWED, ORDER_NOT_PAID,
// ORDER_CANCELLED, ALREADY_SHIPPED, NOT_SHIPPED, NOT_DELIVERED, TOO_EARLY, WINDOW_CLOSED, EXCLUDED_BY_LAW,
// NO_WARRANTY, and NOT_ELIGIBLE for anything else.
func CheckEligibility(in EligibilityInput) error {
	if err := typeKnown(in.Type); err != nil {
		return err
	}
	if err := reasonAllowed(in.Type, in.Reason); err != nil {
		return err
	}
	tz := in.StoreTZ
	if tz == nil {
		tz = time.UTC
	}
	at := func(t time.Time) string { return t.In(tz).Format(time.RFC3339) }
	status := orders.Status(in.OrderStatus)
	orderField := []string{"input", "orderId"}
	reasonField := []string{"input", "reason"}

	switch in.Type {
	case OrderCancel:
		switch {
		case status == orders.Paid && in.ShippedAt == nil:
			return nil
		case status == orders.Cancelled:
			return tenants.Refuse("ORDER_CANCELLED", "the order is already cancelled", orderField...)
		case status == orders.PendingPayment || in.PaidAt == nil:
			return tenants.Refuse("ORDER_NOT_PAID", "a cancel request is for a paid order that has not shipped; this order is not paid yet (an unpaid order is simply cancelled)", orderField...)
		case in.ShippedAt != nil:
			return tenants.Refuse("ALREADY_SHIPPED", fmt.Sprintf("a cancel request is for a paid order that has not shipped; this order shipped at %s: ask for a return or refund once it is delivered", at(*in.ShippedAt)), orderField...)
		}
		return tenants.Refuse("NOT_ELIGIBLE", fmt.Sprintf("a cancel request is for a paid order that has not shipped; this order is %s", status), orderField...)

	case Complaint:
		if in.PaidAt == nil {
			return tenants.Refuse("ORDER_NOT_PAID", "a complaint is about a paid order; this order was never paid", orderField...)
		}
		if in.CompletedAt != nil {
			if closes := in.CompletedAt.Add(ComplaintWindow); !in.Now.Before(closes) {
				return tenants.Refuse("WINDOW_CLOSED", fmt.Sprintf("a complaint is possible until 90 days after the order completed: it completed at %s, so until %s", at(*in.CompletedAt), at(closes)), "input", "type")
			}
		}
		return nil
	}

	// Every other type is about goods that were shipped (not received) or delivered.
	if status == orders.Cancelled {
		return tenants.Refuse("ORDER_CANCELLED", fmt.Sprintf("the order is cancelled; a %s is for a delivered order", in.Type), orderField...)
	}
	if in.Reason == NotReceived {
		shipped := status == orders.Shipped || status == orders.Delivered || status == orders.Completed
		if !shipped || in.ShippedAt == nil {
			return tenants.Refuse("NOT_SHIPPED", fmt.Sprintf("a not-received refund is for a shipped order; this order is %s", status), orderField...)
		}
		estimated := in.ShippedAt.Add(EstimatedDeliveryAfterShipping)
		opens, closes := estimated.Add(NotReceivedOpensAfter), estimated.Add(NotReceivedClosesAfter)
		window := fmt.Sprintf("shipped at %s, latest estimated delivery %s: possible from %s until %s", at(*in.ShippedAt), at(estimated), at(opens), at(closes))
		if in.Now.Before(opens) {
			return tenants.Refuse("TOO_EARLY", "a not-received refund opens 3 days after the latest estimated delivery and closes 90 days after it; "+window, reasonField...)
		}
		if !in.Now.Before(closes) {
			return tenants.Refuse("WINDOW_CLOSED", "a not-received refund closes 90 days after the latest estimated delivery; "+window, reasonField...)
		}
		return nil
	}
	delivered := in.DeliveredAt
	if delivered == nil {
		delivered = in.CompletedAt
	}
	if (status != orders.Delivered && status != orders.Completed) || delivered == nil {
		return tenants.Refuse("NOT_DELIVERED", fmt.Sprintf("a %s with reason %s is for a delivered order; this order is %s", in.Type, in.Reason, status), orderField...)
	}

	var errs tenants.RuleErrors
	switch {
	case in.Type == WarrantyRepair:
		for i, it := range in.Items {
			if it.Gift {
				continue
			}
			field := []string{"input", "items", fmt.Sprint(i), "orderItemId"}
			if it.WarrantyDays <= 0 {
				errs = append(errs, tenants.Refuse("NO_WARRANTY", fmt.Sprintf("%s (category %s) has no warranty", lineName(it), it.Category), field...))
				continue
			}
			if ends := WarrantyEnds(*delivered, it.WarrantyDays, tz); !in.Now.Before(ends) {
				errs = append(errs, tenants.Refuse("WINDOW_CLOSED", fmt.Sprintf("%s has a %d-day warranty from delivery: delivered at %s, so until %s", lineName(it), it.WarrantyDays, at(*delivered), at(ends)), field...))
			}
		}
	case in.Reason == NoReason:
		if ends := NoReasonReturnEnds(*delivered, tz); !in.Now.Before(ends) {
			last := ends.In(tz).Add(-time.Second)
			return tenants.Refuse("WINDOW_CLOSED", fmt.Sprintf("a no-reason return is possible for %d days from the day after delivery: delivered at %s, so until the end of %s (%s) in the store's time zone", NoReasonReturnDays, at(*delivered), last.Format(time.DateOnly), last.Format(time.RFC3339)), reasonField...)
		}
		for i, it := range in.Items {
			if it.Gift || !it.NoReasonExcluded {
				continue
			}
			field := []string{"input", "items", fmt.Sprint(i), "orderItemId"}
			if slices.Contains(openedOnlyExclusions, it.Category) {
				if it.Unopened {
					continue
				}
				errs = append(errs, tenants.Refuse("EXCLUDED_BY_LAW", fmt.Sprintf("%s is in category %s: once opened it is excluded by law from the no-reason return (declare it unopened if it is)", lineName(it), it.Category), field...))
				continue
			}
			errs = append(errs, tenants.Refuse("EXCLUDED_BY_LAW", fmt.Sprintf("%s is in category %s, which is excluded by law from the no-reason return", lineName(it), it.Category), field...))
		}
	default: // quality (and late-delivery) refunds, returns and exchanges
		if closes := delivered.Add(QualityWindow); !in.Now.Before(closes) {
			return tenants.Refuse("WINDOW_CLOSED", fmt.Sprintf("a %s for reason %s is possible within 15 days of delivery: delivered at %s, so until %s", in.Type, in.Reason, at(*delivered), at(closes)), reasonField...)
		}
	}
	if len(errs) == 1 {
		return errs[0]
	}
	return errs.Err()
}

// NoReasonReturnEnds is the instant a no-reason return closes: midnight at the end of the 7th calendar day
// after the delivery day, in the store's time zone (delivered 2026-06-01 15:00 Asia/Taipei: possible until
// 2026-06-08 23:59:59 Taipei, closed from 2026-06-09 00:00 Taipei).
func NoReasonReturnEnds(delivered time.Time, tz *time.Location) time.Time {
	if tz == nil {
		tz = time.UTC
	}
	d := delivered.In(tz)
	return time.Date(d.Year(), d.Month(), d.Day()+NoReasonReturnDays+1, 0, 0, 0, 0, tz)
}

// WarrantyEnds is the instant a warranty of days from delivery ends: the same wall-clock time, days calendar
// days later, in the store's time zone.
func WarrantyEnds(delivered time.Time, days int, tz *time.Location) time.Time {
	if tz == nil {
		tz = time.UTC
	}
	return delivered.In(tz).AddDate(0, 0, days)
}

// Types lists every type of case.
var Types = []Type{OrderCancel, RefundOnly, ReturnRefund, Exchange, WarrantyRepair, Complaint}

func typeKnown(t Type) error {
	if slices.Contains(Types, t) {
		return nil
	}
	names := make([]string, len(Types))
	for i, t := range Types {
		names[i] = string(t)
	}
	return tenants.Refuse("INVALID_TYPE", "the type must be one of "+strings.Join(names, ", "), "input", "type")
}

// reasonAllowed: the reason must be one the type accepts (ReasonsFor). An unknown type is typeKnown's.
func reasonAllowed(t Type, r Reason) error {
	allowed, ok := ReasonsFor[t]
	if !ok || slices.Contains(allowed, r) {
		return nil
	}
	names := make([]string, len(allowed))
	for i, a := range allowed {
		names[i] = string(a)
	}
	return tenants.Refuse("REASON_NOT_ALLOWED", fmt.Sprintf("a %s accepts the reasons %s", t, strings.Join(names, ", ")), "input", "reason")
}

func lineName(it EligibilityItem) string {
	if it.Title != "" {
		return fmt.Sprintf("line %q", it.Title)
	}
	return "line " + it.OrderItemID.String()
}
