package graph

import (
	"context"
	"encoding/base64"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"tradeguard/catalog"
	"tradeguard/graph/model"
	"tradeguard/orders"
	"tradeguard/tenants"
)

// wantsTotal: totalCount costs a count query, so it runs only when asked for.
func wantsTotal(ctx context.Context) bool {
	for _, f := range graphql.CollectFieldsCtx(ctx, nil) {
		if f.Name == "totalCount" {
			return true
		}
	}
	return false
}

func orderConnection(ctx context.Context, first *int, after *string, f *model.OrderFilter) (*model.OrderConnection, error) {
	s := tenants.SessionFrom(ctx)
	filter, err := orderFilter(f)
	if err != nil {
		return nil, err
	}
	var cur *orders.Cursor
	feed := filter.UpdatedSince != nil
	if feed {
		pos, err := parseChangeCursor(after)
		if err != nil {
			return nil, err
		}
		cur = &orders.Cursor{Change: pos}
	} else if t, id, ok, err := parseTimeCursor(after); err != nil {
		return nil, err
	} else if ok {
		cur = &orders.Cursor{CreatedAt: t, ID: id}
	}
	rows, more, err := orders.List(ctx, s, filter, cur, pageSize(first))
	if err != nil {
		return nil, err
	}
	if err := prefetchOrders(ctx, rows); err != nil {
		return nil, err
	}
	c := &model.OrderConnection{Nodes: rows, Edges: make([]model.OrderEdge, len(rows))}
	cursors := make([]string, len(rows))
	for i, o := range rows {
		cursors[i] = timeCursor(o.CreatedAt, o.ID)
		if feed {
			cursors[i] = changeCursor(o.ChangeXID, o.ID)
		}
		c.Edges[i] = model.OrderEdge{Cursor: cursors[i], Node: &rows[i]}
	}
	c.PageInfo = pageInfo(cursors, more)
	if wantsTotal(ctx) {
		c.TotalCount, err = orders.Count(ctx, s, filter)
	}
	return c, err
}

func orderFilter(f *model.OrderFilter) (orders.Filter, error) {
	var out orders.Filter
	if f == nil {
		return out, nil
	}
	out.Statuses = f.Status
	out.CreatedFrom, out.CreatedTo, out.UpdatedSince = f.CreatedFrom, f.CreatedTo, f.UpdatedSince
	if f.Number != nil {
		// Order numbers are written in capitals ("LE-100123"); a pasted one may carry spaces or lower case.
		out.Number = strings.ToUpper(strings.TrimSpace(*f.Number))
		if out.Number == "" {
			return out, badInput("filter.number", "is blank: leave it out to list every order")
		}
	}
	if f.StoreID != nil {
		ids, ok := parseID(*f.StoreID, kindStore, 1)
		if !ok {
			return out, badInput("filter.storeId", "is not a store id")
		}
		out.StoreID = &ids[0]
	}
	return out, nil
}

func productConnection(ctx context.Context, first *int, after *string, f *model.ProductFilter, now time.Time) (*model.ProductConnection, error) {
	s := tenants.SessionFrom(ctx)
	filter := catalog.Filter{Now: now}
	if f != nil {
		if f.Search != nil {
			filter.Search = *f.Search
		}
		if f.StoreID != nil {
			ids, ok := parseID(*f.StoreID, kindStore, 1)
			if !ok {
				return nil, badInput("filter.storeId", "is not a store id")
			}
			filter.StoreID = &ids[0]
		}
	}
	var cur *catalog.Cursor
	if t, id, ok, err := parseTimeCursor(after); err != nil {
		return nil, err
	} else if ok {
		cur = &catalog.Cursor{CreatedAt: t, ID: id}
	}
	rows, more, err := catalog.List(ctx, s, filter, cur, pageSize(first))
	if err != nil {
		return nil, err
	}
	if err := prefetchProducts(ctx, rows); err != nil {
		return nil, err
	}
	c := &model.ProductConnection{Nodes: rows, Edges: make([]model.ProductEdge, len(rows))}
	cursors := make([]string, len(rows))
	for i, p := range rows {
		cursors[i] = timeCursor(p.CreatedAt, p.ID)
		c.Edges[i] = model.ProductEdge{Cursor: cursors[i], Node: &rows[i]}
	}
	c.PageInfo = pageInfo(cursors, more)
	if wantsTotal(ctx) {
		c.TotalCount, err = catalog.Count(ctx, s, filter)
	}
	return c, err
}

// Stores page by slug; the cursor is the last slug, base64url-encoded.
func storeConnection(ctx context.Context, first *int, after *string) (*model.StoreConnection, error) {
	s := tenants.SessionFrom(ctx)
	afterSlug := ""
	if after != nil && *after != "" {
		raw, err := base64.RawURLEncoding.DecodeString(*after)
		if err != nil {
			return nil, badInput("after", "is not a cursor from this connection")
		}
		afterSlug = string(raw)
	}
	n := pageSize(first)
	rows, err := tenants.ListStores(ctx, s, afterSlug, n+1)
	if err != nil {
		return nil, err
	}
	more := len(rows) > n
	if more {
		rows = rows[:n]
	}
	c := &model.StoreConnection{Nodes: rows, Edges: make([]model.StoreEdge, len(rows))}
	cursors := make([]string, len(rows))
	for i, st := range rows {
		cursors[i] = base64.RawURLEncoding.EncodeToString([]byte(st.Slug))
		c.Edges[i] = model.StoreEdge{Cursor: cursors[i], Node: &rows[i]}
		loadersFrom(ctx).store.Prime(st.ID, st)
	}
	prefetchStores(ctx, rows)
	c.PageInfo = pageInfo(cursors, more)
	if wantsTotal(ctx) {
		c.TotalCount, err = tenants.CountStores(ctx, s)
	}
	return c, err
}
