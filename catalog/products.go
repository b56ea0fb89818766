// Package catalog is the stores' products: the public catalogue and each store's own list.
package catalog

import (
	"context"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"tradeguard/internal/sqlq"
	"tradeguard/money"
	"tradeguard/tenants"
)

// Product is one thing a store sells. Category decides its after-sales rules (warranty, no-reason return).
type Product struct {
	StoreID      uuid.UUID `db:"tenant_id"`
	ID           uuid.UUID `db:"id"`
	SKU          string    `db:"sku"`
	Title        string    `db:"title"`
	Category     string    `db:"category"`
	PriceMinor   int64     `db:"price_minor"`
	Currency     string    `db:"currency"`
	WarrantyDays int       `db:"warranty_days"`
	Status       string    `db:"status"`
	CreatedAt    time.Time `db:"created_at"`
}

// Price is the product's unit price.
func (p Product) Price() money.Money { return money.New(p.PriceMinor, p.Currency) }

// Key names a product inside its store; lookups use the (tenant_id, id) primary key.
type Key struct {
	StoreID uuid.UUID
	ID      uuid.UUID
}

// Filter narrows the catalogue.
type Filter struct {
	StoreID *uuid.UUID
	Search  string    // case-insensitive substring of the title or SKU
	Now     time.Time // penalties in force at this time hide stores from everyone but their staff
}

// Cursor is the keyset position after which a page starts (newest first).
type Cursor struct {
	CreatedAt time.Time
	ID        uuid.UUID
}

const columns = `tenant_id, id, sku, title, category, price_minor, currency, warranty_days, status, created_at`

// where builds the filter: everyone sees the active catalogue of every store, a merchant also its own
// store's archived products, an admin everything. Row-level security enforces the same underneath.
func where(p tenants.Principal, f Filter) *sqlq.Where {
	w := &sqlq.Where{}
	switch {
	case p.Is(tenants.RoleAdmin, tenants.RoleSystem):
	case p.Is(tenants.RoleMerchant):
		w.Add("(tenant_id = ? or (status = 'ACTIVE' and "+tenants.NotHiddenFromSearchSQL("products")+"))", p.StoreID, f.Now, f.Now)
	default:
		w.Add("status = 'ACTIVE' and "+tenants.NotHiddenFromSearchSQL("products"), f.Now, f.Now)
	}
	if f.StoreID != nil {
		w.Add("tenant_id = ?", *f.StoreID)
	}
	if s := strings.TrimSpace(f.Search); s != "" {
		w.Add("(title ilike ? or sku ilike ?)", sqlq.Contains(s), sqlq.Contains(s))
	}
	return w
}

// List returns up to limit products after the cursor, newest first; more tells whether another page exists.
func List(ctx context.Context, s *tenants.Session, f Filter, after *Cursor, limit int) (out []Product, more bool, err error) {
	w := where(s.Principal(), f)
	if after != nil {
		w.Add("(created_at, id) < (?, ?)", after.CreatedAt, after.ID)
	}
	q := `select ` + columns + ` from products where ` + w.SQL() + ` order by created_at desc, id desc limit ` + w.Arg(limit+1)
	err = s.Do(ctx, func(tx *sqlx.Tx) error { return tx.SelectContext(ctx, &out, q, w.Args...) })
	if len(out) > limit {
		return out[:limit], true, err
	}
	return out, false, err
}

// Count counts the products the filter matches.
func Count(ctx context.Context, s *tenants.Session, f Filter) (n int, err error) {
	w := where(s.Principal(), f)
	err = s.Do(ctx, func(tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &n, `select count(*) from products where `+w.SQL(), w.Args...)
	})
	return n, err
}

// ByKeys returns the visible products among keys (a loader's batch).
func ByKeys(ctx context.Context, s *tenants.Session, keys []Key) ([]Product, error) {
	stores, ids := make([]uuid.UUID, len(keys)), make([]uuid.UUID, len(keys))
	for i, k := range keys {
		stores[i], ids[i] = k.StoreID, k.ID
	}
	var out []Product
	err := s.Do(ctx, func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &out, `select `+columns+` from products
			where (tenant_id, id) in (select * from unnest($1::uuid[], $2::uuid[]))`, pq.Array(stores), pq.Array(ids))
	})
	return out, err
}
