package catalog_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"tradeguard/catalog"
	"tradeguard/demo"
	"tradeguard/internal/clock"
	"tradeguard/internal/testdb"
	"tradeguard/money"
	"tradeguard/tenants"
)

// catalog.Create against a real PostgreSQL database with the demo data, as the server's role.

func TestMain(m *testing.M) { testdb.Main(m) }

var base = time.Date(2026, 6, 15, 2, 0, 0, 0, time.UTC)

var (
	dbOnce  sync.Once
	dbErr   error
	ownerDB *sqlx.DB
	appDB   *sqlx.DB
)

type keepAlive struct{ testing.TB }

func (keepAlive) Cleanup(func()) {}

type env struct {
	owner, app *sqlx.DB
	auth       *tenants.Auth
	clk        *clock.Fake
}

func newEnv(t *testing.T) *env {
	t.Helper()
	dbOnce.Do(func() {
		ownerDB, appDB = testdb.Migrated(keepAlive{t})
		_, dbErr = demo.Load(context.Background(), appDB, base)
	})
	if dbErr != nil || appDB == nil {
		t.Fatalf("demo database: %v", dbErr)
	}
	clk := clock.NewFake(base)
	access, err := tenants.NewAccessTokens(bytes.Repeat([]byte("k"), 32), clk.Now)
	if err != nil {
		t.Fatal(err)
	}
	return &env{owner: ownerDB, app: appDB, auth: &tenants.Auth{DB: appDB, Access: access, Now: clk.Now}, clk: clk}
}

func (e *env) asSystem(t *testing.T, fn func(tx *sqlx.Tx) error) {
	t.Helper()
	tx, err := e.owner.Beginx()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.Exec(`select set_config('app.role', 'system', true)`); err != nil {
		t.Fatal(err)
	}
	if err := fn(tx); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

func (e *env) login(t *testing.T, email, password string) tenants.Principal {
	t.Helper()
	pair, err := e.auth.Login(context.Background(), email, password)
	if err != nil {
		t.Fatalf("login %s: %v", email, err)
	}
	p, err := e.auth.Access.Verify(pair.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// create runs catalog.Create in a session of p, committing on success.
func (e *env) create(t *testing.T, p tenants.Principal, in catalog.ProductInput) (catalog.Product, error) {
	t.Helper()
	s := tenants.NewSession(e.app, p, false)
	prod, err := catalog.Create(context.Background(), s, in, e.clk.Now())
	if err != nil {
		_ = s.Rollback()
		return prod, err
	}
	if err := s.Commit(); err != nil {
		t.Fatal(err)
	}
	return prod, nil
}

func codes(t *testing.T, err error) map[string]string {
	t.Helper()
	rules, ok := tenants.AsRuleErrors(err)
	if !ok {
		t.Fatalf("want rule refusals, got %v", err)
	}
	out := map[string]string{}
	for _, r := range rules {
		out[r.Code] = strings.Join(r.Field, ".")
	}
	return out
}

func sku(prefix string) string { return prefix + "-" + strings.ToUpper(uuid.NewString()[:8]) }

func ints(n int) *int { return &n }

func api(store uuid.UUID, scopes ...tenants.Scope) tenants.Principal {
	return tenants.Principal{Role: tenants.RoleMerchant, StoreID: store, StaffRole: tenants.StaffAPI, Scopes: scopes, TokenID: uuid.New()}
}

func TestCanCreateProduct(t *testing.T) {
	store := uuid.New()
	for _, c := range []struct {
		name string
		p    tenants.Principal
		ok   bool
	}{
		{"owner", tenants.Principal{Role: tenants.RoleMerchant, UserID: uuid.New(), StoreID: store, StaffRole: tenants.StaffOwner}, true},
		{"agent", tenants.Principal{Role: tenants.RoleMerchant, UserID: uuid.New(), StoreID: store, StaffRole: tenants.StaffAgent}, true},
		{"api token catalog:write", api(store, tenants.ScopeCatalogWrite), true},
		{"api token catalog:read, orders:write", api(store, tenants.ScopeCatalogRead, tenants.ScopeOrdersWrite), false},
		{"merchant without a store", tenants.Principal{Role: tenants.RoleMerchant, UserID: uuid.New(), StaffRole: tenants.StaffOwner}, false},
		{"buyer", tenants.Principal{Role: tenants.RoleBuyer, UserID: uuid.New()}, false},
		{"admin", tenants.Principal{Role: tenants.RoleAdmin, UserID: uuid.New()}, false},
		{"system", tenants.System, false},
		{"anonymous", tenants.Anonymous, false},
	} {
		err := catalog.CanCreateProduct(c.p)
		if c.ok && err != nil || !c.ok && !errors.Is(err, tenants.ErrForbidden) {
			t.Errorf("%s: %v, want allowed=%v", c.name, err, c.ok)
		}
	}
}

func TestCreateProduct(t *testing.T) {
	e := newEnv(t)
	owner := e.login(t, "owner@lotus-electronics.test", demo.Password)
	agent := e.login(t, "agent@lotus-electronics.test", demo.Password)
	now := e.clk.Now()

	// The warranty defaults to the category's: electronics 365 days, digital goods 0.
	p, err := e.create(t, owner, catalog.ProductInput{SKU: sku("LE-NEW"), Title: "  Noise-Cancelling Earbuds Pro ", Category: "electronics",
		Price: money.New(399000, "TWD")})
	if err != nil {
		t.Fatalf("owner creates: %v", err)
	}
	if p.StoreID != owner.StoreID || p.Title != "Noise-Cancelling Earbuds Pro" || p.WarrantyDays != 365 || p.PriceMinor != 399000 ||
		p.Currency != "TWD" || p.Status != "ACTIVE" || !p.CreatedAt.Equal(now) || p.ID == uuid.Nil {
		t.Errorf("product %+v", p)
	}
	if p, err := e.create(t, agent, catalog.ProductInput{SKU: sku("LE-SW"), Title: "Licence", Category: "digital", Price: money.New(0, "TWD")}); err != nil || p.WarrantyDays != 0 {
		t.Errorf("agent creates a digital product: %+v %v", p, err)
	}
	if p, err := e.create(t, api(owner.StoreID, tenants.ScopeCatalogWrite), catalog.ProductInput{SKU: sku("LE-ERP"), Title: "From the ERP",
		Category: "electronics", Price: money.New(100, "TWD"), WarrantyDays: ints(30)}); err != nil || p.WarrantyDays != 30 {
		t.Errorf("API token with catalog:write creates with a 30-day warranty: %+v %v", p, err)
	}

	for name, who := range map[string]tenants.Principal{
		"api token without catalog:write": api(owner.StoreID, tenants.ScopeCatalogRead, tenants.ScopeOrdersWrite),
		"buyer":                           e.login(t, "buyer3@tradeguard.test", demo.Password),
		"admin":                           e.login(t, "admin@tradeguard.test", demo.Password),
		"anonymous":                       tenants.Anonymous,
	} {
		if _, err := e.create(t, who, catalog.ProductInput{SKU: sku("NOPE"), Title: "Nope", Category: "electronics", Price: money.New(1, "TWD")}); !errors.Is(err, tenants.ErrForbidden) {
			t.Errorf("%s: %v, want ErrForbidden", name, err)
		}
	}
}

func TestCreateProductRefusals(t *testing.T) {
	e := newEnv(t)
	owner := e.login(t, "owner@lotus-electronics.test", demo.Password)
	count := func() (n int) {
		e.asSystem(t, func(tx *sqlx.Tx) error {
			return tx.Get(&n, `select count(*) from products where tenant_id = $1`, owner.StoreID)
		})
		return n
	}
	before := count()

	_, err := e.create(t, owner, catalog.ProductInput{SKU: "  ", Title: strings.Repeat("t", 201), Category: "",
		Price: money.New(-1, "USD"), WarrantyDays: ints(-1)})
	want := map[string]string{"INVALID_SKU": "input.sku", "INVALID_TITLE": "input.title", "UNKNOWN_CATEGORY": "input.category",
		"INVALID_PRICE": "input.price.amount", "CURRENCY_MISMATCH": "input.price.currencyCode", "INVALID_WARRANTY": "input.warrantyDays"}
	if got := codes(t, err); !equal(got, want) {
		t.Errorf("every field wrong: %v, want %v", got, want)
	}
	// Well-formed, but the SKU is the store's already and the category does not exist.
	_, err = e.create(t, owner, catalog.ProductInput{SKU: "LE-HP-001", Title: "Headphones again", Category: "toys", Price: money.New(100, "TWD")})
	want = map[string]string{"SKU_TAKEN": "input.sku", "UNKNOWN_CATEGORY": "input.category"}
	if got := codes(t, err); !equal(got, want) {
		t.Errorf("SKU taken, unknown category: %v, want %v", got, want)
	}
	// Another store's SKU is no obstacle.
	maple := e.login(t, "owner@maple-apparel.test", demo.Password)
	if _, err := e.create(t, maple, catalog.ProductInput{SKU: "LE-HP-001", Title: "Headphone-print tee", Category: "apparel", Price: money.New(9900, "CNY")}); err != nil {
		t.Errorf("maple uses lotus's SKU: %v", err)
	}
	if after := count(); after != before {
		t.Errorf("refusals wrote products: %d → %d", before, after)
	}
}

func equal(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// A store closed or suspended takes no new products, and says since when; a closing store still does.
func TestCreateProductStoreStatus(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	slug := "cat-" + strings.ReplaceAll(uuid.NewString(), "-", "")[:10]
	email := "owner@" + slug + ".test"
	admin := tenants.NewSession(e.app, e.login(t, "admin@tradeguard.test", demo.Password), false)
	st, _, token, err := tenants.CreateStore(ctx, admin, tenants.StoreInput{Slug: slug, Name: "Catalog " + slug, Category: "food",
		Currency: "USD", TimeZone: "America/Los_Angeles", OwnerEmail: email}, e.clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := admin.Commit(); err != nil {
		t.Fatal(err)
	}
	if _, err := tenants.AcceptInvite(ctx, e.app, token, "Catalog Owner", "correct horse battery", e.clk.Now()); err != nil {
		t.Fatal(err)
	}
	owner := e.login(t, email, "correct horse battery")
	product := func() catalog.ProductInput {
		return catalog.ProductInput{SKU: sku("HF"), Title: "Honey", Category: "food", Price: money.New(1299, "USD")}
	}
	setStatus := func(status string, at time.Time) {
		e.asSystem(t, func(tx *sqlx.Tx) error {
			closedAt := &at
			if status != "CLOSED" {
				closedAt = nil
			}
			if _, err := tx.Exec(`update stores set status = $2, closed_at = $3 where id = $1`, st.ID, status, closedAt); err != nil {
				return err
			}
			if status == "SUSPENDED" {
				_, err := tx.Exec(`insert into lifecycle_events (id, tenant_id, at, actor, action, from_status, to_status, reason)
					values ($1, $2, $3, 'ADMIN', 'SUSPENDED', 'ACTIVE', 'SUSPENDED', '48 general violation points')`, uuid.New(), st.ID, at)
				return err
			}
			return nil
		})
	}

	if p, err := e.create(t, owner, product()); err != nil || p.WarrantyDays != 90 {
		t.Fatalf("active store: %+v %v", p, err)
	}
	if _, err := e.create(t, owner, catalog.ProductInput{SKU: sku("HF"), Title: "Honey", Category: "food", Price: money.New(1299, "TWD")}); codes(t, err)["CURRENCY_MISMATCH"] != "input.price.currencyCode" {
		t.Errorf("a TWD price in a USD store: %v", err)
	}
	setStatus("CLOSING", time.Time{})
	if _, err := e.create(t, owner, product()); err != nil {
		t.Errorf("closing store: %v", err)
	}

	closedAt := e.clk.Now().Add(-26 * time.Hour)
	setStatus("CLOSED", closedAt)
	_, err = e.create(t, owner, product())
	if got := codes(t, err); len(got) != 1 || !strings.Contains(err.Error(), "since "+st.FormatTime(closedAt)) {
		t.Errorf("closed store: %v", err)
	} else if _, ok := got["STORE_CLOSED"]; !ok {
		t.Errorf("closed store: %v", got)
	}

	suspendedAt := e.clk.Now().Add(-5 * time.Hour)
	setStatus("SUSPENDED", suspendedAt)
	_, err = e.create(t, owner, product())
	if got := codes(t, err); len(got) != 1 || !strings.Contains(err.Error(), "since "+st.FormatTime(suspendedAt)) {
		t.Errorf("suspended store: %v", err)
	} else if _, ok := got["STORE_SUSPENDED"]; !ok {
		t.Errorf("suspended store: %v", got)
	}
	if !strings.Contains(st.FormatTime(suspendedAt), "-07:00") {
		t.Errorf("times are not shown in the store's zone: %s", st.FormatTime(suspendedAt))
	}
}
