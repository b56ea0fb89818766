package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"testing"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"tradeguard/demo"
	"tradeguard/tenants"
)

// Fixtures for tests that create or change orders. Other tests count the demo stores' orders exactly, so
// such tests work in stores of their own, made here with SQL as the system.

// fixtureStore is a fresh store with its owner and four active products.
type fixtureStore struct {
	Slug       string
	StoreID    string // global id ("Store:<uuid>")
	OwnerEmail string
	ProductIDs []string // global ids ("Product:<store uuid>:<product uuid>")

	UUID         uuid.UUID
	OwnerID      uuid.UUID
	ProductUUIDs []uuid.UUID
}

// freshStore creates a store "t-<8 hex>" (electronics, TWD, Asia/Taipei), its OWNER (password demo.Password)
// and four ACTIVE products.
func (h *harness) freshStore(t *testing.T) fixtureStore {
	t.Helper()
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	slug := "t-" + hex.EncodeToString(b[:])
	hash, err := tenants.HashPassword(demo.Password)
	if err != nil {
		t.Fatal(err)
	}
	st := fixtureStore{Slug: slug, OwnerEmail: "owner@" + slug + ".test", UUID: uuid.New(), OwnerID: uuid.New()}
	st.StoreID = fixtureGlobalID("Store", st.UUID)
	now := h.Clock.Now()
	h.asSystem(t, func(tx *sqlx.Tx) {
		exec := func(q string, args ...any) {
			t.Helper()
			if _, err := tx.Exec(q, args...); err != nil {
				t.Fatalf("fresh store %s: %s: %v", slug, q, err)
			}
		}
		exec(`insert into stores (id, slug, name, category, currency, time_zone, status, created_at)
			values ($1, $2, $3, 'electronics', 'TWD', 'Asia/Taipei', 'ACTIVE', $4)`, st.UUID, slug, "Test Store "+slug, now.AddDate(0, 0, -30))
		exec(`insert into users (id, email, password_hash, display_name, role, created_at)
			values ($1, $2, $3, $4, 'MERCHANT', $5)`, st.OwnerID, st.OwnerEmail, hash, "Owner of "+slug, now.AddDate(0, 0, -30))
		exec(`update users set staff_store_id = $1 where id = $2`, st.UUID, st.OwnerID)
		exec(`insert into store_staff (tenant_id, user_id, staff_role, created_at) values ($1, $2, 'OWNER', $3)`,
			st.UUID, st.OwnerID, now.AddDate(0, 0, -30))
		for i := range 4 {
			id := uuid.New()
			exec(`insert into products (tenant_id, id, sku, title, category, price_minor, currency, warranty_days, status, created_at)
				values ($1, $2, $3, $4, 'electronics', $5, 'TWD', 365, 'ACTIVE', $6)`,
				st.UUID, id, fmt.Sprintf("T-%d", i+1), fmt.Sprintf("Test product %d of %s", i+1, slug),
				int64(i+1)*100000+990, now.AddDate(0, 0, -20+i))
			st.ProductUUIDs = append(st.ProductUUIDs, id)
			st.ProductIDs = append(st.ProductIDs, fixtureGlobalID("Product", st.UUID, id))
		}
	})
	return st
}

// asSystem runs fn as the schema owner in a transaction with the system context and commits it.
func (h *harness) asSystem(t *testing.T, fn func(tx *sqlx.Tx)) {
	t.Helper()
	tx, err := h.Owner.BeginTxx(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.Exec(`select set_config('app.role', 'system', true)`); err != nil {
		t.Fatal(err)
	}
	fn(tx)
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

// sysCount counts with SQL as the system (row-level security sees everything).
func (h *harness) sysCount(t *testing.T, q string, args ...any) int {
	t.Helper()
	var n int
	h.asSystem(t, func(tx *sqlx.Tx) {
		if err := tx.Get(&n, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	})
	return n
}

func fixtureGlobalID(kind string, ids ...uuid.UUID) string {
	s := kind
	for _, id := range ids {
		s += ":" + id.String()
	}
	return base64.RawURLEncoding.EncodeToString([]byte(s))
}
