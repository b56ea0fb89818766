package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/google/uuid"

	"tradeguard/catalog"
	"tradeguard/orders"
	"tradeguard/tenants"
)

// Prefetching: a connection resolver knows every row of its page at once, so it loads what the selection
// asks for below the rows in one query per kind and primes the loaders. The cost of a page then does not
// depend on its size or on goroutine timing.

// nodeFields returns the fields selected on a connection's rows (edges.node and nodes together).
func nodeFields(ctx context.Context) map[string][]graphql.CollectedField {
	out := map[string][]graphql.CollectedField{}
	opCtx := graphql.GetOperationContext(ctx)
	for _, f := range graphql.CollectFieldsCtx(ctx, nil) {
		var rows []graphql.CollectedField
		switch f.Name {
		case "nodes":
			rows = graphql.CollectFields(opCtx, f.Selections, nil)
		case "edges":
			for _, e := range graphql.CollectFields(opCtx, f.Selections, nil) {
				if e.Name == "node" {
					rows = append(rows, graphql.CollectFields(opCtx, e.Selections, nil)...)
				}
			}
		}
		for _, r := range rows {
			out[r.Name] = append(out[r.Name], r)
		}
	}
	return out
}

func subFields(ctx context.Context, fs []graphql.CollectedField) map[string]bool {
	out := map[string]bool{}
	for _, f := range fs {
		for _, c := range graphql.CollectFields(graphql.GetOperationContext(ctx), f.Selections, nil) {
			out[c.Name] = true
		}
	}
	return out
}

func prefetchOrders(ctx context.Context, page []orders.Order) error {
	if len(page) == 0 {
		return nil
	}
	l, sel := loadersFrom(ctx), nodeFields(ctx)
	keys := make([]orders.Key, len(page))
	stores, buyers := map[uuid.UUID]bool{}, map[uuid.UUID]bool{}
	for i, o := range page {
		keys[i] = orders.Key{StoreID: o.StoreID, ID: o.ID}
		l.order.Prime(keys[i], o)
		stores[o.StoreID], buyers[o.BuyerID] = true, true
	}
	if _, ok := sel["store"]; ok {
		if _, err := l.store.LoadAll(ctx, setKeys(stores)); err != nil && !allNotFound(err) {
			return err
		}
	}
	// Only admins read many buyers' accounts (for their e-mail); everyone else gets the copied name.
	if b, ok := sel["buyer"]; ok && subFields(ctx, b)["email"] && tenants.PrincipalFrom(ctx).Is(tenants.RoleAdmin) {
		if _, err := l.user.LoadAll(ctx, setKeys(buyers)); err != nil && !allNotFound(err) {
			return err
		}
	}
	items, ok := sel["items"]
	if !ok {
		return nil
	}
	lines, err := l.items.LoadAll(ctx, keys)
	if err != nil {
		return err
	}
	if !subFields(ctx, items)["product"] {
		return nil
	}
	products := map[catalog.Key]bool{}
	for _, ls := range lines {
		for _, it := range ls {
			products[catalog.Key{StoreID: it.StoreID, ID: it.ProductID}] = true
		}
	}
	if _, err := l.product.LoadAll(ctx, setKeys(products)); err != nil && !allNotFound(err) {
		return err
	}
	return nil
}

func prefetchProducts(ctx context.Context, page []catalog.Product) error {
	if _, ok := nodeFields(ctx)["store"]; !ok || len(page) == 0 {
		return nil
	}
	stores := map[uuid.UUID]bool{}
	for _, p := range page {
		stores[p.StoreID] = true
	}
	if _, err := loadersFrom(ctx).store.LoadAll(ctx, setKeys(stores)); err != nil && !allNotFound(err) {
		return err
	}
	return nil
}

func setKeys[K comparable](m map[K]bool) []K {
	out := make([]K, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
