// Package demo writes deterministic demo data that tells the product's story: three stores (one excellent, one
// average, one failing on dissatisfaction and late shipments), their staff, twenty buyers, a catalogue per
// store, 760 orders over the last 180 days in every state of the order lifecycle, ratings, and then — played
// through the domain functions the API calls, as each person, at past instants — after-sales cases of every
// type in every state, arbitrations and appeals, complaints, violations and penalties, and daily scores.
package demo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"tradeguard/tenants"
)

// Password is every demo account's password.
const Password = "demo-password"

// Login is one demo account, printed by the server at start-up.
type Login struct{ Email, Role, Store string }

// account is a demo user; staffRole is set for merchants.
type account struct {
	email, name, role, store, staffRole string
}

const buyers = 20

func buyerEmail(n int) string { return fmt.Sprintf("buyer%d@tradeguard.test", n) }

func accounts() []account {
	out := []account{{email: "admin@tradeguard.test", name: "Platform Admin", role: "ADMIN"},
		// a second admin decides appeals: never the one who ruled
		{email: "arbiter@tradeguard.test", name: "Appeals Arbiter", role: "ADMIN"}}
	for _, s := range stores {
		out = append(out, account{email: "owner@" + s.slug + ".test", name: s.owner, role: "MERCHANT", store: s.slug, staffRole: "OWNER"})
	}
	out = append(out, account{email: "agent@lotus-electronics.test", name: "Lotus Agent", role: "MERCHANT",
		store: "lotus-electronics", staffRole: "AGENT"})
	for n := 1; n <= buyers; n++ {
		out = append(out, account{email: buyerEmail(n), name: fmt.Sprintf("Buyer %d", n), role: "BUYER"})
	}
	return out
}

// Logins lists the demo accounts: admin@tradeguard.test and arbiter@tradeguard.test (ADMIN); owner@lotus-electronics.test,
// owner@maple-apparel.test, owner@harbor-foods.test (MERCHANT, staff role OWNER of their store);
// agent@lotus-electronics.test (MERCHANT, AGENT of lotus); buyer1@tradeguard.test … buyer20@tradeguard.test (BUYER).
func Logins() []Login {
	var out []Login
	for _, a := range accounts() {
		out = append(out, Login{Email: a.email, Role: a.role, Store: a.store})
	}
	return out
}

// namespace of every demo id (uuid.NewSHA1): the same names give the same ids in every database.
var namespace = uuid.MustParse("3d1f0c52-8a6e-4b7f-9c2d-5e4a7b6c8d90")

func id(parts ...string) uuid.UUID { return uuid.NewSHA1(namespace, []byte(strings.Join(parts, "/"))) }

func storeID(slug string) uuid.UUID         { return id("store", slug) }
func userID(email string) uuid.UUID         { return id("user", email) }
func productID(slug, sku string) uuid.UUID  { return id("product", slug, sku) }
func orderID(slug, number string) uuid.UUID { return id("order", slug, number) }
func itemID(slug, number string, pos int) uuid.UUID {
	return id("order-item", slug, number, fmt.Sprint(pos))
}

// Load writes the demo data once: if the store with slug lotus-electronics exists it does nothing and returns
// loaded=false. db is any connection that can act as SYSTEM (the owner or the app role); everything is written
// in one transaction, as tenants.System or as whoever the story has acting (tenants.Become), so row-level
// security applies. now anchors every time (orders spread over the 180 days before now); the same now gives
// the same data.
func Load(ctx context.Context, db *sqlx.DB, now time.Time) (loaded bool, err error) {
	now = now.UTC().Truncate(time.Second)
	err = tenants.Run(ctx, db, tenants.System, func(tx *sqlx.Tx) error {
		// Two servers starting at once: the second waits here, then finds the data.
		if _, err := tx.ExecContext(ctx, `select pg_advisory_xact_lock(hashtext('tradeguard.demo.load'))`); err != nil {
			return err
		}
		var exists bool
		if err := tx.GetContext(ctx, &exists, `select exists (select 1 from stores where slug = $1)`, stores[0].slug); err != nil {
			return err
		}
		if exists {
			return nil
		}
		if err := insertStores(ctx, tx, now); err != nil {
			return err
		}
		if err := insertAccounts(ctx, tx, now); err != nil {
			return err
		}
		if err := insertProducts(ctx, tx, now); err != nil {
			return err
		}
		cancels := map[uuid.UUID]bool{}
		for si := range stores {
			if err := insertOrders(ctx, tx, si, now, cancels); err != nil {
				return err
			}
		}
		if err := insertHistory(ctx, tx, now); err != nil {
			return err
		}
		if err := insertRatings(ctx, tx, now); err != nil {
			return err
		}
		if err := playCases(ctx, tx, cancels, now); err != nil {
			return err
		}
		if err := playPlatform(ctx, tx, now); err != nil {
			return err
		}
		loaded = true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("demo: %w", err)
	}
	return loaded, nil
}

func since(now time.Time, days int) time.Time { return now.AddDate(0, 0, -days) }

func insertStores(ctx context.Context, tx *sqlx.Tx, now time.Time) error {
	for _, s := range stores {
		if _, err := tx.ExecContext(ctx, `insert into stores (id, slug, name, category, currency, time_zone, created_at)
			values ($1, $2, $3, $4, $5, $6, $7)`,
			storeID(s.slug), s.slug, s.name, s.category, s.currency, s.timeZone, since(now, 400)); err != nil {
			return fmt.Errorf("store %s: %w", s.slug, err)
		}
	}
	return nil
}

func insertAccounts(ctx context.Context, tx *sqlx.Tx, now time.Time) error {
	created := since(now, 400)
	for _, a := range accounts() {
		hash, err := tenants.HashPassword(Password) // each account gets its own salt
		if err != nil {
			return err
		}
		var staffStore *uuid.UUID // a merchant account's one store
		if a.staffRole != "" {
			id := storeID(a.store)
			staffStore = &id
		}
		if _, err := tx.ExecContext(ctx, `insert into users (id, email, password_hash, display_name, role, created_at, staff_store_id)
			values ($1, $2, $3, $4, $5, $6, $7)`, userID(a.email), a.email, hash, a.name, a.role, created, staffStore); err != nil {
			return fmt.Errorf("user %s: %w", a.email, err)
		}
		if a.staffRole == "" {
			continue
		}
		if _, err := tx.ExecContext(ctx, `insert into store_staff (tenant_id, user_id, staff_role, created_at)
			values ($1, $2, $3, $4)`, storeID(a.store), userID(a.email), a.staffRole, created); err != nil {
			return fmt.Errorf("staff %s: %w", a.email, err)
		}
	}
	return nil
}

func insertProducts(ctx context.Context, tx *sqlx.Tx, now time.Time) error {
	for _, s := range stores {
		for i, p := range products[s.slug] {
			status := "ACTIVE"
			if p.archived {
				status = "ARCHIVED"
			}
			if _, err := tx.ExecContext(ctx, `insert into products
				(tenant_id, id, sku, title, category, price_minor, currency, warranty_days, status, created_at)
				values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
				storeID(s.slug), productID(s.slug, p.sku), p.sku, p.title, p.category, p.price, s.currency,
				p.warranty, status, since(now, 380-7*i)); err != nil {
				return fmt.Errorf("product %s: %w", p.sku, err)
			}
		}
	}
	return nil
}

// insertOrders writes one store's orders and their lines with a few multi-row statements. Gifts go in after the
// paid lines they reference.
func insertOrders(ctx context.Context, tx *sqlx.Tx, si int, now time.Time, cancels map[uuid.UUID]bool) error {
	orders, items := genOrders(si, now)
	for _, o := range orders {
		if o.cancelRequest {
			cancels[o.ID] = true
		}
	}
	if _, err := tx.NamedExecContext(ctx, `insert into orders (tenant_id, id, number, buyer_id, status, currency,
		subtotal_minor, shipping_minor, total_minor, paid_minor, refunded_minor, payment_method, buyer_name, ship_name, ship_phone,
		ship_address, created_at, paid_at, ship_by, shipped_at, carrier, tracking_number, delivered_at, completed_at,
		cancelled_at, cancelled_by, cancel_kind, cancel_reason, version) values (:tenant_id, :id, :number, :buyer_id, :status,
		:currency, :subtotal_minor, :shipping_minor, :total_minor, :paid_minor, :refunded_minor, :payment_method,
		:buyer_name, :ship_name, :ship_phone, :ship_address, :created_at, :paid_at, :ship_by, :shipped_at, :carrier,
		:tracking_number, :delivered_at, :completed_at, :cancelled_at, :cancelled_by, :cancel_kind, :cancel_reason, 1)`, orders); err != nil {
		return fmt.Errorf("orders of %s: %w", stores[si].slug, err)
	}
	var paid, gifts []itemRow
	for _, it := range items {
		if it.GiftOf == nil {
			paid = append(paid, it)
		} else {
			gifts = append(gifts, it)
		}
	}
	for _, batch := range [][]itemRow{paid, gifts} {
		if len(batch) == 0 {
			continue
		}
		if _, err := tx.NamedExecContext(ctx, `insert into order_items (tenant_id, id, order_id, buyer_id, product_id,
			position, title, quantity, unit_price_minor, gift_of, declared_value_minor) values (:tenant_id, :id,
			:order_id, :buyer_id, :product_id, :position, :title, :quantity, :unit_price_minor, :gift_of,
			:declared_value_minor)`, batch); err != nil {
			return fmt.Errorf("order items of %s: %w", stores[si].slug, err)
		}
	}
	return nil
}
