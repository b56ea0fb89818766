package main

// The server behind a real PgBouncer in transaction pooling mode (Debian's pgbouncer, in front of the
// embedded cluster): the tenant context is transaction-local, so a few server connections shared by every
// tenant must never carry one tenant's rows into another's request. The isolation tests run again through
// it, then a soak sends many tenants' reads at once through a pool of testdb.BouncerPoolSize connections and
// checks every row it gets back.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"tradeguard/internal/pgstmt"
	"tradeguard/internal/testdb"
	"tradeguard/migrations"
)

// bouncerHarness is a server on a database of its own whose app role connects through PgBouncer, with
// prepared statements off as docs/scale-out.md says (PgBouncer 1.18 keeps none across server connections).
func bouncerHarness(t *testing.T) (*harness, string) {
	t.Helper()
	super, owner, _ := testdb.Another(t, "bouncer")
	app, err := pgstmt.Open(testdb.ViaPgBouncer(t, migrations.AppRole, "bouncer"), pgstmt.Options{Disabled: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { app.Close() })
	app.SetMaxOpenConns(32) // many more client connections than the pool has server connections
	return startHarness(t, owner, app, super), super
}

func TestThroughPgBouncer(t *testing.T) {
	h, super := bouncerHarness(t)
	for name, test := range isolationTests {
		t.Run("isolation "+name, func(t *testing.T) { test(t, h) })
	}
	t.Run("soak: many tenants on a small pool find no foreign row", func(t *testing.T) { bouncerSoak(t, h, super) })
}

// soakTenant is one caller of the soak: a merchant (want is its store's id) or a buyer (want is its user id).
type soakTenant struct {
	name, token, want string
	buyer             bool
}

const (
	soakMerchantQuery = `{ orders(first: 50) { nodes { id store { id } } }
		afterSalesCases(first: 50) { nodes { id store { id } } } }`
	soakBuyerQuery = `{ orders(first: 50) { nodes { id buyer { id } } } }`
)

func bouncerSoak(t *testing.T, h *harness, super string) {
	// Twelve stores of its own besides the demo's three, each with orders by two buyers.
	var tenants []soakTenant
	buyerTokens := []string{h.login(t, buyer1), h.login(t, buyer2)}
	for _, email := range []string{"owner@lotus-electronics.test", "owner@maple-apparel.test", "owner@harbor-foods.test", "agent@lotus-electronics.test"} {
		tok := h.login(t, email)
		tenants = append(tenants, soakTenant{name: email, token: tok, want: isoStoreID(t, h, tok)})
	}
	for range 12 {
		st := h.freshStore(t)
		for _, b := range buyerTokens {
			h.newOrder(t, b, st)
		}
		tenants = append(tenants, soakTenant{name: st.OwnerEmail, token: h.login(t, st.OwnerEmail), want: st.StoreID})
	}
	for n := 1; n <= 8; n++ {
		email := fmt.Sprintf("buyer%d@tradeguard.test", n)
		tok := h.login(t, email)
		tenants = append(tenants, soakTenant{name: email, token: tok, want: isoViewerOf(t, h, tok).ID, buyer: true})
	}

	// While the soak runs, the app role's server connections to this database are counted: PgBouncer must
	// be what stands between them (at most its pool), or the test proves nothing about pooling.
	sup, err := sqlx.Open("postgres", super)
	if err != nil {
		t.Fatal(err)
	}
	defer sup.Close()
	var maxServer atomic.Int64
	stop := make(chan struct{})
	var watch sync.WaitGroup
	watch.Add(1)
	go func() {
		defer watch.Done()
		for {
			var n int64
			if err := sup.Get(&n, `select count(*) from pg_stat_activity where usename = $1 and datname = current_database()`,
				migrations.AppRole); err == nil && n > maxServer.Load() {
				maxServer.Store(n)
			}
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()

	const workers, perWorker = 24, 40
	var requests, rows, foreign atomic.Int64
	var mu sync.Mutex
	var failures []string
	fail := func(format string, a ...any) {
		mu.Lock()
		defer mu.Unlock()
		if len(failures) < 10 {
			failures = append(failures, fmt.Sprintf(format, a...))
		}
	}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perWorker {
				tn := tenants[(w*7+i*5)%len(tenants)] // every worker walks through every tenant, out of step
				query := soakMerchantQuery
				if tn.buyer {
					query = soakBuyerQuery
				}
				got, err := soakPost(h, tn.token, query)
				requests.Add(1)
				if err != nil {
					fail("%s: %v", tn.name, err)
					continue
				}
				for _, owner := range got {
					rows.Add(1)
					if owner != tn.want {
						foreign.Add(1)
						fail("%s got a row of %s", tn.name, owner)
					}
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	watch.Wait()
	for _, f := range failures {
		t.Error(f)
	}
	if rows.Load() == 0 {
		t.Fatal("the soak read no rows")
	}
	if m := maxServer.Load(); m == 0 || m > testdb.BouncerPoolSize {
		t.Errorf("the app role had %d server connections at most, want 1..%d (PgBouncer's pool)", m, testdb.BouncerPoolSize)
	}
	t.Logf("PgBouncer soak: %d requests by %d tenants (%d stores' staff, %d buyers) on %d server connections at most; %d rows read, %d of another tenant",
		requests.Load(), len(tenants), len(tenants)-8, 8, maxServer.Load(), rows.Load(), foreign.Load())
}

// soakPost sends query as token and returns, for every row in the answer, whose it is (the store id of an
// order or case, or the buyer id of a buyer's order). It must not fail the test: it runs in workers.
func soakPost(h *harness, token, query string) ([]string, error) {
	body, _ := json.Marshal(map[string]any{"query": query})
	req, _ := http.NewRequest(http.MethodPost, h.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	type owned struct {
		Store *struct{ ID string }
		Buyer *struct{ ID string }
	}
	var out struct {
		Data struct {
			Orders          *struct{ Nodes []owned }
			AfterSalesCases *struct{ Nodes []owned }
		}
		Errors []struct{ Message string }
	}
	if err := json.Unmarshal(raw, &out); err != nil || res.StatusCode != http.StatusOK || len(out.Errors) > 0 || out.Data.Orders == nil {
		return nil, fmt.Errorf("HTTP %d: %.300s", res.StatusCode, raw)
	}
	var owners []string
	nodes := out.Data.Orders.Nodes
	if out.Data.AfterSalesCases != nil {
		nodes = append(nodes, out.Data.AfterSalesCases.Nodes...)
	}
	for _, n := range nodes {
		switch {
		case n.Store != nil:
			owners = append(owners, n.Store.ID)
		case n.Buyer != nil:
			owners = append(owners, n.Buyer.ID)
		default:
			owners = append(owners, "(nobody)")
		}
	}
	return owners, nil
}
