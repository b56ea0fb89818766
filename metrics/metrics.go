// Package metrics computes a store's merchant metrics (docs/DESIGN.md §3.4) as of any instant: the rates
// from the signals the database records with each fact (migrations/00010_metrics.sql) and from the orders'
// own timestamps, the rating averages, and the response time. Windows are whole days in the store's time
// zone ending on the as-of day, up to the as-of instant; an order counts on the day it was paid.
package metrics

import (
	"time"

	"github.com/google/uuid"

	"tradeguard/tenants"
)

// Keys of the metrics, as the API and the scoring policy name them.
const (
	Dissatisfaction   = "dissatisfactionRate"
	OrderDefect       = "orderDefectRate"
	Refund            = "refundRate"
	QualityRefund     = "qualityRefundRate"
	Intervention      = "interventionRate"
	Dispute           = "disputeRate"
	LateShipment      = "lateShipmentRate"
	Cancellation      = "cancellationRate"
	ResponseTime      = "responseTime"
	AverageRating     = "averageRating"
	MinOrders         = 30 // fewer orders in a window: insufficient data (DESIGN §3.4)
	MinRatings        = 5  // fewer ratings in the window: the average is insufficient data
	RatingWindowDays  = 180
	DefaultWindowDays = 30
)

// Kind says where a rate's numerator comes from.
type Kind int

const (
	FromSignals      Kind = iota // metric_signals rows in force at the as-of instant
	FromLateShipment             // orders whose ship-by passed before they shipped
	FromCancellation             // orders cancelled by the merchant or for not shipping
)

// Def is one rate metric.
type Def struct {
	Key        string
	WindowDays int
	Kind       Kind
}

// Rates lists the rate metrics in the order the API shows them.
var Rates = []Def{
	{Dissatisfaction, 30, FromSignals},
	{OrderDefect, 60, FromSignals},
	{Refund, 30, FromSignals},
	{QualityRefund, 30, FromSignals},
	{Intervention, 30, FromSignals},
	{Dispute, 30, FromSignals},
	{LateShipment, 30, FromLateShipment},
	{Cancellation, 30, FromCancellation},
}

// DefOf finds a rate metric by key.
func DefOf(key string) (Def, bool) {
	for _, d := range Rates {
		if d.Key == key {
			return d, true
		}
	}
	return Def{}, false
}

// Window is the span of a metric of days days as of asOf: from the start of the day days-1 days before
// asOf's day, in the store's time zone, to asOf itself (both included).
func Window(asOf time.Time, tz *time.Location, days int) (from, to time.Time) {
	local := asOf.In(tz)
	start := time.Date(local.Year(), local.Month(), local.Day()-(days-1), 0, 0, 0, 0, tz)
	return start.UTC(), asOf.UTC()
}

// EndOfDay is the last instant of day (a date in tz), the as-of instant of that day's figures.
func EndOfDay(day time.Time, tz *time.Location) time.Time {
	return time.Date(day.Year(), day.Month(), day.Day()+1, 0, 0, 0, 0, tz).Add(-time.Microsecond).UTC()
}

// Day is the date of t in tz, as midnight UTC of that date (how DATE columns scan).
func Day(t time.Time, tz *time.Location) time.Time {
	l := t.In(tz)
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, time.UTC)
}

// Location is a store's time zone (UTC if the name is unknown to this machine).
func Location(s tenants.Store) *time.Location {
	if loc, err := time.LoadLocation(s.TimeZone); err == nil {
		return loc
	}
	return time.UTC
}

// Rate is one rate metric's value.
type Rate struct {
	Key                    string
	WindowDays             int
	From, To               time.Time
	Numerator, Denominator int
	// Orders paid in the window (the sufficiency test); the same as Denominator except for late shipments,
	// whose denominator is the orders whose ship-by has passed.
	Orders       int
	Insufficient bool
}

// Value is the rate (0 with no denominator).
func (r Rate) Value() float64 {
	if r.Denominator == 0 {
		return 0
	}
	return float64(r.Numerator) / float64(r.Denominator)
}

// Ratings are the rating averages over the ratings given in the window, as they stood at its end.
type Ratings struct {
	WindowDays                                                 int
	From, To                                                   time.Time
	Count, Negative                                            int
	Overall, DescriptionMatch, ServiceAttitude, LogisticsSpeed float64
	Insufficient                                               bool
}

// Response is the median time to the store's first answer on the cases opened in the window.
type Response struct {
	WindowDays      int
	From, To        time.Time
	Cases, Answered int
	MedianHours     float64
	Insufficient    bool
}

// Store is every metric of one store as of one instant.
type Store struct {
	StoreID  uuid.UUID
	AsOf     time.Time
	Rates    map[string]Rate
	Ratings  Ratings
	Response Response
	// Orders paid in the 30 days before AsOf: fewer than MinOrders and the store is unrated.
	Orders30d int
}

// CanRead: the store's merchant staff (partner tokens with METRICS_READ), admins and the system.
func CanRead(p tenants.Principal, storeID uuid.UUID) error {
	switch {
	case p.Is(tenants.RoleAdmin, tenants.RoleSystem):
		return nil
	case p.Is(tenants.RoleMerchant) && p.StoreID == storeID:
		if !p.Allows(tenants.ScopeMetricsRead) {
			return tenants.ErrForbidden
		}
		return nil
	}
	return tenants.ErrForbidden
}
