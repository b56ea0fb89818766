package main

// Tenant and buyer isolation over real HTTP, and the same refusals proven underneath by running raw SQL as the
// app role with the request context the server sets (DESIGN §2, §4: another tenant's id answers exactly like a
// missing id).

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

const harborOwner = "owner@harbor-foods.test"

// ---------------------------------------------------------------- helpers

// isoPostRaw sends a GraphQL POST and returns the status and the exact response body, for byte comparisons.
func isoPostRaw(t *testing.T, h *harness, token, query string, vars map[string]any) (int, []byte) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, h.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST /graphql: %v", err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return res.StatusCode, raw
}

// isoGlobalID builds a global id the way the API does: base64url (no padding) of "Kind:uuid[:uuid]".
func isoGlobalID(kind string, ids ...uuid.UUID) string {
	parts := []string{kind}
	for _, id := range ids {
		parts = append(parts, id.String())
	}
	return base64.RawURLEncoding.EncodeToString([]byte(strings.Join(parts, ":")))
}

// isoParseID decodes a global id of the given kind into its uuids.
func isoParseID(t *testing.T, id, kind string) []uuid.UUID {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(id)
	if err != nil {
		t.Fatalf("global id %q is not base64url: %v", id, err)
	}
	parts := strings.Split(string(raw), ":")
	if len(parts) < 2 || parts[0] != kind {
		t.Fatalf("global id %q decodes to %q, want kind %s", id, raw, kind)
	}
	var out []uuid.UUID
	for _, p := range parts[1:] {
		u, err := uuid.Parse(p)
		if err != nil {
			t.Fatalf("global id %q: part %q: %v", id, p, err)
		}
		out = append(out, u)
	}
	return out
}

type isoUser struct {
	ID          string
	Email       *string
	DisplayName string
}

type isoOrder struct {
	ID     string
	Number string
	Store  struct{ ID, Slug string }
	Buyer  *isoUser
}

type isoProduct struct {
	ID     string
	Status string
	Store  struct{ ID, Slug string }
}

const isoOrdersQuery = `query($after: String, $filter: OrderFilter) {
	orders(first: 100, after: $after, filter: $filter) {
		totalCount pageInfo { hasNextPage endCursor }
		nodes { id number store { id slug } buyer { id email displayName } } } }`

// isoAllOrders pages through every order the caller may see (with an optional filter) and returns them with
// the connection's totalCount.
func isoAllOrders(t *testing.T, h *harness, token string, filter map[string]any) ([]isoOrder, int) {
	t.Helper()
	var all []isoOrder
	total := -1
	var after any
	for page := 0; page < 50; page++ {
		vars := map[string]any{"after": after}
		if filter != nil {
			vars["filter"] = filter
		}
		var c struct {
			TotalCount int
			PageInfo   struct {
				HasNextPage bool
				EndCursor   *string
			}
			Nodes []isoOrder
		}
		field(t, ok(t, h.post(t, token, isoOrdersQuery, vars)), "orders", &c)
		if total == -1 {
			total = c.TotalCount
		} else if total != c.TotalCount {
			t.Fatalf("totalCount changed between pages: %d then %d", total, c.TotalCount)
		}
		all = append(all, c.Nodes...)
		if !c.PageInfo.HasNextPage {
			return all, total
		}
		if c.PageInfo.EndCursor == nil {
			t.Fatal("hasNextPage without endCursor")
		}
		after = *c.PageInfo.EndCursor
	}
	t.Fatal("more than 50 pages of orders")
	return nil, 0
}

const isoProductsQuery = `query($after: String, $filter: ProductFilter) {
	products(first: 100, after: $after, filter: $filter) {
		totalCount pageInfo { hasNextPage endCursor }
		nodes { id status store { id slug } } } }`

func isoAllProducts(t *testing.T, h *harness, token string, filter map[string]any) ([]isoProduct, int) {
	t.Helper()
	var all []isoProduct
	total := -1
	var after any
	for page := 0; page < 50; page++ {
		vars := map[string]any{"after": after}
		if filter != nil {
			vars["filter"] = filter
		}
		var c struct {
			TotalCount int
			PageInfo   struct {
				HasNextPage bool
				EndCursor   *string
			}
			Nodes []isoProduct
		}
		field(t, ok(t, h.post(t, token, isoProductsQuery, vars)), "products", &c)
		if total == -1 {
			total = c.TotalCount
		}
		all = append(all, c.Nodes...)
		if !c.PageInfo.HasNextPage {
			return all, total
		}
		after = *c.PageInfo.EndCursor
	}
	t.Fatal("more than 50 pages of products")
	return nil, 0
}

type isoViewer struct {
	ID    string
	Email *string
	Store *struct{ ID, Slug string }
}

func isoViewerOf(t *testing.T, h *harness, token string) isoViewer {
	t.Helper()
	var v isoViewer
	field(t, ok(t, h.post(t, token, `{ viewer { id email store { id slug } } }`, nil)), "viewer", &v)
	if v.ID == "" {
		t.Fatal("viewer has no id")
	}
	return v
}

// isoStoreID is a merchant's store global id.
func isoStoreID(t *testing.T, h *harness, token string) string {
	t.Helper()
	v := isoViewerOf(t, h, token)
	if v.Store == nil || v.Store.ID == "" {
		t.Fatalf("viewer %s has no store", v.ID)
	}
	return v.Store.ID
}

// isoIsNull reports whether data[name] is JSON null or absent (data itself may be null).
func isoIsNull(r gqlResponse, name string) bool {
	raw, present := r.Data[name]
	return !present || string(raw) == "null"
}

// isoExpectNull fails unless the response has no errors and data[name] is null.
func isoExpectNull(t *testing.T, r gqlResponse, name string) {
	t.Helper()
	ok(t, r)
	if raw, present := r.Data[name]; !present || string(raw) != "null" {
		t.Fatalf("data.%s = %s, want null", name, raw)
	}
}

// isoExpectCode fails unless the response carries the error code and no data for name.
func isoExpectCode(t *testing.T, r gqlResponse, code, name string) {
	t.Helper()
	if got := r.code(); got != code {
		t.Fatalf("want error code %s, got %q (HTTP %d, errors %+v, data %v)", code, got, r.Status, r.Errors, r.Data)
	}
	if !isoIsNull(r, name) {
		t.Fatalf("refused field %s still returned data: %s", name, r.Data[name])
	}
}

// ---------------------------------------------------------------- merchant vs another store

func TestIsolationMerchantCannotReachAnotherStore(t *testing.T) {
	isolationMerchantCannotReachAnotherStore(t, setup(t))
}

func isolationMerchantCannotReachAnotherStore(t *testing.T, h *harness) {
	lotus := h.login(t, lotusOwner)
	maple := h.login(t, mapleOwner)
	lotusStore := isoStoreID(t, h, lotus)
	mapleStore := isoStoreID(t, h, maple)
	mapleStoreUUID := isoParseID(t, mapleStore, "Store")[0]
	if lotusStore == mapleStore {
		t.Fatalf("lotus and maple share store id %s", lotusStore)
	}

	// Maple's ids, read legitimately by maple's owner.
	mapleOrders, mapleTotal := isoAllOrders(t, h, maple, nil)
	if mapleTotal == 0 || len(mapleOrders) != mapleTotal {
		t.Fatalf("maple owner: %d orders listed, totalCount %d", len(mapleOrders), mapleTotal)
	}
	mapleOrderIDs := map[string]bool{}
	for _, o := range mapleOrders {
		if o.Store.ID != mapleStore {
			t.Fatalf("maple owner sees order %s of store %s", o.Number, o.Store.Slug)
		}
		mapleOrderIDs[o.ID] = true
	}
	mapleOrder := mapleOrders[0].ID

	mapleProducts, _ := isoAllProducts(t, h, maple, map[string]any{"storeId": mapleStore})
	var mapleArchived, mapleActive string
	mapleActiveIDs := map[string]bool{}
	for _, p := range mapleProducts {
		switch p.Status {
		case "ARCHIVED":
			mapleArchived = p.ID
		case "ACTIVE":
			mapleActive = p.ID
			mapleActiveIDs[p.ID] = true
		}
	}
	if mapleArchived == "" || mapleActive == "" {
		t.Fatalf("maple owner should see an active and an archived product, got %+v", mapleProducts)
	}

	t.Run("orders never list another store's order", func(t *testing.T) {
		all, total := isoAllOrders(t, h, lotus, nil)
		if total == 0 || len(all) != total {
			t.Fatalf("lotus orders: %d listed, totalCount %d", len(all), total)
		}
		for _, o := range all {
			if o.Store.ID != lotusStore || o.Store.Slug != "lotus-electronics" {
				t.Fatalf("lotus merchant sees order %s of %s", o.Number, o.Store.Slug)
			}
			if mapleOrderIDs[o.ID] {
				t.Fatalf("lotus merchant sees maple order %s", o.Number)
			}
		}
	})

	t.Run("orders filtered by the other store are empty", func(t *testing.T) {
		all, total := isoAllOrders(t, h, lotus, map[string]any{"storeId": mapleStore})
		if total != 0 || len(all) != 0 {
			t.Fatalf("lotus merchant, filter maple: totalCount %d, %d orders", total, len(all))
		}
	})

	// The other store's id must answer exactly like an id that does not exist.
	missingOrder := isoGlobalID("Order", uuid.New(), uuid.New())
	missingInMaple := isoGlobalID("Order", mapleStoreUUID, uuid.New())
	for _, tc := range []struct{ name, query, field string }{
		{"order", `query($id: ID!) { order(id: $id) { id number } }`, "order"},
		{"node", `query($id: ID!) { node(id: $id) { id ... on Order { number } } }`, "node"},
	} {
		t.Run(tc.name+" of another store's order is null like a missing id", func(t *testing.T) {
			// Control: the id is real, its own store reads it.
			r := ok(t, h.post(t, maple, tc.query, map[string]any{"id": mapleOrder}))
			if isoIsNull(r, tc.field) {
				t.Fatalf("maple owner cannot read its own order %s", mapleOrder)
			}
			isoExpectNull(t, h.post(t, lotus, tc.query, map[string]any{"id": mapleOrder}), tc.field)
			st1, foreign := isoPostRaw(t, h, lotus, tc.query, map[string]any{"id": mapleOrder})
			for _, missing := range []string{missingOrder, missingInMaple} {
				st2, absent := isoPostRaw(t, h, lotus, tc.query, map[string]any{"id": missing})
				if st1 != st2 || !bytes.Equal(foreign, absent) {
					t.Fatalf("another store's order answers differently from a missing one:\n foreign HTTP %d %s\n missing HTTP %d %s",
						st1, foreign, st2, absent)
				}
			}
		})
	}

	t.Run("node of another store's archived product is null, active product visible", func(t *testing.T) {
		q := `query($id: ID!) { node(id: $id) { id ... on Product { status store { slug } } } }`
		// Control: maple's owner sees its archived product.
		var own struct{ ID, Status string }
		field(t, ok(t, h.post(t, maple, q, map[string]any{"id": mapleArchived})), "node", &own)
		if own.ID != mapleArchived || own.Status != "ARCHIVED" {
			t.Fatalf("maple owner: node(archived) = %+v", own)
		}
		isoExpectNull(t, h.post(t, lotus, q, map[string]any{"id": mapleArchived}), "node")
		st1, foreign := isoPostRaw(t, h, lotus, q, map[string]any{"id": mapleArchived})
		st2, absent := isoPostRaw(t, h, lotus, q, map[string]any{"id": isoGlobalID("Product", mapleStoreUUID, uuid.New())})
		if st1 != st2 || !bytes.Equal(foreign, absent) {
			t.Fatalf("archived product answers differently from a missing one:\n %s\n %s", foreign, absent)
		}

		var active struct {
			ID, Status string
			Store      struct{ Slug string }
		}
		field(t, ok(t, h.post(t, lotus, q, map[string]any{"id": mapleActive})), "node", &active)
		if active.ID != mapleActive || active.Status != "ACTIVE" || active.Store.Slug != "maple-apparel" {
			t.Fatalf("lotus merchant: node(maple active product) = %+v, want the public product", active)
		}
	})

	t.Run("products of another store show only its active ones", func(t *testing.T) {
		all, total := isoAllProducts(t, h, lotus, map[string]any{"storeId": mapleStore})
		var got []string
		for _, p := range all {
			if p.Status != "ACTIVE" || p.Store.ID != mapleStore {
				t.Fatalf("lotus merchant, products of maple: %+v", p)
			}
			got = append(got, p.ID)
		}
		var want []string
		for id := range mapleActiveIDs {
			want = append(want, id)
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) || total != len(want) {
			t.Fatalf("lotus merchant, products(filter: {storeId: maple}): totalCount %d, %d products; want maple's %d active products (the public catalogue)",
				total, len(got), len(want))
		}
	})
}

// ---------------------------------------------------------------- buyer vs buyer

func TestIsolationBuyersSeeOnlyTheirOwnOrders(t *testing.T) {
	isolationBuyersSeeOnlyTheirOwnOrders(t, setup(t))
}

func isolationBuyersSeeOnlyTheirOwnOrders(t *testing.T, h *harness) {
	b1 := h.login(t, buyer1)
	b2 := h.login(t, buyer2)
	v1 := isoViewerOf(t, h, b1)
	v2 := isoViewerOf(t, h, b2)
	if v1.Email == nil || *v1.Email != buyer1 || v1.ID == v2.ID {
		t.Fatalf("viewers: buyer1 %+v, buyer2 %+v", v1, v2)
	}

	all1, total1 := isoAllOrders(t, h, b1, nil)
	t.Run("own orders only, across stores, own e-mail", func(t *testing.T) {
		if total1 == 0 || len(all1) != total1 {
			t.Fatalf("buyer1: %d orders listed, totalCount %d", len(all1), total1)
		}
		stores := map[string]bool{}
		for _, o := range all1 {
			if o.Buyer == nil || o.Buyer.ID != v1.ID {
				t.Fatalf("buyer1 sees order %s of buyer %+v", o.Number, o.Buyer)
			}
			if o.Buyer.Email == nil || *o.Buyer.Email != buyer1 {
				t.Fatalf("buyer1 reads own e-mail on order %s as %v", o.Number, o.Buyer.Email)
			}
			stores[o.Store.Slug] = true
		}
		if len(stores) < 2 {
			t.Fatalf("buyer1's orders span %d stores (%v), want at least 2", len(stores), stores)
		}
	})

	all2, _ := isoAllOrders(t, h, b2, nil)
	if len(all2) == 0 {
		t.Fatal("buyer2 has no orders")
	}
	other := all2[0]
	if other.Buyer == nil || other.Buyer.ID != v2.ID {
		t.Fatalf("buyer2's order %s has buyer %+v", other.Number, other.Buyer)
	}
	otherStore := isoParseID(t, other.ID, "Order")[0]
	for _, tc := range []struct{ name, query, field string }{
		{"order", `query($id: ID!) { order(id: $id) { id number } }`, "order"},
		{"node", `query($id: ID!) { node(id: $id) { id ... on Order { number } } }`, "node"},
	} {
		t.Run(tc.name+" of another buyer's order is null like a missing id", func(t *testing.T) {
			r := ok(t, h.post(t, b2, tc.query, map[string]any{"id": other.ID}))
			if isoIsNull(r, tc.field) {
				t.Fatalf("buyer2 cannot read its own order %s", other.Number)
			}
			isoExpectNull(t, h.post(t, b1, tc.query, map[string]any{"id": other.ID}), tc.field)
			st1, foreign := isoPostRaw(t, h, b1, tc.query, map[string]any{"id": other.ID})
			st2, absent := isoPostRaw(t, h, b1, tc.query, map[string]any{"id": isoGlobalID("Order", otherStore, uuid.New())})
			if st1 != st2 || !bytes.Equal(foreign, absent) {
				t.Fatalf("another buyer's order answers differently from a missing one:\n %s\n %s", foreign, absent)
			}
		})
	}

	t.Run("a merchant reads a buyer's display name but not the e-mail", func(t *testing.T) {
		lotus := h.login(t, lotusOwner)
		var c struct{ Nodes []isoOrder }
		field(t, ok(t, h.post(t, lotus, `{ orders(first: 10) { nodes { number buyer { id email displayName } } } }`, nil)), "orders", &c)
		if len(c.Nodes) == 0 {
			t.Fatal("lotus merchant has no orders")
		}
		for _, o := range c.Nodes {
			if o.Buyer == nil || o.Buyer.ID == "" || !strings.HasPrefix(o.Buyer.DisplayName, "Buyer ") {
				t.Fatalf("merchant reads buyer of %s as %+v, want its display name", o.Number, o.Buyer)
			}
			if o.Buyer.Email != nil {
				t.Fatalf("merchant reads buyer e-mail %q on order %s", *o.Buyer.Email, o.Number)
			}
		}
	})
}

// ---------------------------------------------------------------- roles on fields

func TestIsolationRoleRefusals(t *testing.T) { isolationRoleRefusals(t, setup(t)) }

func isolationRoleRefusals(t *testing.T, h *harness) {
	buyer := h.login(t, buyer1)
	lotus := h.login(t, lotusOwner)
	anyOrder := isoGlobalID("Order", uuid.New(), uuid.New())
	for _, tc := range []struct {
		name, token, query, field, code string
	}{
		{"buyer stores", buyer, `{ stores { totalCount nodes { slug } } }`, "stores", "FORBIDDEN"},
		{"buyer apiTokens", buyer, `{ apiTokens { id name } }`, "apiTokens", "FORBIDDEN"},
		{"merchant stores", lotus, `{ stores { totalCount nodes { slug } } }`, "stores", "FORBIDDEN"},
		{"anonymous orders", "", `{ orders { totalCount nodes { id } } }`, "orders", "UNAUTHENTICATED"},
		{"anonymous order", "", `{ order(id: "` + anyOrder + `") { id } }`, "order", "UNAUTHENTICATED"},
		{"anonymous stores", "", `{ stores { totalCount } }`, "stores", "UNAUTHENTICATED"},
		{"anonymous apiTokens", "", `{ apiTokens { id } }`, "apiTokens", "UNAUTHENTICATED"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			isoExpectCode(t, h.post(t, tc.token, tc.query, nil), tc.code, tc.field)
		})
	}

	t.Run("anonymous reads the public catalogue without archived products or hidden stores", func(t *testing.T) {
		admin := h.login(t, adminEmail)
		everything, _ := isoAllProducts(t, h, admin, nil)
		wantActive := map[string]bool{}
		archived := 0
		for _, p := range everything {
			// the demo's harbor-foods is hidden from search by a penalty in force
			if p.Status == "ACTIVE" && p.Store.Slug != "harbor-foods" {
				wantActive[p.ID] = true
			} else if p.Status != "ACTIVE" {
				archived++
			}
		}
		if len(wantActive) == 0 || archived == 0 {
			t.Fatalf("admin sees %d active and %d archived products; the demo has both", len(wantActive), archived)
		}
		public, total := isoAllProducts(t, h, "", nil)
		stores := map[string]bool{}
		for _, p := range public {
			if p.Status != "ACTIVE" || !wantActive[p.ID] {
				t.Fatalf("anonymous catalogue shows %+v", p)
			}
			stores[p.Store.Slug] = true
		}
		if len(public) != len(wantActive) || total != len(wantActive) {
			t.Fatalf("anonymous catalogue: %d products, totalCount %d; want all %d active", len(public), total, len(wantActive))
		}
		if len(stores) != 2 || stores["harbor-foods"] {
			t.Fatalf("anonymous catalogue spans stores %v, want the two not hidden from search", stores)
		}
	})
}

// ---------------------------------------------------------------- admin

func TestIsolationAdminSeesEveryStore(t *testing.T) { isolationAdminSeesEveryStore(t, setup(t)) }

func isolationAdminSeesEveryStore(t *testing.T, h *harness) {
	admin := h.login(t, adminEmail)
	count := func(token string, filter map[string]any) int {
		t.Helper()
		var c struct{ TotalCount int }
		field(t, ok(t, h.post(t, token, `query($f: OrderFilter) { orders(first: 1, filter: $f) { totalCount } }`,
			map[string]any{"f": filter})), "orders", &c)
		return c.TotalCount
	}
	sum := 0
	for _, owner := range []string{lotusOwner, mapleOwner, harborOwner} {
		tok := h.login(t, owner)
		n := count(tok, nil)
		if n == 0 {
			t.Fatalf("%s sees no orders", owner)
		}
		if got := count(admin, map[string]any{"storeId": isoStoreID(t, h, tok)}); got != n {
			t.Errorf("admin, orders of %s's store: %d; the owner sees %d", owner, got, n)
		}
		sum += n
	}
	if got := count(admin, nil); got != sum {
		t.Fatalf("admin sees %d orders, the three stores have %d", got, sum)
	}
}

// ---------------------------------------------------------------- partner API tokens

type isoAPIToken struct {
	ID        string
	Name      string
	Scopes    []string
	RevokedAt *string
}

func isoCreateToken(t *testing.T, h *harness, owner, name string, scopes ...string) (isoAPIToken, string) {
	t.Helper()
	r := ok(t, h.post(t, owner, `mutation($i: ApiTokenCreateInput!) { apiTokenCreate(input: $i) {
		apiToken { id name scopes revokedAt } token userErrors { code message } } }`,
		map[string]any{"i": map[string]any{"name": name, "scopes": scopes}}))
	var p struct {
		APIToken   *isoAPIToken
		Token      *string
		UserErrors []struct{ Code, Message string }
	}
	field(t, r, "apiTokenCreate", &p)
	if p.APIToken == nil || p.Token == nil || len(p.UserErrors) > 0 {
		t.Fatalf("apiTokenCreate: %+v", p)
	}
	tok := *p.APIToken
	t.Cleanup(func() { // the server is shared by the package's tests
		r := h.post(t, owner, `mutation($i: ApiTokenRevokeInput!) { apiTokenRevoke(input: $i) { apiToken { revokedAt } } }`,
			map[string]any{"i": map[string]any{"id": tok.ID}})
		if r.code() != "" || len(r.Errors) > 0 {
			t.Errorf("revoke %s at cleanup: %+v", tok.Name, r.Errors)
		}
	})
	return tok, *p.Token
}

func isoListTokens(t *testing.T, h *harness, owner string) []isoAPIToken {
	t.Helper()
	var ts []isoAPIToken
	field(t, ok(t, h.post(t, owner, `{ apiTokens { id name scopes revokedAt } }`, nil)), "apiTokens", &ts)
	return ts
}

func TestIsolationPartnerAPITokens(t *testing.T) { isolationPartnerAPITokens(t, setup(t)) }

func isolationPartnerAPITokens(t *testing.T, h *harness) {
	lotus := h.login(t, lotusOwner)
	maple := h.login(t, mapleOwner)
	lotusStore := isoStoreID(t, h, lotus)
	mapleStore := isoStoreID(t, h, maple)
	_, lotusTotal := isoAllOrders(t, h, lotus, nil)

	catalog, catalogSecret := isoCreateToken(t, h, lotus, "erp", "CATALOG_READ")
	orders, ordersSecret := isoCreateToken(t, h, lotus, "erp-orders", "ORDERS_READ")
	if !slices.Equal(catalog.Scopes, []string{"CATALOG_READ"}) || !slices.Equal(orders.Scopes, []string{"ORDERS_READ"}) {
		t.Fatalf("token scopes: %v, %v", catalog.Scopes, orders.Scopes)
	}
	if got := isoParseID(t, catalog.ID, "ApiToken")[0]; isoGlobalID("Store", got) != lotusStore {
		t.Fatalf("token %s does not belong to lotus", catalog.ID)
	}

	t.Run("a token without ORDERS_READ is refused orders", func(t *testing.T) {
		isoExpectCode(t, h.post(t, catalogSecret, `{ orders { totalCount nodes { id } } }`, nil), "FORBIDDEN", "orders")
		// It is still a working token for what it may do.
		var v struct {
			Role   string
			Scopes []string
		}
		field(t, ok(t, h.post(t, catalogSecret, `{ viewer { role scopes } }`, nil)), "viewer", &v)
		if v.Role != "MERCHANT" || !slices.Equal(v.Scopes, []string{"CATALOG_READ"}) {
			t.Fatalf("catalog token viewer = %+v", v)
		}
	})

	t.Run("a token with ORDERS_READ sees its store's orders only", func(t *testing.T) {
		all, total := isoAllOrders(t, h, ordersSecret, nil)
		if total != lotusTotal || len(all) != lotusTotal {
			t.Fatalf("orders token: %d orders, totalCount %d; lotus has %d", len(all), total, lotusTotal)
		}
		for _, o := range all {
			if o.Store.ID != lotusStore {
				t.Fatalf("lotus token sees order %s of %s", o.Number, o.Store.Slug)
			}
		}
		if _, n := isoAllOrders(t, h, ordersSecret, map[string]any{"storeId": mapleStore}); n != 0 {
			t.Fatalf("lotus token, filter maple: totalCount %d", n)
		}
	})

	t.Run("an agent cannot create tokens", func(t *testing.T) {
		agent := h.login(t, lotusAgent)
		before := len(isoListTokens(t, h, lotus))
		r := h.post(t, agent, `mutation { apiTokenCreate(input: {name: "agent-erp", scopes: [ORDERS_READ]}) { token } }`, nil)
		isoExpectCode(t, r, "FORBIDDEN", "apiTokenCreate")
		if after := len(isoListTokens(t, h, lotus)); after != before {
			t.Fatalf("agent's refused create changed lotus tokens from %d to %d", before, after)
		}
	})

	t.Run("another store's owner cannot revoke or list the token", func(t *testing.T) {
		r := h.post(t, maple, `mutation($i: ApiTokenRevokeInput!) { apiTokenRevoke(input: $i) { apiToken { id revokedAt } } }`,
			map[string]any{"i": map[string]any{"id": catalog.ID}})
		isoExpectCode(t, r, "NOT_FOUND", "apiTokenRevoke")
		// The token still works and is still active for its owner.
		ok(t, h.post(t, catalogSecret, `{ viewer { id } }`, nil))
		found := false
		for _, tk := range isoListTokens(t, h, lotus) {
			if tk.ID == catalog.ID {
				found = true
				if tk.RevokedAt != nil {
					t.Fatalf("maple's refused revoke revoked lotus token at %s", *tk.RevokedAt)
				}
			}
		}
		if !found {
			t.Fatal("lotus owner does not list its own token")
		}
		for _, tk := range isoListTokens(t, h, maple) {
			if tk.ID == catalog.ID || tk.ID == orders.ID {
				t.Fatalf("maple owner lists lotus token %s", tk.Name)
			}
			if got := isoParseID(t, tk.ID, "ApiToken")[0]; isoGlobalID("Store", got) != mapleStore {
				t.Fatalf("maple owner lists token %s of another store", tk.ID)
			}
		}
		isoExpectNull(t, h.post(t, maple, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": catalog.ID}), "node")
	})

	t.Run("a revoked token stops working", func(t *testing.T) {
		extra, secret := isoCreateToken(t, h, lotus, "short-lived", "ORDERS_READ")
		ok(t, h.post(t, secret, `{ viewer { id } }`, nil))
		var p struct{ APIToken struct{ RevokedAt *string } }
		field(t, ok(t, h.post(t, lotus, `mutation($i: ApiTokenRevokeInput!) { apiTokenRevoke(input: $i) { apiToken { revokedAt } } }`,
			map[string]any{"i": map[string]any{"id": extra.ID}})), "apiTokenRevoke", &p)
		if p.APIToken.RevokedAt == nil {
			t.Fatal("revoked token has no revokedAt")
		}
		r := h.post(t, secret, `{ viewer { id } }`, nil)
		if r.Status != http.StatusUnauthorized || r.code() != "UNAUTHENTICATED" {
			t.Fatalf("revoked token: HTTP %d code %q", r.Status, r.code())
		}
	})
}

// ---------------------------------------------------------------- the database refuses too

const isoSetContext = `select set_config('app.role', $1, true), set_config('app.user_id', $2, true),
	set_config('app.tenant_id', $3, true)`

// isoAsApp runs fn as the app role in a transaction with the given request context, then rolls it back.
func isoAsApp(t *testing.T, db *sqlx.DB, role, userID, tenantID string, fn func(tx *sqlx.Tx)) {
	t.Helper()
	tx, err := db.BeginTxx(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.Exec(isoSetContext, role, userID, tenantID); err != nil {
		t.Fatalf("set context: %v", err)
	}
	var who string
	if err := tx.Get(&who, `select current_user`); err != nil || who != "tradeguard_app" {
		t.Fatalf("connected as %q (%v), want tradeguard_app", who, err)
	}
	fn(tx)
}

func isoCount(t *testing.T, tx *sqlx.Tx, q string, args ...any) int {
	t.Helper()
	var n int
	if err := tx.Get(&n, q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func TestIsolationDatabaseRefusesToo(t *testing.T) { isolationDatabaseRefusesToo(t, setup(t)) }

func isolationDatabaseRefusesToo(t *testing.T, h *harness) {
	b1 := h.login(t, buyer1)
	b2 := h.login(t, buyer2)
	lotus := h.login(t, lotusOwner)
	maple := h.login(t, mapleOwner)
	buyer1ID := isoParseID(t, isoViewerOf(t, h, b1).ID, "User")[0].String()
	buyer2ID := isoParseID(t, isoViewerOf(t, h, b2).ID, "User")[0].String()
	lotusOwnerID := isoParseID(t, isoViewerOf(t, h, lotus).ID, "User")[0].String()
	lotusStore := isoParseID(t, isoStoreID(t, h, lotus), "Store")[0].String()
	mapleStore := isoParseID(t, isoStoreID(t, h, maple), "Store")[0].String()
	// A token row must exist for "no api_tokens visible" to mean anything.
	isoCreateToken(t, h, lotus, "db-check", "CATALOG_READ")

	// What exists, as the platform sees it (same role, system context): the refusals below are not vacuous.
	var sysBuyer2Orders, sysTokens, sysMapleOrders int
	isoAsApp(t, h.App, "system", "", "", func(tx *sqlx.Tx) {
		sysBuyer2Orders = isoCount(t, tx, `select count(*) from orders where buyer_id = $1`, buyer2ID)
		sysTokens = isoCount(t, tx, `select count(*) from api_tokens`)
		sysMapleOrders = isoCount(t, tx, `select count(*) from orders where tenant_id = $1`, mapleStore)
	})
	if sysBuyer2Orders == 0 || sysTokens == 0 || sysMapleOrders == 0 {
		t.Fatalf("system sees %d buyer2 orders, %d tokens, %d maple orders; want all > 0", sysBuyer2Orders, sysTokens, sysMapleOrders)
	}

	t.Run("a buyer reads no other buyer's rows", func(t *testing.T) {
		_, total := isoAllOrders(t, h, b1, nil)
		isoAsApp(t, h.App, "buyer", buyer1ID, "", func(tx *sqlx.Tx) {
			if n := isoCount(t, tx, `select count(*) from orders where buyer_id = $1`, buyer1ID); n != total || n == 0 {
				t.Fatalf("buyer1 reads %d own orders in SQL, %d over GraphQL", n, total)
			}
			for _, c := range []struct {
				q    string
				args []any
			}{
				{`select count(*) from orders where buyer_id = $1`, []any{buyer2ID}},
				{`select count(*) from orders where buyer_id <> $1`, []any{buyer1ID}},
				{`select count(*) from order_items where buyer_id <> $1`, []any{buyer1ID}},
				{`select count(*) from stores s join orders o on o.tenant_id = s.id where o.buyer_id = $1`, []any{buyer2ID}},
				{`select count(*) from users where id <> $1`, []any{buyer1ID}},
				{`select count(*) from api_tokens`, nil},
				{`select count(*) from store_staff`, nil},
				{`select count(*) from refresh_tokens where user_id <> $1`, []any{buyer1ID}},
			} {
				if n := isoCount(t, tx, c.q, c.args...); n != 0 {
					t.Errorf("as buyer1: %s = %d, want 0", c.q, n)
				}
			}
		})
	})

	t.Run("a merchant cannot change another store's orders", func(t *testing.T) {
		isoAsApp(t, h.App, "merchant", lotusOwnerID, lotusStore, func(tx *sqlx.Tx) {
			if n := isoCount(t, tx, `select count(*) from orders where tenant_id = $1`, mapleStore); n != 0 {
				t.Fatalf("lotus merchant reads %d maple orders", n)
			}
			res, err := tx.Exec(`update orders set cancel_reason = 'hijacked', version = version + 1 where tenant_id = $1`, mapleStore)
			if err != nil {
				t.Fatalf("update: %v", err)
			}
			if n, _ := res.RowsAffected(); n != 0 {
				t.Fatalf("lotus merchant updated %d maple orders", n)
			}
			res, err = tx.Exec(`delete from order_items where tenant_id = $1`, mapleStore)
			if err != nil {
				t.Fatalf("delete: %v", err)
			}
			if n, _ := res.RowsAffected(); n != 0 {
				t.Fatalf("lotus merchant deleted %d maple order lines", n)
			}
			// Control: the same statement reaches its own store.
			res, err = tx.Exec(`update orders set version = version where tenant_id = $1`, lotusStore)
			if err != nil {
				t.Fatalf("update own: %v", err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				t.Fatal("lotus merchant cannot update its own orders either; the refusal above proves nothing")
			}
		})
	})

	t.Run("a merchant cannot insert into another store", func(t *testing.T) {
		isoAsApp(t, h.App, "merchant", lotusOwnerID, lotusStore, func(tx *sqlx.Tx) {
			_, err := tx.Exec(`insert into orders (tenant_id, id, number, buyer_id, status, currency, subtotal_minor,
				shipping_minor, total_minor, ship_name, ship_phone, ship_address, created_at)
				values ($1, $2, 'FAKE-000001', $3, 'PENDING_PAYMENT', 'USD', 100, 0, 100, 'x', 'x', 'x', now())`,
				mapleStore, uuid.NewString(), buyer1ID)
			var pqErr *pq.Error
			if !errors.As(err, &pqErr) || pqErr.Code != "42501" {
				t.Fatalf("insert into maple as lotus merchant: %v, want SQLSTATE 42501 (row-level security)", err)
			}
			if !strings.Contains(pqErr.Message, "row-level security") {
				t.Fatalf("insert refused for another reason: %s", pqErr.Message)
			}
		})
	})
}

// isolationTests are the isolation tests as functions of a harness, so they run again behind PgBouncer
// (pgbouncer_test.go).
var isolationTests = map[string]func(*testing.T, *harness){
	"MerchantCannotReachAnotherStore": isolationMerchantCannotReachAnotherStore,
	"BuyersSeeOnlyTheirOwnOrders":     isolationBuyersSeeOnlyTheirOwnOrders,
	"RoleRefusals":                    isolationRoleRefusals,
	"AdminSeesEveryStore":             isolationAdminSeesEveryStore,
	"PartnerAPITokens":                isolationPartnerAPITokens,
	"DatabaseRefusesToo":              isolationDatabaseRefusesToo,
}
