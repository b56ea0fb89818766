package graph

import (
	"context"
	"encoding/base64"
	"errors"
	"log/slog"
	"strconv"
	"time"

	"github.com/google/uuid"

	"tradeguard/graph/model"
	"tradeguard/metrics"
	"tradeguard/money"
	"tradeguard/orders"
	"tradeguard/scoring"
	"tradeguard/tenants"
)

const kindScoreJob = "ScoreJob"

// storeScore is store's live score as of asOf; null before the store existed.
func storeScore(ctx context.Context, store *tenants.Store, asOf *time.Time, now time.Time) (*scoring.Score, error) {
	at, err := asOfArg(asOf, now)
	if err != nil {
		return nil, err
	}
	if at.Before(store.CreatedAt) {
		return nil, nil
	}
	sc, err := scoring.Live(ctx, tenants.SessionFrom(ctx), *store, at, now)
	if err != nil {
		return nil, storeFieldErr(err)
	}
	return &sc, nil
}

func scoreHistory(ctx context.Context, store *tenants.Store, from, to time.Time) ([]scoring.Score, error) {
	out, err := scoring.History(ctx, tenants.SessionFrom(ctx), *store, from, to)
	if rules, ok := tenants.AsRuleErrors(err); ok && len(rules) > 0 {
		return nil, badInput(rules[0].Field[len(rules[0].Field)-1], rules[0].Message)
	}
	return out, storeFieldErr(err)
}

// subScores explain a score metric by metric, in the policy's order.
func subScores(sc *scoring.Score) []model.SubScore {
	out := make([]model.SubScore, len(sc.Subs))
	for i, s := range sc.Subs {
		v := sc.Metrics[s.Metric]
		out[i] = model.SubScore{Metric: s.Metric, Value: s.Value, Numerator: v.Numerator, Denominator: v.Denominator,
			Weight: s.Weight, SubScore: s.SubScore, Counted: s.Counted, Excellent: s.Excellent, Threshold: s.Threshold,
			Status: v.Status}
	}
	return out
}

func scoreDeduction(sc *scoring.Score) *model.ScoreDeduction {
	return &model.ScoreDeduction{GeneralPoints: sc.GeneralPoints, SeriousPoints: sc.SeriousPoints, Points: sc.Deduction,
		Cap: sc.DeductionCap}
}

func policyPublish(ctx context.Context, in model.ScoringPolicyPublishInput, now time.Time) (*model.ScoringPolicyPayload, error) {
	p := scoring.Policy{GeneralPointValue: in.GeneralPointValue, SeriousPointValue: in.SeriousPointValue,
		DeductionCap: in.DeductionCap, LowestLevel: deref(in.LowestLevel), MinOrders: in.MinOrders}
	for _, r := range in.Rules {
		p.Rules = append(p.Rules, scoring.Rule{Metric: r.Metric, Weight: r.Weight, Excellent: r.Excellent, Threshold: r.Threshold})
	}
	for _, b := range in.Bands {
		p.Bands = append(p.Bands, scoring.Band{Level: b.Level, Min: b.Min})
	}
	pub, err := scoring.Publish(ctx, tenants.SessionFrom(ctx), p, deref(in.Note), now)
	ues, err := userErrors(err)
	if err != nil || ues != nil {
		return &model.ScoringPolicyPayload{UserErrors: ues}, err
	}
	return &model.ScoringPolicyPayload{Policy: &pub, UserErrors: []model.UserError{}}, nil
}

func (r *Resolver) scoresRecompute(ctx context.Context, in model.ScoresRecomputeInput) (*model.ScoreJobPayload, error) {
	at := r.Now()
	if in.AsOf != nil {
		at = *in.AsOf
	}
	job, err := scoring.StartRecompute(ctx, tenants.PrincipalFrom(ctx), r.DB, at, r.Now, slog.Default())
	ues, err := userErrors(err)
	if err != nil || ues != nil {
		return &model.ScoreJobPayload{UserErrors: ues}, err
	}
	return &model.ScoreJobPayload{Job: &job, UserErrors: []model.UserError{}}, nil
}

func scoreJob(ctx context.Context, id string) (*scoring.Job, error) {
	ids, ok := parseID(id, kindScoreJob, 1)
	if !ok {
		return nil, nil
	}
	j, err := scoring.GetJob(ctx, tenants.SessionFrom(ctx), ids[0])
	if errors.Is(err, tenants.ErrNotFound) {
		return nil, nil
	}
	return &j, err
}

// Scoreboard cursors are offsets: the board is sorted by computed values, so no key is stable across pages
// anyway, and a platform has thousands of stores, not millions.
func offsetCursor(n int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("offset:" + strconv.Itoa(n)))
}

func parseOffsetCursor(after *string) (int, error) {
	if after == nil || *after == "" {
		return 0, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(*after)
	if err == nil && len(raw) > 7 && string(raw[:7]) == "offset:" {
		if n, err := strconv.Atoi(string(raw[7:])); err == nil && n >= 0 {
			return n, nil
		}
	}
	return 0, badInput("after", "is not a cursor from this connection")
}

func scoreboard(ctx context.Context, asOf *time.Time, first *int, after *string, f *model.ScoreboardFilter, o *model.ScoreboardOrder, now time.Time) (*model.ScoreboardConnection, error) {
	at, err := asOfArg(asOf, now)
	if err != nil {
		return nil, err
	}
	offset, err := parseOffsetCursor(after)
	if err != nil {
		return nil, err
	}
	filter, order := boardFilter(f), boardOrder(o)
	s := tenants.SessionFrom(ctx)
	rows, more, err := scoring.Scoreboard(ctx, s, at, filter, order, offset, pageSize(first))
	if err != nil {
		return nil, err
	}
	c := &model.ScoreboardConnection{Nodes: rows, Edges: make([]model.ScoreboardEdge, len(rows))}
	cursors := make([]string, len(rows))
	for i := range rows {
		cursors[i] = offsetCursor(offset + i + 1)
		c.Edges[i] = model.ScoreboardEdge{Cursor: cursors[i], Node: &rows[i]}
	}
	c.PageInfo = pageInfo(cursors, more)
	if wantsTotal(ctx) {
		c.TotalCount, err = scoring.ScoreboardCount(ctx, s, at, filter)
	}
	return c, err
}

func boardFilter(f *model.ScoreboardFilter) scoring.BoardFilter {
	if f == nil {
		return scoring.BoardFilter{}
	}
	return scoring.BoardFilter{Levels: f.Level, FailingMetric: deref(f.FailingMetric), Search: deref(f.Search)}
}

func boardOrder(o *model.ScoreboardOrder) scoring.BoardOrder {
	if o == nil {
		return scoring.BoardOrder{Field: scoring.SortScore, Desc: true}
	}
	return scoring.BoardOrder{Field: o.Field, Desc: o.Direction == nil || *o.Direction != "ASC"}
}

// boardMetrics are a scoreboard row's metrics in the policy's metric order.
func boardMetrics(row *scoring.BoardRow) []model.ScoreboardMetric {
	if row.Score == nil {
		return []model.ScoreboardMetric{}
	}
	out := make([]model.ScoreboardMetric, 0, len(scoring.Metrics))
	for _, key := range scoring.Metrics {
		v, ok := row.Score.Metrics[key]
		if !ok {
			continue
		}
		out = append(out, model.ScoreboardMetric{Metric: key, Value: v.Value, Numerator: v.Numerator,
			Denominator: v.Denominator, InsufficientData: v.Insufficient, Status: v.Status})
	}
	return out
}

func abuseFlagSet(ctx context.Context, in model.BuyerAbuseFlagSetInput, now time.Time) (*model.BuyerAbuseFlagPayload, error) {
	ids, ok := parseID(in.BuyerID, kindUser, 1)
	if !ok {
		return &model.BuyerAbuseFlagPayload{UserErrors: []model.UserError{{Code: "BUYER_NOT_FOUND",
			Field: []string{"input", "buyerId"}, Message: "no such buyer"}}}, nil
	}
	f, err := metrics.SetAbuseFlag(ctx, tenants.SessionFrom(ctx), ids[0], in.Flagged, in.Reason, now)
	ues, err := userErrors(err)
	if err != nil || ues != nil {
		return &model.BuyerAbuseFlagPayload{UserErrors: ues}, err
	}
	u, err := load(ctx, loadersFrom(ctx).user, ids[0])
	return &model.BuyerAbuseFlagPayload{Buyer: u, Flag: &f, UserErrors: []model.UserError{}}, err
}

func userAbuseFlags(ctx context.Context, u *tenants.User) ([]metrics.AbuseFlag, error) {
	m, err := metrics.AbuseFlags(ctx, tenants.SessionFrom(ctx), []uuid.UUID{u.ID})
	if err != nil {
		return nil, err
	}
	if fs := m[u.ID]; fs != nil {
		return fs, nil
	}
	return []metrics.AbuseFlag{}, nil
}

func userHistory(ctx context.Context, u *tenants.User) ([]tenants.LifecycleEvent, error) {
	evs, err := tenants.AccountHistory(ctx, tenants.SessionFrom(ctx), u.ID)
	if errors.Is(err, tenants.ErrForbidden) {
		return []tenants.LifecycleEvent{}, nil // someone else's account: its history is simply not shown
	}
	return evs, err
}

func chargebackRecord(ctx context.Context, in model.ChargebackRecordInput, now time.Time) (*model.ChargebackPayload, error) {
	refuse := func(code, msg, field string) (*model.ChargebackPayload, error) {
		return &model.ChargebackPayload{UserErrors: []model.UserError{{Code: code, Field: []string{"input", field}, Message: msg}}}, nil
	}
	ids, ok := parseID(in.OrderID, kindOrder, 2)
	if !ok {
		return refuse("ORDER_NOT_FOUND", "no such order", "orderId")
	}
	o, err := load(ctx, loadersFrom(ctx).order, orders.Key{StoreID: ids[0], ID: ids[1]})
	if err != nil {
		return nil, err
	}
	if o == nil {
		return refuse("ORDER_NOT_FOUND", "no such order", "orderId")
	}
	amount, err := money.ParseDecimal(in.Amount, o.Currency)
	if err != nil {
		return refuse("INVALID_AMOUNT", err.Error(), "amount")
	}
	cb, err := metrics.RecordChargeback(ctx, tenants.SessionFrom(ctx), metrics.ChargebackInput{StoreID: ids[0], OrderID: ids[1],
		AmountMinor: amount.Minor, Reason: in.Reason, ProviderRef: in.ProviderRef}, now)
	ues, err := userErrors(err)
	if err != nil || ues != nil {
		return &model.ChargebackPayload{UserErrors: ues}, err
	}
	return &model.ChargebackPayload{Chargeback: &cb, UserErrors: []model.UserError{}}, nil
}
