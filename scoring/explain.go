package scoring

import (
	"context"
	"time"

	"github.com/google/uuid"

	"tradeguard/metrics"
	"tradeguard/tenants"
	"tradeguard/violations"
)

// MetricValue is one metric as a score saw it.
type MetricValue struct {
	Value        float64 `json:"value"`
	Numerator    int     `json:"numerator"`
	Denominator  int     `json:"denominator"`
	Insufficient bool    `json:"insufficient"`
	Status       string  `json:"status"`
}

// Score is a store's score as of an instant with everything it came from.
type Score struct {
	StoreID       uuid.UUID
	Day           time.Time // the as-of day in the store's time zone (midnight UTC of that date)
	AsOf          time.Time
	PolicyVersion int
	Result
	GeneralPoints, SeriousPoints int
	Orders30d                    int
	Metrics                      map[string]MetricValue
	ComputedAt                   time.Time
}

// Values are a store's metrics as the policy reads them: each rate, the average overall rating and the
// median response time in hours, each with its counts and status.
func Values(p Policy, m metrics.Store) map[string]MetricValue {
	out := map[string]MetricValue{}
	for key, r := range m.Rates {
		out[key] = MetricValue{Value: r.Value(), Numerator: r.Numerator, Denominator: r.Denominator, Insufficient: r.Insufficient}
	}
	out[metrics.AverageRating] = MetricValue{Value: m.Ratings.Overall, Numerator: m.Ratings.Negative,
		Denominator: m.Ratings.Count, Insufficient: m.Ratings.Insufficient}
	out[metrics.ResponseTime] = MetricValue{Value: m.Response.MedianHours, Numerator: m.Response.Answered,
		Denominator: m.Response.Cases, Insufficient: m.Response.Insufficient}
	for key, v := range out {
		v.Status = Insufficient
		if r, ok := p.RuleFor(key); ok {
			v.Status = Status(r, v.Value, v.Insufficient)
		} else if !v.Insufficient {
			v.Status = "" // the policy does not rule on it
		}
		out[key] = v
	}
	return out
}

// Explain scores metrics m and the active violation points under p.
func Explain(p Policy, m metrics.Store, general, serious int) Score {
	values := Values(p, m)
	in := Input{Metrics: map[string]Value{}, GeneralPoints: general, SeriousPoints: serious, Orders30d: m.Orders30d}
	for key, v := range values {
		in.Metrics[key] = Value{Value: v.Value, Insufficient: v.Insufficient}
	}
	return Score{StoreID: m.StoreID, AsOf: m.AsOf, PolicyVersion: p.Version, Result: Compute(p, in),
		GeneralPoints: general, SeriousPoints: serious, Orders30d: m.Orders30d, Metrics: values}
}

// Live is store's score as of asOf computed now, under the policy in force at asOf.
func Live(ctx context.Context, s *tenants.Session, store tenants.Store, asOf, now time.Time) (Score, error) {
	m, err := metrics.Compute(ctx, s, store, asOf)
	if err != nil {
		return Score{}, err
	}
	p, err := PolicyAt(ctx, s, asOf)
	if err != nil {
		return Score{}, err
	}
	g, sr, err := violations.ActivePointsOf(ctx, s, store.ID, asOf)
	if err != nil {
		return Score{}, err
	}
	sc := Explain(p.Policy, m, g, sr)
	sc.Day = metrics.Day(asOf, metrics.Location(store))
	sc.ComputedAt = now
	return sc, nil
}
