// Package tenants knows who is asking (Principal, roles, tokens) and opens the database session that scopes
// every query to them through PostgreSQL row-level security. It imports no other package of the project.
package tenants

import (
	"context"
	"slices"

	"github.com/google/uuid"
)

// Role is the caller's role as carried in the access token.
type Role string

const (
	RoleAnonymous Role = "ANONYMOUS"
	RoleBuyer     Role = "BUYER"
	RoleMerchant  Role = "MERCHANT"
	RoleAdmin     Role = "ADMIN"
	// RoleSystem is used by background jobs and by start-up tasks (demo data); it never comes from a token.
	RoleSystem Role = "SYSTEM"
)

// StaffRole says what a merchant principal may do inside its store.
type StaffRole string

const (
	StaffOwner StaffRole = "OWNER"
	StaffAgent StaffRole = "AGENT"
	// StaffAPI is a partner system calling with a store's API token; it may do what its scopes allow.
	StaffAPI StaffRole = "API"
)

// Scope is one permission of a partner API token: an area and read or write.
type Scope string

const (
	ScopeOrdersRead   Scope = "orders:read"
	ScopeOrdersWrite  Scope = "orders:write"
	ScopeCatalogRead  Scope = "catalog:read"
	ScopeCatalogWrite Scope = "catalog:write"
	ScopeCasesRead    Scope = "cases:read"
	ScopeCasesWrite   Scope = "cases:write"
	ScopeRatingsRead  Scope = "ratings:read"
	ScopeRatingsWrite Scope = "ratings:write"
	ScopeMetricsRead  Scope = "metrics:read"
)

// Scopes lists every scope a token may be given.
var Scopes = []Scope{ScopeOrdersRead, ScopeOrdersWrite, ScopeCatalogRead, ScopeCatalogWrite, ScopeCasesRead,
	ScopeCasesWrite, ScopeRatingsRead, ScopeRatingsWrite, ScopeMetricsRead}

// Principal is who is asking. The zero value is an anonymous caller.
type Principal struct {
	Role      Role
	UserID    uuid.UUID // zero for anonymous callers and API tokens
	StoreID   uuid.UUID // merchants (staff and API tokens) only
	StaffRole StaffRole
	Scopes    []Scope   // API tokens only
	TokenID   uuid.UUID // API tokens only
}

// Anonymous is the principal of a request without credentials.
var Anonymous = Principal{Role: RoleAnonymous}

// System is the principal of background jobs.
var System = Principal{Role: RoleSystem}

// Is reports whether the principal has one of the roles.
func (p Principal) Is(roles ...Role) bool { return slices.Contains(roles, p.role()) }

// Allows reports whether the principal may use an area. Only API tokens are limited by scopes; people are
// limited by their role alone.
func (p Principal) Allows(s Scope) bool {
	if p.StaffRole != StaffAPI {
		return true
	}
	return slices.Contains(p.Scopes, s)
}

// IsStoreOwner reports whether the principal is a person who owns its store (not an agent, not a token).
func (p Principal) IsStoreOwner() bool { return p.Role == RoleMerchant && p.StaffRole == StaffOwner }

func (p Principal) role() Role {
	if p.Role == "" {
		return RoleAnonymous
	}
	return p.Role
}

type principalKey struct{}

// WithPrincipal returns a context that carries p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the context's principal, or Anonymous.
func PrincipalFrom(ctx context.Context) Principal {
	if p, ok := ctx.Value(principalKey{}).(Principal); ok {
		return p
	}
	return Anonymous
}
