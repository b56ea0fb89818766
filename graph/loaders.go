package graph

import (
	"context"
	"errors"
	"time"

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

// loaders batch the lookups of one request: every Load during a short wait becomes one query, run inside the
// request's session (so row-level security applies to the batch exactly as to the request). Connections
// also prime them with what a page will need (prefetch.go), so a page costs the same queries at any size.
type loaders struct {
	store   *dataloadgen.Loader[uuid.UUID, tenants.Store]
	user    *dataloadgen.Loader[uuid.UUID, tenants.User]
	product *dataloadgen.Loader[catalog.Key, catalog.Product]
	order   *dataloadgen.Loader[orders.Key, orders.Order]
	items   *dataloadgen.Loader[orders.Key, []orders.Item]
	events  *dataloadgen.Loader[orders.Key, []orders.Event]
	// kase: "case" is a Go keyword
	kase          *dataloadgen.Loader[aftersales.Key, aftersales.Case]
	caseItems     *dataloadgen.Loader[aftersales.Key, []aftersales.Item]
	caseEvents    *dataloadgen.Loader[aftersales.Key, []aftersales.Event]
	caseRefunds   *dataloadgen.Loader[aftersales.Key, []aftersales.Refund]
	ratingByOrder *dataloadgen.Loader[orders.Key, ratings.Rating]
	caseEvidence  *dataloadgen.Loader[aftersales.Key, []aftersales.Evidence]
	caseMessages  *dataloadgen.Loader[aftersales.Key, []aftersales.Message]
	chargeback    *dataloadgen.Loader[metrics.ChargebackKey, metrics.Chargeback]
	storeHistory  *dataloadgen.Loader[uuid.UUID, []tenants.LifecycleEvent]
	penalties     *dataloadgen.Loader[penaltiesKey, []tenants.Penalty]
}

// penaltiesKey asks for a store's penalties in force at the operation's start, or all of them.
type penaltiesKey struct {
	Store   uuid.UUID
	InForce bool
}

const loaderWait = 2 * time.Millisecond

// newLoaders makes an operation's loaders; now is the instant it started, at which "in force" is judged (one
// instant for every row, so each kind of lookup stays one batch).
func newLoaders(s *tenants.Session, now time.Time) *loaders {
	wait := dataloadgen.WithWait(loaderWait)
	return &loaders{
		store: dataloadgen.NewMappedLoader(func(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]tenants.Store, error) {
			rows, err := tenants.StoresByIDs(ctx, s, ids)
			return index(rows, func(r tenants.Store) uuid.UUID { return r.ID }), err
		}, wait),
		user: dataloadgen.NewMappedLoader(func(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]tenants.User, error) {
			rows, err := tenants.UsersByIDs(ctx, s, ids)
			return index(rows, func(r tenants.User) uuid.UUID { return r.ID }), err
		}, wait),
		product: dataloadgen.NewMappedLoader(func(ctx context.Context, keys []catalog.Key) (map[catalog.Key]catalog.Product, error) {
			rows, err := catalog.ByKeys(ctx, s, keys)
			return index(rows, func(r catalog.Product) catalog.Key { return catalog.Key{StoreID: r.StoreID, ID: r.ID} }), err
		}, wait),
		order: dataloadgen.NewMappedLoader(func(ctx context.Context, keys []orders.Key) (map[orders.Key]orders.Order, error) {
			rows, err := orders.ByKeys(ctx, s, keys)
			return index(rows, func(r orders.Order) orders.Key { return orders.Key{StoreID: r.StoreID, ID: r.ID} }), err
		}, wait),
		items: dataloadgen.NewMappedLoader(func(ctx context.Context, keys []orders.Key) (map[orders.Key][]orders.Item, error) {
			m, err := orders.ItemsByOrders(ctx, s, keys)
			for _, k := range keys {
				if _, ok := m[k]; !ok && err == nil {
					m[k] = []orders.Item{} // an order with no visible lines is not an error
				}
			}
			return m, err
		}, wait),
		events: dataloadgen.NewMappedLoader(func(ctx context.Context, keys []orders.Key) (map[orders.Key][]orders.Event, error) {
			return orders.EventsByOrders(ctx, s, keys)
		}, wait),
		chargeback: dataloadgen.NewMappedLoader(func(ctx context.Context, keys []metrics.ChargebackKey) (map[metrics.ChargebackKey]metrics.Chargeback, error) {
			rows, err := metrics.ChargebacksByKeys(ctx, s, keys)
			return index(rows, func(c metrics.Chargeback) metrics.ChargebackKey {
				return metrics.ChargebackKey{StoreID: c.StoreID, ID: c.ID}
			}), err
		}, wait),
		kase: dataloadgen.NewMappedLoader(func(ctx context.Context, keys []aftersales.Key) (map[aftersales.Key]aftersales.Case, error) {
			rows, err := aftersales.ByKeys(ctx, s, keys)
			return index(rows, aftersales.KeyOf), err
		}, wait),
		caseItems: dataloadgen.NewMappedLoader(func(ctx context.Context, keys []aftersales.Key) (map[aftersales.Key][]aftersales.Item, error) {
			return aftersales.ItemsByCases(ctx, s, keys)
		}, wait),
		caseEvents: dataloadgen.NewMappedLoader(func(ctx context.Context, keys []aftersales.Key) (map[aftersales.Key][]aftersales.Event, error) {
			return aftersales.EventsByCases(ctx, s, keys)
		}, wait),
		ratingByOrder: dataloadgen.NewMappedLoader(func(ctx context.Context, keys []orders.Key) (map[orders.Key]ratings.Rating, error) {
			return ratings.ByOrders(ctx, s, keys)
		}, wait),
		caseRefunds: dataloadgen.NewMappedLoader(func(ctx context.Context, keys []aftersales.Key) (map[aftersales.Key][]aftersales.Refund, error) {
			return aftersales.RefundsByCases(ctx, s, keys)
		}, wait),
		caseEvidence: dataloadgen.NewMappedLoader(func(ctx context.Context, keys []aftersales.Key) (map[aftersales.Key][]aftersales.Evidence, error) {
			return aftersales.ListEvidence(ctx, s, keys)
		}, wait),
		caseMessages: dataloadgen.NewMappedLoader(func(ctx context.Context, keys []aftersales.Key) (map[aftersales.Key][]aftersales.Message, error) {
			return aftersales.MessagesByCases(ctx, s, keys)
		}, wait),
		// Stores the caller may not read have no history to show: an empty list, not an error.
		storeHistory: dataloadgen.NewMappedLoader(func(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID][]tenants.LifecycleEvent, error) {
			m, err := tenants.StoreHistories(ctx, s, ids)
			for _, id := range ids {
				if _, ok := m[id]; !ok && err == nil {
					m[id] = []tenants.LifecycleEvent{}
				}
			}
			return m, err
		}, wait),
		penalties: dataloadgen.NewMappedLoader(loadPenalties(s, now), wait),
	}
}

// loadPenalties fetches the stores asked for in force in one statement, and those asked for in full in another.
func loadPenalties(s *tenants.Session, now time.Time) func(context.Context, []penaltiesKey) (map[penaltiesKey][]tenants.Penalty, error) {
	return func(ctx context.Context, keys []penaltiesKey) (map[penaltiesKey][]tenants.Penalty, error) {
		byMode := map[bool][]uuid.UUID{}
		for _, k := range keys {
			byMode[k.InForce] = append(byMode[k.InForce], k.Store)
		}
		out, errs := map[penaltiesKey][]tenants.Penalty{}, dataloadgen.MappedFetchError[penaltiesKey]{}
		for inForce, ids := range byMode {
			var inForceAt *time.Time
			if inForce {
				inForceAt = &now
			}
			m, denied, err := violations.PenaltiesOf(ctx, s, ids, inForceAt)
			if err != nil {
				return nil, err
			}
			for id, ps := range m {
				out[penaltiesKey{id, inForce}] = ps
			}
			for id, e := range denied {
				errs[penaltiesKey{id, inForce}] = e
			}
		}
		if len(errs) > 0 {
			return out, errs
		}
		return out, nil
	}
}

func index[K comparable, V any](rows []V, key func(V) K) map[K]V {
	m := make(map[K]V, len(rows))
	for _, r := range rows {
		m[key(r)] = r
	}
	return m
}

type loadersKey struct{}

func loadersFrom(ctx context.Context) *loaders { return ctx.Value(loadersKey{}).(*loaders) }

// load returns a pointer to the loaded value, or nil (not an error) when it does not exist or is not visible.
func load[K comparable, V any](ctx context.Context, l *dataloadgen.Loader[K, V], key K) (*V, error) {
	v, err := l.Load(ctx, key)
	if err == dataloadgen.ErrNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &v, nil
}

// allNotFound reports whether a batch error only says that some keys do not exist (or are not visible).
func allNotFound(err error) bool {
	var es dataloadgen.ErrorSlice
	if errors.As(err, &es) {
		for _, e := range es {
			if e != nil && !errors.Is(e, dataloadgen.ErrNotFound) {
				return false
			}
		}
		return true
	}
	return errors.Is(err, dataloadgen.ErrNotFound)
}
