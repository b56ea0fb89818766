// Package rowcount reads the row counts per store and status that triggers keep beside orders and cases
// (migration 00012_row_counts), so a totalCount does not count rows. Row-level security applies to the cells as
// to the rows: a merchant sums only its own store's.
package rowcount

import (
	"context"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"tradeguard/internal/sqlq"
	"tradeguard/tenants"
)

// Table names a table whose rows are counted.
type Table string

const (
	Orders Table = "orders"
	Cases  Table = "cases"
)

// Scope is what a count covers: one store (or every store the session sees, when Store is nil) and some
// statuses (every status, when empty).
type Scope struct {
	Store    *uuid.UUID
	Statuses []string
}

// ScopeOf tells whether a list filtered by store and status only can be counted from the cells: a merchant's
// own store (any other store shows it nothing), or an admin's (or the system's) one store or all. Buyers see their own rows
// across stores, which the cells do not split by, so their few rows are counted directly (ok false).
func ScopeOf[S ~string](p tenants.Principal, store *uuid.UUID, statuses []S) (s Scope, ok bool) {
	for _, st := range statuses {
		s.Statuses = append(s.Statuses, string(st))
	}
	switch {
	case p.Is(tenants.RoleMerchant):
		if store != nil && *store != p.StoreID {
			return s, false
		}
		id := p.StoreID
		s.Store = &id
	case p.Is(tenants.RoleAdmin, tenants.RoleSystem):
		s.Store = store
	default:
		return s, false
	}
	return s, true
}

// Sum adds the cells of the scope: at most 32 rows per store and status, whatever the number of rows counted.
func Sum(ctx context.Context, tx *sqlx.Tx, t Table, s Scope) (n int, err error) {
	w := &sqlq.Where{}
	w.Add("tbl = ?", string(t))
	if s.Store != nil {
		w.Add("tenant_id = ?", *s.Store)
	}
	if len(s.Statuses) > 0 {
		w.Add("status = any(?)", pq.Array(s.Statuses))
	}
	err = tx.GetContext(ctx, &n, `select coalesce(sum(n), 0) from row_counts where `+w.SQL(), w.Args...)
	return n, err
}
