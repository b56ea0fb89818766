package graph

import (
	"context"
	"errors"
	"time"

	"tradeguard/graph/model"
	"tradeguard/tenants"
	"tradeguard/violations"
)

const (
	kindViolation = "Violation"
	kindPenalty   = "Penalty"
)

func violationKey(id string) (violations.Key, error) {
	ids, ok := parseID(id, kindViolation, 2)
	if !ok {
		return violations.Key{}, tenants.ErrNotFound
	}
	return violations.Key{StoreID: ids[0], ID: ids[1]}, nil
}

func violationPayload(v violations.Violation, err error) (*model.ViolationPayload, error) {
	ues, err := userErrors(err)
	if err != nil || ues != nil {
		return &model.ViolationPayload{UserErrors: ues}, err
	}
	return &model.ViolationPayload{Violation: &v, UserErrors: []model.UserError{}}, nil
}

func violationConnection(ctx context.Context, store *tenants.Store, first *int, after *string, f *model.ViolationFilter) (*model.ViolationConnection, error) {
	s := tenants.SessionFrom(ctx)
	var filter violations.Filter
	if f != nil {
		filter = violations.Filter{Statuses: f.Status, Tracks: f.Track, Codes: f.Code, CountingAt: f.CountingAt}
	}
	var cur *violations.Cursor
	if t, id, ok, err := parseTimeCursor(after); err != nil {
		return nil, err
	} else if ok {
		cur = &violations.Cursor{IssuedAt: t, ID: id}
	}
	rows, more, err := violations.List(ctx, s, store.ID, filter, cur, pageSize(first))
	if err != nil {
		return nil, err
	}
	if err := prefetchViolations(ctx, rows); err != nil {
		return nil, err
	}
	c := &model.ViolationConnection{Nodes: rows, Edges: make([]model.ViolationEdge, len(rows))}
	cursors := make([]string, len(rows))
	for i, v := range rows {
		cursors[i] = timeCursor(v.IssuedAt, v.ID)
		c.Edges[i] = model.ViolationEdge{Cursor: cursors[i], Node: &rows[i]}
	}
	c.PageInfo = pageInfo(cursors, more)
	if wantsTotal(ctx) {
		c.TotalCount, err = violations.Count(ctx, s, store.ID, filter)
	}
	return c, err
}

func activePoints(ctx context.Context, store *tenants.Store, asOf *time.Time, now time.Time) (*model.ActivePoints, error) {
	at := now
	if asOf != nil {
		at = *asOf
	}
	g, sr, err := violations.ActivePointsOf(ctx, tenants.SessionFrom(ctx), store.ID, at)
	if err != nil {
		return nil, err
	}
	return &model.ActivePoints{General: g, Serious: sr, AsOf: at}, nil
}

func storePenalties(ctx context.Context, store *tenants.Store, inForceOnly *bool) ([]tenants.Penalty, error) {
	k := penaltiesKey{Store: store.ID, InForce: inForceOnly == nil || *inForceOnly}
	return loadersFrom(ctx).penalties.Load(ctx, k)
}

func penaltyLift(ctx context.Context, in model.PenaltyLiftInput, now time.Time) (*model.PenaltyPayload, error) {
	ids, ok := parseID(in.PenaltyID, kindPenalty, 2)
	if !ok {
		return nil, tenants.ErrNotFound
	}
	p, err := violations.LiftPenalty(ctx, tenants.SessionFrom(ctx), violations.PenaltyKey{StoreID: ids[0], ID: ids[1]}, in.Note, now)
	ues, err := userErrors(err)
	if err != nil || ues != nil {
		return &model.PenaltyPayload{UserErrors: ues}, err
	}
	return &model.PenaltyPayload{Penalty: &p, UserErrors: []model.UserError{}}, nil
}

func violationIssueInput(in model.ViolationIssueInput) (violations.IssueInput, error) {
	ids, ok := parseID(in.StoreID, kindStore, 1)
	if !ok {
		return violations.IssueInput{}, tenants.Refuse("STORE_NOT_FOUND", "no such store", "input", "storeId")
	}
	out := violations.IssueInput{StoreID: ids[0], Code: in.Code, Points: in.Points, Note: deref(in.Note), Evidence: in.Evidence}
	if in.CaseID != nil {
		k, err := caseKey(*in.CaseID)
		if err != nil || k.StoreID != out.StoreID {
			return out, tenants.Refuse("CASE_NOT_FOUND", "no such case in this store", "input", "caseId")
		}
		out.CaseID = &k.ID
	}
	return out, nil
}

// storeFieldErr keeps another store's violations, points and penalties looking like nothing at all.
func storeFieldErr(err error) error {
	if errors.Is(err, tenants.ErrNotFound) {
		return tenants.ErrForbidden
	}
	return err
}
