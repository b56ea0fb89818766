package catalog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"tradeguard/money"
	"tradeguard/tenants"
)

const (
	maxSKURunes      = 64
	maxTitleRunes    = 200
	maxWarrantyDays  = 3650
	maxPriceMinor    = 1_000_000_000_00 // a thousand million major units: a typo guard, not a business rule
	productStatusNew = "ACTIVE"
)

// ProductInput is a new product. WarrantyDays nil means the category's default.
type ProductInput struct {
	SKU          string
	Title        string
	Category     string
	Price        money.Money
	WarrantyDays *int
}

// CanCreateProduct: a store's staff (owner or agent), or its API token with catalog:write.
func CanCreateProduct(p tenants.Principal) error {
	if !p.Is(tenants.RoleMerchant) || p.StoreID == uuid.Nil {
		return tenants.ErrForbidden
	}
	switch p.StaffRole {
	case tenants.StaffOwner, tenants.StaffAgent:
		return nil
	case tenants.StaffAPI:
		if p.Allows(tenants.ScopeCatalogWrite) {
			return nil
		}
	}
	return tenants.ErrForbidden
}

// ValidateProductInput checks the shape of every field at once; currency is compared with the store's.
func ValidateProductInput(in ProductInput, storeCurrency string) tenants.RuleErrors {
	var errs tenants.RuleErrors
	sku := strings.TrimSpace(in.SKU)
	if n := utf8.RuneCountInString(sku); n == 0 || n > maxSKURunes {
		errs = append(errs, tenants.Refuse("INVALID_SKU", fmt.Sprintf("SKU must be 1 to %d characters", maxSKURunes), "input", "sku"))
	}
	if n := utf8.RuneCountInString(strings.TrimSpace(in.Title)); n == 0 || n > maxTitleRunes {
		errs = append(errs, tenants.Refuse("INVALID_TITLE", fmt.Sprintf("title must be 1 to %d characters", maxTitleRunes), "input", "title"))
	}
	if strings.TrimSpace(in.Category) == "" {
		errs = append(errs, tenants.Refuse("UNKNOWN_CATEGORY", "give the product's category", "input", "category"))
	}
	if in.Price.Minor < 0 || in.Price.Minor > maxPriceMinor {
		errs = append(errs, tenants.Refuse("INVALID_PRICE", "price must be zero or more (and below a thousand million)", "input", "price", "amount"))
	}
	if in.Price.Currency != storeCurrency {
		errs = append(errs, tenants.Refuse("CURRENCY_MISMATCH",
			fmt.Sprintf("the store sells in %s; a price in %q is not accepted", storeCurrency, in.Price.Currency), "input", "price", "currencyCode"))
	}
	if in.WarrantyDays != nil && (*in.WarrantyDays < 0 || *in.WarrantyDays > maxWarrantyDays) {
		errs = append(errs, tenants.Refuse("INVALID_WARRANTY", fmt.Sprintf("warranty must be 0 to %d days", maxWarrantyDays), "input", "warrantyDays"))
	}
	return errs
}

// Create adds a product to the caller's store. Refused in a CLOSED or SUSPENDED store; the SKU must be new in
// the store; the warranty defaults to the category's.
func Create(ctx context.Context, s *tenants.Session, in ProductInput, now time.Time) (Product, error) {
	p := s.Principal()
	if err := CanCreateProduct(p); err != nil {
		return Product{}, err
	}
	st, err := tenants.GetStore(ctx, s, p.StoreID)
	if err != nil {
		return Product{}, err
	}
	if err := storeTakesProducts(ctx, s, st); err != nil {
		return Product{}, err
	}
	if err := tenants.CheckPenalty(ctx, s, st.ID, tenants.PenaltyNoNewProducts, now); err != nil {
		return Product{}, err
	}
	in.SKU, in.Title, in.Category = strings.TrimSpace(in.SKU), strings.TrimSpace(in.Title), strings.TrimSpace(in.Category)
	errs := ValidateProductInput(in, st.Currency)
	var out Product
	err = s.Do(ctx, func(tx *sqlx.Tx) error {
		var defaultWarranty *int
		if in.Category != "" {
			if err := tx.GetContext(ctx, &defaultWarranty, `select default_warranty_days from categories where code = $1`, in.Category); err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			if defaultWarranty == nil {
				errs = append(errs, tenants.Refuse("UNKNOWN_CATEGORY", fmt.Sprintf("there is no product category %q", in.Category), "input", "category"))
			}
		}
		if in.SKU != "" {
			var taken bool
			if err := tx.GetContext(ctx, &taken, `select exists (select 1 from products where tenant_id = $1 and sku = $2)`, st.ID, in.SKU); err != nil {
				return err
			}
			if taken {
				errs = append(errs, skuTaken(in.SKU))
			}
		}
		if err := errs.Err(); err != nil {
			return err
		}
		warranty := *defaultWarranty
		if in.WarrantyDays != nil {
			warranty = *in.WarrantyDays
		}
		// A concurrent create of the same SKU loses here, without breaking the transaction.
		err := tx.GetContext(ctx, &out, `insert into products (tenant_id, id, sku, title, category, price_minor, currency,
				warranty_days, status, created_at)
			values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) on conflict (tenant_id, sku) do nothing returning `+columns,
			st.ID, uuid.New(), in.SKU, in.Title, in.Category, in.Price.Minor, in.Price.Currency, warranty, productStatusNew, now)
		if errors.Is(err, sql.ErrNoRows) {
			return skuTaken(in.SKU)
		}
		return err
	})
	if err != nil {
		return Product{}, err
	}
	return out, nil
}

func skuTaken(sku string) *tenants.RuleError {
	return tenants.Refuse("SKU_TAKEN", fmt.Sprintf("the store already has a product with SKU %q", sku), "input", "sku")
}

// storeTakesProducts refuses new products in a closed or suspended store, saying since when.
func storeTakesProducts(ctx context.Context, s *tenants.Session, st tenants.Store) error {
	switch st.Status {
	case tenants.StoreClosed:
		since := ""
		if st.ClosedAt != nil {
			since = " since " + st.FormatTime(*st.ClosedAt)
		}
		return tenants.Refuse("STORE_CLOSED", "the store has been closed"+since+"; it takes no new products")
	case tenants.StoreSuspended:
		since := ""
		if at, err := suspendedSince(ctx, s, st.ID); err != nil {
			return err
		} else if at != nil {
			since = " since " + st.FormatTime(*at)
		}
		return tenants.Refuse("STORE_SUSPENDED", "the store has been suspended by the platform"+since+
			"; it takes no new products until an admin lifts the suspension")
	}
	return nil
}

// suspendedSince is when the store's history last recorded it becoming SUSPENDED (nil if it does not say).
func suspendedSince(ctx context.Context, s *tenants.Session, storeID uuid.UUID) (*time.Time, error) {
	var at *time.Time
	err := s.Do(ctx, func(tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &at, `select max(at) from lifecycle_events where tenant_id = $1 and to_status = 'SUSPENDED'`, storeID)
	})
	return at, err
}
