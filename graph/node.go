package graph

import (
	"context"
	"errors"

	"tradeguard/catalog"
	"tradeguard/exports"
	"tradeguard/graph/model"
	"tradeguard/orders"
	"tradeguard/ratings"
	"tradeguard/tenants"
	"tradeguard/violations"
)

// node fetches any object by global id through the same loaders (and so the same row-level security) as
// every other lookup: an id the caller may not see answers exactly like one that does not exist (null).
func (r *Resolver) node(ctx context.Context, id string) (model.Node, error) {
	l := loadersFrom(ctx)
	// A typed nil pointer inside the interface would not read as null, so each branch returns nil itself.
	asNode := func(v any, ok bool, err error) (model.Node, error) {
		if err != nil || !ok {
			return nil, err
		}
		return v, nil
	}
	switch idKind(id) {
	case kindStore:
		if ids, ok := parseID(id, kindStore, 1); ok {
			v, err := load(ctx, l.store, ids[0])
			return asNode(v, v != nil, err)
		}
	case kindUser:
		if ids, ok := parseID(id, kindUser, 1); ok {
			v, err := load(ctx, l.user, ids[0])
			return asNode(v, v != nil, err)
		}
	case kindProduct:
		if ids, ok := parseID(id, kindProduct, 2); ok {
			v, err := load(ctx, l.product, catalog.Key{StoreID: ids[0], ID: ids[1]})
			return asNode(v, v != nil, err)
		}
	case kindOrder:
		if ids, ok := parseID(id, kindOrder, 2); ok {
			v, err := load(ctx, l.order, orders.Key{StoreID: ids[0], ID: ids[1]})
			return asNode(v, v != nil, err)
		}
	case kindCase:
		if k, err := caseKey(id); err == nil {
			v, err := load(ctx, l.kase, k)
			return asNode(v, v != nil, err)
		}
	case kindRating:
		if k, err := ratingKey(id); err == nil {
			rs, err := ratings.ByKeys(ctx, tenants.SessionFrom(ctx), []ratings.Key{k})
			if len(rs) == 0 || err != nil {
				return nil, err
			}
			return asNode(&rs[0], true, nil)
		}
	case kindViolation:
		if k, err := violationKey(id); err == nil {
			v, err := violations.Get(ctx, tenants.SessionFrom(ctx), k)
			if errors.Is(err, tenants.ErrNotFound) || errors.Is(err, tenants.ErrForbidden) {
				return nil, nil
			}
			return asNode(&v, err == nil, err)
		}
	case kindScoreJob:
		j, err := scoreJob(ctx, id)
		return asNode(j, j != nil, err)
	case exports.Kind:
		e, err := bulkExport(ctx, id)
		return asNode(e, e != nil, err)
	case kindAPIToken:
		if ids, ok := parseID(id, kindAPIToken, 2); ok && tenants.PrincipalFrom(ctx).IsStoreOwner() {
			ts, err := tenants.ListAPITokens(ctx, tenants.SessionFrom(ctx))
			for i := range ts {
				if ts[i].ID == ids[1] {
					return asNode(&ts[i], true, err)
				}
			}
			return nil, err
		}
	case kindStaffInvite:
		if ids, ok := parseID(id, kindStaffInvite, 2); ok && tenants.PrincipalFrom(ctx).IsStoreOwner() {
			invs, err := tenants.ListInvites(ctx, tenants.SessionFrom(ctx))
			for i := range invs {
				if invs[i].ID == ids[1] {
					return asNode(&invs[i], true, err)
				}
			}
			return nil, err
		}
	}
	return nil, nil
}
