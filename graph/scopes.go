package graph

import (
	"strings"

	"tradeguard/graph/model"
	"tradeguard/tenants"
)

// GraphQL enum ORDERS_READ <-> stored scope "orders:read".
func toScope(s model.APIScope) tenants.Scope {
	return tenants.Scope(strings.ToLower(strings.Replace(string(s), "_", ":", 1)))
}

func fromScopes(ss []tenants.Scope) []model.APIScope {
	out := make([]model.APIScope, len(ss))
	for i, s := range ss {
		out[i] = model.APIScope(strings.ToUpper(strings.Replace(string(s), ":", "_", 1)))
	}
	return out
}
