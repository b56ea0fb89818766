package graph

import (
	"context"
	"time"

	"github.com/google/uuid"

	"tradeguard/aftersales"
	"tradeguard/graph/model"
	"tradeguard/metrics"
	"tradeguard/orders"
	"tradeguard/ratings"
	"tradeguard/scoring"
	"tradeguard/tenants"
)

// platformEpoch: nothing happened before it (scoring policy v1 is in force from then).
var platformEpoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// asOfArg is the as-of instant of a metrics or score field: now by default, never in the future (nothing is
// known of it yet).
func asOfArg(asOf *time.Time, now time.Time) (time.Time, error) {
	if asOf == nil {
		return now, nil
	}
	if asOf.After(now) {
		return time.Time{}, badInput("asOf", "is in the future: metrics and scores are known up to now")
	}
	if asOf.Before(platformEpoch) {
		return time.Time{}, badInput("asOf", "is before 2000-01-01: the platform has no facts from then")
	}
	return asOf.UTC(), nil
}

// storeMetrics computes every metric of store as of asOf and marks each against the policy in force then.
func storeMetrics(ctx context.Context, store *tenants.Store, asOf *time.Time, now time.Time) (*model.StoreMetrics, error) {
	at, err := asOfArg(asOf, now)
	if err != nil {
		return nil, err
	}
	s := tenants.SessionFrom(ctx)
	m, err := metrics.Compute(ctx, s, *store, at)
	if err != nil {
		return nil, storeFieldErr(err)
	}
	p, err := scoring.PolicyAt(ctx, s, at)
	if err != nil {
		return nil, err
	}
	values := scoring.Values(p.Policy, m)
	trends := &metrics.TrendCache{}
	rate := func(key string) *model.Metric {
		r, v := m.Rates[key], values[key]
		rule, _ := p.RuleFor(key)
		return &model.Metric{Key: key, WindowDays: r.WindowDays, From: r.From, To: r.To, Numerator: r.Numerator,
			Denominator: r.Denominator, Rate: r.Value(), InsufficientData: r.Insufficient, Excellent: rule.Excellent,
			Threshold: rule.Threshold, Status: v.Status, Store: *store, AsOf: at, Trends: trends}
	}
	rt, rtRule := m.Response, rule(p.Policy, metrics.ResponseTime)
	rg, rgRule := m.Ratings, rule(p.Policy, metrics.AverageRating)
	return &model.StoreMetrics{
		AsOf: at, OrdersLast30Days: m.Orders30d,
		DissatisfactionRate: rate(metrics.Dissatisfaction), OrderDefectRate: rate(metrics.OrderDefect),
		RefundRate: rate(metrics.Refund), QualityRefundRate: rate(metrics.QualityRefund),
		InterventionRate: rate(metrics.Intervention), DisputeRate: rate(metrics.Dispute),
		LateShipmentRate: rate(metrics.LateShipment), CancellationRate: rate(metrics.Cancellation),
		ResponseTime: &model.ResponseTimeMetric{Key: metrics.ResponseTime, WindowDays: rt.WindowDays, From: rt.From, To: rt.To,
			Cases: rt.Cases, Answered: rt.Answered, MedianHours: rt.MedianHours, InsufficientData: rt.Insufficient,
			Excellent: rtRule.Excellent, Threshold: rtRule.Threshold, Status: values[metrics.ResponseTime].Status},
		Ratings: &model.RatingMetric{Key: metrics.AverageRating, WindowDays: rg.WindowDays, From: rg.From, To: rg.To,
			Count: rg.Count, Negative: rg.Negative, Overall: rg.Overall, DescriptionMatch: rg.DescriptionMatch,
			ServiceAttitude: rg.ServiceAttitude, LogisticsSpeed: rg.LogisticsSpeed, InsufficientData: rg.Insufficient,
			Excellent: rgRule.Excellent, Threshold: rgRule.Threshold, Status: values[metrics.AverageRating].Status},
	}, nil
}

func rule(p scoring.Policy, key string) scoring.Rule {
	r, _ := p.RuleFor(key) // every published policy rules on every metric (Validate)
	return r
}

// metricOrders is one page of the orders a metric counted; totalCount is the metric's numerator.
func metricOrders(ctx context.Context, m *model.Metric, first *int, after *string) (*model.MetricOrderConnection, error) {
	var cur *metrics.Cursor
	if t, id, ok, err := parseTimeCursor(after); err != nil {
		return nil, err
	} else if ok {
		cur = &metrics.Cursor{PaidAt: t, ID: id}
	}
	rows, more, err := metrics.Orders(ctx, tenants.SessionFrom(ctx), m.Store, m.Key, m.AsOf, cur, pageSize(first))
	if err != nil {
		return nil, err
	}
	if err := prefetchMetricOrders(ctx, rows); err != nil {
		return nil, err
	}
	c := &model.MetricOrderConnection{Nodes: rows, Edges: make([]model.MetricOrderEdge, len(rows)), TotalCount: m.Numerator}
	cursors := make([]string, len(rows))
	for i, o := range rows {
		cursors[i] = timeCursor(o.PaidAt, o.OrderID)
		c.Edges[i] = model.MetricOrderEdge{Cursor: cursors[i], Node: &rows[i]}
	}
	c.PageInfo = pageInfo(cursors, more)
	return c, nil
}

// metricTrend is the metric at the end of each day from from's day to to's day, in the store's time zone.
func metricTrend(ctx context.Context, m *model.Metric, from, to, now time.Time) ([]model.MetricPoint, error) {
	days, err := metrics.TrendDays(from, to, now, metrics.Location(m.Store))
	if err != nil {
		return nil, err
	}
	all, err := m.Trends.Get(ctx, tenants.SessionFrom(ctx), m.Store, days, now)
	if err != nil {
		return nil, err
	}
	pts := all[m.Key]
	out := make([]model.MetricPoint, len(pts))
	for i, p := range pts {
		out[i] = model.MetricPoint{Day: p.Day.Format(time.DateOnly), Numerator: p.Numerator, Denominator: p.Denominator,
			Rate: p.Rate(), InsufficientData: p.Insufficient}
	}
	return out, nil
}

func signalSource(sig *metrics.Signal, source string) (uuid.UUID, bool) {
	if sig.Source == nil || *sig.Source != source || sig.SourceID == nil {
		return uuid.Nil, false
	}
	return *sig.SourceID, true
}

func signalCase(ctx context.Context, sig *metrics.Signal) (*aftersales.Case, error) {
	id, ok := signalSource(sig, "CASE")
	if !ok {
		return nil, nil
	}
	return load(ctx, loadersFrom(ctx).kase, aftersales.Key{StoreID: sig.StoreID, ID: id})
}

func signalRating(ctx context.Context, sig *metrics.Signal) (*ratings.Rating, error) {
	id, ok := signalSource(sig, "RATING")
	if !ok {
		return nil, nil
	}
	// An order has at most one rating: the order's loader batches a page's ratings into one statement.
	r, err := load(ctx, loadersFrom(ctx).ratingByOrder, orders.Key{StoreID: sig.StoreID, ID: sig.OrderID})
	if err != nil || r == nil || r.ID != id {
		return nil, err
	}
	return r, nil
}

func signalChargeback(ctx context.Context, sig *metrics.Signal) (*metrics.Chargeback, error) {
	id, ok := signalSource(sig, "CHARGEBACK")
	if !ok {
		return nil, nil
	}
	return load(ctx, loadersFrom(ctx).chargeback, metrics.ChargebackKey{StoreID: sig.StoreID, ID: id})
}
