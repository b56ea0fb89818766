package graph

import (
	"context"
	"time"

	"tradeguard/graph/model"
	"tradeguard/orders"
	"tradeguard/ratings"
	"tradeguard/tenants"
)

const kindRating = "Rating"

func ratingKey(id string) (ratings.Key, error) {
	ids, ok := parseID(id, kindRating, 2)
	if !ok {
		return ratings.Key{}, tenants.ErrNotFound
	}
	return ratings.Key{StoreID: ids[0], ID: ids[1]}, nil
}

func ratingPayload(r ratings.Rating, err error) (*model.RatingPayload, error) {
	ues, err := userErrors(err)
	if err != nil || ues != nil {
		return &model.RatingPayload{UserErrors: ues}, err
	}
	return &model.RatingPayload{Rating: &r, UserErrors: []model.UserError{}}, nil
}

func ratingInput(overall, description, service, logistics int, comment *string) ratings.Input {
	return ratings.Input{Overall: overall, DescriptionMatch: description, ServiceAttitude: service, LogisticsSpeed: logistics, Comment: deref(comment)}
}

func ratingConnection(ctx context.Context, store *tenants.Store, first *int, after *string, f *model.RatingFilter) (*model.RatingConnection, error) {
	s := tenants.SessionFrom(ctx)
	filter := ratings.Filter{StoreID: store.ID}
	if f != nil {
		filter.Stars = f.Stars
		filter.NegativeOnly = f.NegativeOnly != nil && *f.NegativeOnly
		filter.Unanswered = f.Unanswered != nil && *f.Unanswered
	}
	var cur *ratings.Cursor
	if t, id, ok, err := parseTimeCursor(after); err != nil {
		return nil, err
	} else if ok {
		cur = &ratings.Cursor{CreatedAt: t, ID: id}
	}
	rows, more, err := ratings.List(ctx, s, filter, cur, pageSize(first))
	if err != nil {
		return nil, err
	}
	if err := prefetchRatings(ctx, rows); err != nil {
		return nil, err
	}
	c := &model.RatingConnection{Nodes: rows, Edges: make([]model.RatingEdge, len(rows))}
	cursors := make([]string, len(rows))
	for i, r := range rows {
		cursors[i] = timeCursor(r.CreatedAt, r.ID)
		c.Edges[i] = model.RatingEdge{Cursor: cursors[i], Node: &rows[i]}
	}
	c.PageInfo = pageInfo(cursors, more)
	if wantsTotal(ctx) {
		c.TotalCount, err = ratings.Count(ctx, s, filter)
	}
	return c, err
}

func ratingAverages(ctx context.Context, store *tenants.Store, asOf *time.Time, now time.Time) (*ratings.StoreAverages, error) {
	at := now
	if asOf != nil {
		at = *asOf
	}
	a, err := ratings.Averages(ctx, tenants.SessionFrom(ctx), store.ID, at)
	return &a, err
}

func ratingClosesAt(o *orders.Order) *time.Time {
	t, ok := ratings.WindowCloses(*o)
	if !ok {
		return nil
	}
	return &t
}
