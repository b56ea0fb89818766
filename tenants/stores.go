package tenants

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Store is a tenant: a merchant's shop. Its profile is public; status and closing times are for its staff and admins.
type Store struct {
	ID        uuid.UUID  `db:"id"`
	Slug      string     `db:"slug"`
	Name      string     `db:"name"`
	Category  string     `db:"category"`
	Currency  string     `db:"currency"`
	TimeZone  string     `db:"time_zone"`
	Status    string     `db:"status"`
	CreatedAt time.Time  `db:"created_at"`
	ClosesAt  *time.Time `db:"closes_at"`
	ClosedAt  *time.Time `db:"closed_at"`
}

const storeColumns = `id, slug, name, category, currency, time_zone, status, created_at, closes_at, closed_at`

// StoresByIDs returns the stores that exist among ids, in no particular order (a loader's batch).
func StoresByIDs(ctx context.Context, s *Session, ids []uuid.UUID) ([]Store, error) {
	var out []Store
	err := s.Do(ctx, func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &out, `select `+storeColumns+` from stores where id = any($1)`, pq.Array(ids))
	})
	return out, err
}

// ListStores pages through all stores by slug (platform admins only).
func ListStores(ctx context.Context, s *Session, afterSlug string, limit int) ([]Store, error) {
	if !s.Principal().Is(RoleAdmin, RoleSystem) {
		return nil, ErrForbidden
	}
	var out []Store
	err := s.Do(ctx, func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &out, `select `+storeColumns+` from stores where slug > $1 order by slug limit $2`, afterSlug, limit)
	})
	return out, err
}

// CountStores counts all stores (platform admins only).
func CountStores(ctx context.Context, s *Session) (int, error) {
	if !s.Principal().Is(RoleAdmin, RoleSystem) {
		return 0, ErrForbidden
	}
	var n int
	err := s.Do(ctx, func(tx *sqlx.Tx) error { return tx.GetContext(ctx, &n, `select count(*) from stores`) })
	return n, err
}
