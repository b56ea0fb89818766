package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/jmoiron/sqlx"
	"github.com/prometheus/client_golang/prometheus"

	"tradeguard/datagen"
	"tradeguard/internal/pgstmt"
	"tradeguard/internal/testdb"
	"tradeguard/migrations"
)

// TestHotQueriesUseTenantIndexes: the statements the server really runs for a merchant's hot pages (captured,
// not rewritten) are planned, as the app role in the request's own context, with sequential scans priced out
// (enable_seqscan off: what is left is what the indexes allow, at any data size). No plan may scan a store
// table sequentially, and every index a plan reads on a store table must be led by tenant_id and used with a
// condition, so a page reads only its store's part of the index.
func TestHotQueriesUseTenantIndexes(t *testing.T) {
	h := setup(t)
	checkHotPlans(t, h, testdb.DSNFor(t, migrations.AppRole), lotusOwner, true)
}

// TestHotQueriesUseTenantIndexesOnGeneratedData: the same pages planned as PostgreSQL really plans them (no
// setting priced out, statistics fresh) on generated data (datagen small: 50 stores, ~100,000 orders), for the
// biggest store's owner. Tables of a few pages may be read whole: a sequential scan of them costs less than
// any index.
func TestHotQueriesUseTenantIndexesOnGeneratedData(t *testing.T) {
	if testing.Short() {
		t.Skip("generates ~100,000 orders")
	}
	super, owner, app := testdb.Another(t, "plans")
	sum, err := datagen.Generate(context.Background(), owner.DB, datagen.Small, 1, demoNow, nil)
	if err != nil {
		t.Fatalf("datagen: %v", err)
	}
	owner.MustExec(`analyze`)
	h := startHarness(t, owner, app, super)
	t.Logf("biggest store %s: %d of %d orders", sum.Biggest.Slug, sum.Biggest.Orders, sum.Orders)
	h.passwordOf = datagen.Password
	checkHotPlans(t, h, testdb.DSNForAnother(t, migrations.AppRole, "plans"), "owner@"+sum.Biggest.Slug+".test", false)
}

// checkHotPlans captures the SQL of the hot pages as merchant asks them from a server on appDSN and plans
// each statement in its captured context.
func checkHotPlans(t *testing.T, h *harness, appDSN, merchant string, seqscanOff bool) {
	var mu sync.Mutex
	var captured []pgstmt.Statement
	app, err := pgstmt.Open(appDSN, pgstmt.Options{Capture: func(s pgstmt.Statement) {
		mu.Lock()
		defer mu.Unlock()
		captured = append(captured, s)
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	handler, err := newApp(appOptions{DB: app, Key: h.Key, Now: h.Clock.Now, Logger: slog.New(slog.NewJSONHandler(io.Discard, nil)),
		Ready: app.PingContext, Registry: prometheus.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(handler)
	defer srv.Close()
	capturing := &harness{URL: srv.URL, Clock: h.Clock}
	tok := h.login(t, merchant)

	var pages []string
	for _, f := range []string{"orders-query.json", "cases-query.json", "metrics-query.json"} {
		b, err := os.ReadFile("../bench/" + f)
		if err != nil {
			t.Fatal(err)
		}
		var q struct{ Query string }
		if err := json.Unmarshal(b, &q); err != nil {
			t.Fatal(err)
		}
		pages = append(pages, q.Query)
	}
	pages = append(pages,
		`{ orders(first: 20, filter: {status: [PAID]}) { totalCount nodes { id number deadline { at } rating { overall } timeline { action } } } }`,
		`{ afterSalesCases(first: 20, filter: {openOnly: true}) { totalCount nodes { id evidence { id } messages { id } refunds { amount { amount } } timeline { action } } } }`,
		`{ viewer { store { ratings(first: 20) { totalCount nodes { id overall order { number } } } violations(first: 20) { totalCount nodes { id code } } } } }`)
	for _, q := range pages {
		ok(t, capturing.post(t, tok, q, nil))
	}
	var ids struct{ Orders, Cases []string }
	r := ok(t, capturing.post(t, tok, `{ orders(first: 2) { nodes { id } } afterSalesCases(first: 2) { nodes { id } } }`, nil))
	for conn, out := range map[string]*[]string{"orders": &ids.Orders, "afterSalesCases": &ids.Cases} {
		var c struct{ Nodes []struct{ ID string } }
		field(t, r, conn, &c)
		for _, n := range c.Nodes {
			*out = append(*out, n.ID)
		}
	}
	ok(t, capturing.post(t, tok, `query($o: ID!, $c: ID!) { o: node(id: $o) { ... on Order { number items { product { title } } } }
		c: node(id: $c) { ... on AfterSalesCase { number items { orderItem { title } } order { number } } } }`,
		map[string]any{"o": ids.Orders[0], "c": ids.Cases[0]}))

	// Fresh statistics, as autovacuum leaves them after the writes of other tests: plans do not depend on
	// whether it has run yet.
	h.Owner.MustExec(`analyze`)
	indexes := tenantIndexes(t, h.App)
	smallTables := fewPages(t, h.Owner)
	planned := 0
	mu.Lock()
	defer mu.Unlock()
	var tx *sqlx.Tx
	for _, s := range captured {
		switch {
		case strings.HasPrefix(s.SQL, "BEGIN") || strings.HasPrefix(s.SQL, "begin"):
			if tx, err = h.App.Beginx(); err != nil {
				t.Fatal(err)
			}
			if seqscanOff {
				// Joins that read a whole input are priced out too: on the demo's small tables the planner may
				// merge-join a full index scan, which at any real size becomes a nested loop on the index.
				tx.MustExec(`set local enable_seqscan = off; set local enable_mergejoin = off; set local enable_hashjoin = off`)
			}
			// pgstmt sends the request's context with BEGIN: "BEGIN …; SELECT set_config(…)".
			if _, settings, ok := strings.Cut(s.SQL, "; "); ok {
				tx.MustExec(settings)
			}
		case s.SQL == "COMMIT" || s.SQL == "ROLLBACK":
			if tx != nil {
				_ = tx.Rollback()
				tx = nil
			}
		case tx == nil:
		case strings.Contains(s.SQL, "set_config("):
			if _, err := tx.Exec(s.SQL, values(s)...); err != nil {
				t.Fatalf("context %s: %v", s.SQL, err)
			}
		case strings.HasPrefix(strings.ToLower(strings.TrimSpace(s.SQL)), "select"), strings.HasPrefix(strings.ToLower(strings.TrimSpace(s.SQL)), "with"):
			var plan string
			if err := tx.QueryRow(`explain (format json) `+s.SQL, values(s)...).Scan(&plan); err != nil {
				t.Fatalf("explain %s: %v", s.SQL, err)
			}
			planned++
			for _, p := range badScans(t, plan, indexes, smallTables) {
				t.Errorf("%s\n  in: %s", p, oneLine(s.SQL))
			}
		}
	}
	if tx != nil {
		_ = tx.Rollback()
	}
	t.Logf("%d statements planned", planned)
	if planned < 20 {
		t.Fatalf("only %d statements captured and planned; the capture missed the pages", planned)
	}
}

func values(s pgstmt.Statement) []any {
	out := make([]any, len(s.Args))
	for i, a := range s.Args {
		out[i] = a.Value
	}
	return out
}

func oneLine(q string) string { return strings.Join(strings.Fields(q), " ") }

// tenantIndexes maps each store table (a table with a tenant_id column) to its indexes' leading columns.
func tenantIndexes(t *testing.T, db *sqlx.DB) map[string]map[string]string {
	t.Helper()
	var rows []struct{ Tbl, Idx, Lead string }
	err := db.Select(&rows, `select c.relname tbl, i.relname idx, a.attname lead
		from pg_index x join pg_class c on c.oid = x.indrelid join pg_class i on i.oid = x.indexrelid
		join pg_attribute a on a.attrelid = c.oid and a.attnum = x.indkey[0]
		join pg_namespace n on n.oid = c.relnamespace
		where n.nspname = 'public' and exists (select 1 from pg_attribute t where t.attrelid = c.oid and t.attname = 'tenant_id')`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	if err := db.Select(&tables, `select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
		where n.nspname = 'public' and c.relkind in ('r', 'p') -- partitioned tables, and each of their partitions
			and exists (select 1 from pg_attribute t where t.attrelid = c.oid and t.attname = 'tenant_id')`); err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]string{}
	for _, tbl := range tables {
		out[tbl] = map[string]string{}
	}
	for _, r := range rows {
		out[r.Tbl][r.Idx] = r.Lead
	}
	return out
}

// fewPages: the tables of at most 8 pages (64 KB), which PostgreSQL rightly reads whole.
func fewPages(t *testing.T, db *sqlx.DB) map[string]bool {
	t.Helper()
	var names []string
	if err := db.Select(&names, `select relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
		where n.nspname = 'public' and c.relkind = 'r' and pg_relation_size(c.oid) <= 8 * 8192`); err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, n := range names {
		out[n] = true
	}
	return out
}

// badScans lists the plan's sequential scans of store tables and its index scans of store tables that are
// not on a tenant_id-led index with a condition.
func badScans(t *testing.T, plan string, indexes map[string]map[string]string, small map[string]bool) []string {
	t.Helper()
	var doc []struct{ Plan map[string]any }
	if err := json.Unmarshal([]byte(plan), &doc); err != nil {
		t.Fatal(err)
	}
	var bad []string
	var walk func(n map[string]any)
	walk = func(n map[string]any) {
		typ, _ := n["Node Type"].(string)
		rel, _ := n["Relation Name"].(string)
		idx, _ := n["Index Name"].(string)
		if _, store := indexes[rel]; store {
			switch typ {
			case "Seq Scan":
				if small[rel] {
					t.Logf("sequential scan of %s (a table of a few pages)", rel)
				} else {
					bad = append(bad, "sequential scan of "+rel)
				}
			case "Index Scan", "Index Only Scan":
				switch {
				case indexes[rel][idx] != "tenant_id":
					bad = append(bad, fmt.Sprintf("%s of %s by %s (led by %s)", typ, rel, idx, indexes[rel][idx]))
				case n["Index Cond"] == nil && small[rel]:
					t.Logf("%s of all of %s by %s (a table of a few pages)", typ, rel, idx)
				case n["Index Cond"] == nil:
					bad = append(bad, fmt.Sprintf("%s of all of %s by %s (no condition)", typ, rel, idx))
				}
			}
		}
		if typ == "Bitmap Index Scan" {
			for tbl, ix := range indexes {
				if lead, ok := ix[idx]; ok && lead != "tenant_id" {
					bad = append(bad, fmt.Sprintf("bitmap scan of %s by %s (led by %s)", tbl, idx, lead))
				}
			}
		}
		kids, _ := n["Plans"].([]any)
		for _, k := range kids {
			if m, ok := k.(map[string]any); ok {
				walk(m)
			}
		}
	}
	for _, d := range doc {
		walk(d.Plan)
	}
	return bad
}
