package main

import (
	"testing"

	"github.com/jmoiron/sqlx"
)

// statements counts the SQL statements the app role ran in this database since the last reset, as
// PostgreSQL itself saw them (pg_stat_statements), including BEGIN, set_config and COMMIT.
func statements(t *testing.T, super *sqlx.DB) int {
	t.Helper()
	var n int
	err := super.Get(&n, `select coalesce(sum(calls), 0) from pg_stat_statements s
		join pg_roles r on r.oid = s.userid
		where r.rolname = 'tradeguard_app' and s.dbid = (select oid from pg_database where datname = current_database())`)
	if err != nil {
		t.Fatalf("pg_stat_statements: %v", err)
	}
	return n
}

// TestOrdersPageStatementsDoNotGrowWithPageSize: a page of orders with items, products, buyer and store
// costs the same number of SQL statements at 5, 50 and 100 rows (no N+1).
func TestOrdersPageStatementsDoNotGrowWithPageSize(t *testing.T) {
	h := setup(t)
	super := sqlx.MustOpen("postgres", h.Super)
	defer super.Close()
	tok := h.login(t, adminEmail) // the admin sees every store, so buyers and stores vary across the page
	const q = `query($n: Int) { orders(first: $n) { totalCount pageInfo { hasNextPage endCursor }
		edges { cursor node { id number status total { amount currencyCode } store { name }
			buyer { displayName } items { title quantity unitPrice { amount } product { title store { slug } } } } } } }`
	counts := map[int]int{}
	for _, size := range []int{5, 50, 100} {
		super.MustExec(`select pg_stat_statements_reset()`)
		r := ok(t, h.post(t, tok, q, map[string]any{"n": size}))
		var c struct {
			Edges []struct {
				Node struct{ Items []any }
			}
		}
		field(t, r, "orders", &c)
		if len(c.Edges) != size {
			t.Fatalf("first: %d returned %d orders", size, len(c.Edges))
		}
		counts[size] = statements(t, super)
	}
	t.Logf("statements per page: %v", counts)
	if counts[5] != counts[50] || counts[50] != counts[100] {
		t.Fatalf("statement count grows with page size: %v", counts)
	}
	// begin, set_config, orders, count, items, products, users, stores, commit
	if counts[100] > 10 {
		t.Fatalf("a page costs %d statements; expected at most 10", counts[100])
	}
}
