package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/google/uuid"
	"github.com/vikstrous/dataloadgen"

	"tradeguard/aftersales"
	"tradeguard/catalog"
	"tradeguard/metrics"
	"tradeguard/orders"
	"tradeguard/ratings"
	"tradeguard/tenants"
	"tradeguard/violations"
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
		if _, err := loadAll(ctx, l.store, setKeys(stores)); err != nil {
			return err
		}
	}
	// Only admins read many buyers' accounts (for their e-mail); everyone else gets the copied name.
	if b, ok := sel["buyer"]; ok && subFields(ctx, b)["email"] && tenants.PrincipalFrom(ctx).Is(tenants.RoleAdmin) {
		if _, err := loadAll(ctx, l.user, setKeys(buyers)); err != nil {
			return err
		}
	}
	if _, ok := sel["timeline"]; ok {
		if _, err := loadAll(ctx, l.events, keys); err != nil {
			return err
		}
	}
	if _, ok := sel["rating"]; ok {
		if _, err := loadAll(ctx, l.ratingByOrder, keys); err != nil {
			return err
		}
	}
	items, ok := sel["items"]
	if !ok {
		return nil
	}
	return prefetchItems(ctx, keys, subFields(ctx, items)["product"])
}

// prefetchItems loads the lines of the orders keys (and their products).
func prefetchItems(ctx context.Context, keys []orders.Key, withProducts bool) error {
	l := loadersFrom(ctx)
	lines, err := loadAll(ctx, l.items, keys)
	if err != nil || !withProducts {
		return err
	}
	products := map[catalog.Key]bool{}
	for _, ls := range lines {
		for _, it := range ls {
			products[catalog.Key{StoreID: it.StoreID, ID: it.ProductID}] = true
		}
	}
	_, err = loadAll(ctx, l.product, setKeys(products))
	return err
}

// prefetchOrdersBelow loads the orders keys that rows of another kind point to (a case's, a rating's), and
// their lines when the selection sel on them asks for those.
func prefetchOrdersBelow(ctx context.Context, keys []orders.Key, sel []graphql.CollectedField) error {
	if _, err := loadAll(ctx, loadersFrom(ctx).order, keys); err != nil {
		return err
	}
	if !subFields(ctx, sel)["items"] {
		return nil
	}
	return prefetchItems(ctx, keys, false)
}

func prefetchCases(ctx context.Context, page []aftersales.Case) error {
	if len(page) == 0 {
		return nil
	}
	l, sel := loadersFrom(ctx), nodeFields(ctx)
	keys := make([]aftersales.Key, len(page))
	orderKeys := make([]orders.Key, len(page))
	stores := map[uuid.UUID]bool{}
	for i, c := range page {
		keys[i] = aftersales.KeyOf(c)
		l.kase.Prime(keys[i], c)
		orderKeys[i] = orders.Key{StoreID: c.StoreID, ID: c.OrderID}
		stores[c.StoreID] = true
	}
	for field, load := range map[string]func() error{
		"items":    func() error { _, err := loadAll(ctx, l.caseItems, keys); return err },
		"timeline": func() error { _, err := loadAll(ctx, l.caseEvents, keys); return err },
		"refunds":  func() error { _, err := loadAll(ctx, l.caseRefunds, keys); return err },
		"evidence": func() error { _, err := loadAll(ctx, l.caseEvidence, keys); return err },
		"messages": func() error { _, err := loadAll(ctx, l.caseMessages, keys); return err },
		"store":    func() error { _, err := loadAll(ctx, l.store, setKeys(stores)); return err },
	} {
		if _, ok := sel[field]; ok {
			if err := load(); err != nil {
				return err
			}
		}
	}
	// An item's orderItem is a line of the case's order, from the order's lines.
	if o, ok := sel["order"]; ok {
		if err := prefetchOrdersBelow(ctx, orderKeys, o); err != nil {
			return err
		}
	}
	if it, ok := sel["items"]; ok && subFields(ctx, it)["orderItem"] {
		return prefetchItems(ctx, orderKeys, false)
	}
	return nil
}

func prefetchRatings(ctx context.Context, page []ratings.Rating) error {
	o, ok := nodeFields(ctx)["order"]
	if !ok || len(page) == 0 {
		return nil
	}
	keys := make([]orders.Key, len(page))
	for i, r := range page {
		keys[i] = orders.Key{StoreID: r.StoreID, ID: r.OrderID}
	}
	return prefetchOrdersBelow(ctx, keys, o)
}

func prefetchViolations(ctx context.Context, page []violations.Violation) error {
	c, ok := nodeFields(ctx)["case"]
	if !ok {
		return nil
	}
	var keys []aftersales.Key
	for _, v := range page {
		if v.CaseID != nil {
			keys = append(keys, aftersales.Key{StoreID: v.StoreID, ID: *v.CaseID})
		}
	}
	l := loadersFrom(ctx)
	if _, err := loadAll(ctx, l.kase, keys); err != nil || !subFields(ctx, c)["items"] {
		return err
	}
	_, err := loadAll(ctx, l.caseItems, keys)
	return err
}

func prefetchMetricOrders(ctx context.Context, page []metrics.CountedOrder) error {
	sel := nodeFields(ctx)
	l := loadersFrom(ctx)
	keys := make([]orders.Key, len(page))
	var cases []aftersales.Key
	var chargebacks []metrics.ChargebackKey
	for i, o := range page {
		keys[i] = orders.Key{StoreID: o.StoreID, ID: o.OrderID}
		for i := range o.Signals {
			sig := &o.Signals[i]
			if id, ok := signalSource(sig, "CASE"); ok {
				cases = append(cases, aftersales.Key{StoreID: sig.StoreID, ID: id})
			}
			if id, ok := signalSource(sig, "CHARGEBACK"); ok {
				chargebacks = append(chargebacks, metrics.ChargebackKey{StoreID: sig.StoreID, ID: id})
			}
		}
	}
	if o, ok := sel["order"]; ok {
		if err := prefetchOrdersBelow(ctx, keys, o); err != nil {
			return err
		}
	}
	sg, ok := sel["signals"]
	if !ok {
		return nil
	}
	sub := subFields(ctx, sg)
	if sub["case"] {
		if _, err := loadAll(ctx, l.kase, cases); err != nil {
			return err
		}
	}
	if sub["rating"] {
		if _, err := loadAll(ctx, l.ratingByOrder, keys); err != nil {
			return err
		}
	}
	if sub["chargeback"] {
		if _, err := loadAll(ctx, l.chargeback, chargebacks); err != nil {
			return err
		}
	}
	return nil
}

// prefetchStores loads a page of stores' histories and penalties. Failures are left to each row's field,
// which gets the same answer from the loader (a store's penalties the caller may not read, say).
func prefetchStores(ctx context.Context, page []tenants.Store) {
	sel, l := nodeFields(ctx), loadersFrom(ctx)
	ids := make([]uuid.UUID, len(page))
	for i, st := range page {
		ids[i] = st.ID
	}
	if _, ok := sel["history"]; ok {
		_, _ = loadAll(ctx, l.storeHistory, ids)
	}
	for _, f := range sel["penalties"] {
		v := f.ArgumentMap(graphql.GetOperationContext(ctx).Variables)["inForceOnly"]
		inForce := v == nil || v == true // the argument's default is true
		keys := make([]penaltiesKey, len(ids))
		for i, id := range ids {
			keys[i] = penaltiesKey{Store: id, InForce: inForce}
		}
		_, _ = loadAll(ctx, l.penalties, keys)
	}
}

func prefetchProducts(ctx context.Context, page []catalog.Product) error {
	if _, ok := nodeFields(ctx)["store"]; !ok || len(page) == 0 {
		return nil
	}
	stores := map[uuid.UUID]bool{}
	for _, p := range page {
		stores[p.StoreID] = true
	}
	_, err := loadAll(ctx, loadersFrom(ctx).store, setKeys(stores))
	return err
}

// loadAll loads keys through l; keys that do not exist (or are not visible) are not an error here.
func loadAll[K comparable, V any](ctx context.Context, l *dataloadgen.Loader[K, V], keys []K) ([]V, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	vs, err := l.LoadAll(ctx, keys)
	if err != nil && !allNotFound(err) {
		return nil, err
	}
	return vs, nil
}

func setKeys[K comparable](m map[K]bool) []K {
	out := make([]K, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
