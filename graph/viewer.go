package graph

import (
	"context"

	"tradeguard/graph/model"
	"tradeguard/tenants"
)

func (r *Resolver) viewer(ctx context.Context) (*model.Viewer, error) {
	p := tenants.PrincipalFrom(ctx)
	v := &model.Viewer{Role: p.Role}
	switch {
	case p.Is(tenants.RoleAnonymous):
		return nil, nil
	case p.StaffRole == tenants.StaffAPI:
		v.ID = globalID(kindAPIToken, p.StoreID, p.TokenID)
		v.Scopes = fromScopes(p.Scopes)
	default:
		u, err := tenants.Viewer(ctx, tenants.SessionFrom(ctx))
		if err != nil {
			return nil, err
		}
		v.ID, v.Email, v.DisplayName = globalID(kindUser, u.ID), &u.Email, &u.DisplayName
	}
	if p.Is(tenants.RoleMerchant) {
		staff := p.StaffRole
		v.StaffRole = &staff
		st, err := load(ctx, loadersFrom(ctx).store, p.StoreID)
		if err != nil {
			return nil, err
		}
		v.Store = st
	}
	return v, nil
}

func loginPayload(t tenants.TokenPair) *model.LoginPayload {
	return &model.LoginPayload{
		AccessToken: &t.AccessToken, AccessTokenExpiresAt: &t.AccessExpiresAt,
		RefreshToken: &t.RefreshToken, RefreshTokenExpiresAt: &t.RefreshExpiresAt,
		UserErrors: []model.UserError{},
	}
}
