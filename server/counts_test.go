package main

import (
	"fmt"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
)

// The totalCount of orders and cases is read from row_counts (migration 00012), kept by triggers: it must
// agree with the rows after concurrent creates and status changes, for every role and status filter, and it
// must not count the rows.

// totalCount asks for one connection's totalCount (orders or afterSalesCases) with a filter (nil: none).
func (h *harness) totalCount(t *testing.T, tok, conn string, filter map[string]any) int {
	t.Helper()
	input := map[string]string{"orders": "OrderFilter", "afterSalesCases": "AfterSalesCaseFilter"}[conn]
	q := fmt.Sprintf(`query($f: %s) { %s(first: 1, filter: $f) { totalCount } }`, input, conn)
	r := ok(t, h.post(t, tok, q, map[string]any{"f": filter}))
	var c struct{ TotalCount int }
	field(t, r, conn, &c)
	return c.TotalCount
}

func TestTotalCountsAgreeWithTheRows(t *testing.T) {
	h := setup(t)
	st := h.freshStore(t)
	t.Cleanup(func() { csPurge(t, h, st.UUID, []uuid.UUID{st.OwnerID}) }) // other tests count the demo's stores alone
	buyer, merchant, admin := h.login(t, buyer1), h.login(t, st.OwnerEmail), h.login(t, adminEmail)

	// Six orders created at once over separate connections (so the counts land in several slots), then
	// two paid and one cancelled: statuses move between cells.
	var wg sync.WaitGroup
	made := make([]orderView, 6)
	for i := range made {
		wg.Add(1)
		go func() { defer wg.Done(); made[i] = h.newOrder(t, buyer, st) }()
	}
	wg.Wait()
	for _, o := range made[:2] {
		if p := h.mutateOrder(t, buyer, "orderPay", map[string]any{"orderId": o.ID, "idempotencyKey": "pay-" + o.ID}); p.Order == nil {
			t.Fatalf("pay: %+v", p.UserErrors)
		}
	}
	if p := h.mutateOrder(t, buyer, "orderCancel", map[string]any{"orderId": made[2].ID, "reason": "changed my mind"}); p.Order == nil {
		t.Fatalf("cancel: %+v", p.UserErrors)
	}

	rows := func(table, where string, args ...any) int {
		return h.sysCount(t, `select count(*) from `+table+` where `+where, args...)
	}
	var lotusID uuid.UUID
	h.asSystem(t, func(tx *sqlx.Tx) {
		if err := tx.Get(&lotusID, `select id from stores where slug = 'lotus-electronics'`); err != nil {
			t.Fatal(err)
		}
	})
	for _, c := range []struct {
		name     string
		statuses []string
		want     int
	}{
		{"every order", nil, 6},
		{"pending", []string{"PENDING_PAYMENT"}, 3},
		{"paid or cancelled", []string{"PAID", "CANCELLED"}, 3},
		{"shipped", []string{"SHIPPED"}, 0},
	} {
		if got := h.totalCount(t, merchant, "orders", map[string]any{"status": c.statuses}); got != c.want {
			t.Errorf("merchant, %s: totalCount %d, want %d", c.name, got, c.want)
		}
		if got := h.totalCount(t, admin, "orders", map[string]any{"storeId": st.StoreID, "status": c.statuses}); got != c.want {
			t.Errorf("admin, one store, %s: totalCount %d, want %d", c.name, got, c.want)
		}
	}
	// Another store's id shows a merchant nothing; a buyer's own orders are counted across stores.
	if got := h.totalCount(t, merchant, "orders", map[string]any{"storeId": fixtureGlobalID("Store", lotusID)}); got != 0 {
		t.Errorf("merchant filtering on another store: totalCount %d", got)
	}
	if got, want := h.totalCount(t, buyer, "orders", nil), rows("orders", "buyer_id = (select id from users where email = $1)", buyer1); got != want {
		t.Errorf("buyer: totalCount %d, want %d", got, want)
	}
	// Admins across every store, orders and cases; a store's cases by status.
	if got, want := h.totalCount(t, admin, "orders", nil), rows("orders", "true"); got != want {
		t.Errorf("admin, every store: totalCount %d, want %d", got, want)
	}
	if got, want := h.totalCount(t, admin, "afterSalesCases", nil), rows("cases", "true"); got != want {
		t.Errorf("admin, every case: totalCount %d, want %d", got, want)
	}
	// Every cell of every store agrees with its rows (the demo's bulk load and every test's writes so far).
	for _, table := range []string{"orders", "cases"} {
		if n := h.sysCount(t, `select count(*) from
				(select tenant_id, status, count(*) n from `+table+` group by 1, 2) r
				full join (select tenant_id, status, sum(n) n from row_counts where tbl = $1 group by 1, 2 having sum(n) <> 0) c
				using (tenant_id, status) where r.n is distinct from c.n`, table); n != 0 {
			var diff []string
			h.asSystem(t, func(tx *sqlx.Tx) {
				_ = tx.Select(&diff, `select format('%s %s: rows %s, cells %s', tenant_id, status, r.n, c.n) from
					(select tenant_id, status, count(*) n from `+table+` group by 1, 2) r
					full join (select tenant_id, status, sum(n) n from row_counts where tbl = $1 group by 1, 2 having sum(n) <> 0) c
					using (tenant_id, status) where r.n is distinct from c.n`, table)
			})
			t.Errorf("%s: %d (store, status) cells disagree with the rows: %v", table, n, diff)
		}
	}
	lotus := h.login(t, lotusOwner)
	if got, want := h.totalCount(t, lotus, "afterSalesCases", map[string]any{"status": []string{"REQUESTED"}}),
		rows("cases", "tenant_id = $1 and status = 'REQUESTED'", lotusID); got != want || want == 0 {
		t.Errorf("lotus, requested cases: totalCount %d, want %d (more than 0)", got, want)
	}
}

// TestTotalCountDoesNotCountRows: with only a status filter, the count is a sum over row_counts and no
// statement counts orders or cases, so it costs the same at 200 and at 200,000 rows. Filters the cells do not
// keep (a date range) still count the rows.
func TestTotalCountDoesNotCountRows(t *testing.T) {
	h := setup(t)
	super := sqlx.MustOpen("postgres", h.Super)
	defer super.Close()
	lotus := h.login(t, lotusOwner)
	ran := func() (counts, cells int) {
		t.Helper()
		err := super.QueryRow(`select coalesce(sum(calls) filter (where query ilike '%count(*) from orders%' or query ilike '%count(*) from cases%'), 0),
				coalesce(sum(calls) filter (where query ilike '%from row_counts%'), 0)
			from pg_stat_statements s join pg_roles r on r.oid = s.userid
			where r.rolname = 'tradeguard_app' and s.dbid = (select oid from pg_database where datname = current_database())`).Scan(&counts, &cells)
		if err != nil {
			t.Fatal(err)
		}
		return counts, cells
	}
	super.MustExec(`select pg_stat_statements_reset()`)
	h.totalCount(t, lotus, "orders", nil)
	h.totalCount(t, lotus, "orders", map[string]any{"status": []string{"PAID", "SHIPPED"}})
	h.totalCount(t, lotus, "afterSalesCases", nil)
	if counts, cells := ran(); counts != 0 || cells != 3 {
		t.Fatalf("totalCount ran %d row counts and %d cell sums; want 0 and 3", counts, cells)
	}
	super.MustExec(`select pg_stat_statements_reset()`)
	h.totalCount(t, lotus, "orders", map[string]any{"createdFrom": "2020-01-01T00:00:00Z"})
	if counts, _ := ran(); counts != 1 {
		t.Fatalf("a date-range totalCount ran %d row counts; want 1", counts)
	}
}

// TestWriteSlotsAreTheWritersOwn: two open transactions never share a slot of the same family (so neither
// waits on the other's cell), one transaction keeps its slot, and a slot is free again once its holder ends.
func TestWriteSlotsAreTheWritersOwn(t *testing.T) {
	h := setup(t)
	slot := func(tx *sqlx.Tx) (s int) {
		t.Helper()
		if err := tx.Get(&s, `select write_slot('test')`); err != nil {
			t.Fatal(err)
		}
		return s
	}
	var txs []*sqlx.Tx
	seen := map[int]bool{}
	for range 40 { // more than 32: the last ones must fall back to their backend's own slot
		tx, err := h.Owner.Beginx()
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		txs = append(txs, tx)
		s := slot(tx)
		if s < 0 || s > 31 {
			t.Fatalf("slot %d", s)
		}
		if len(txs) <= 32 {
			if seen[s] {
				t.Fatalf("transaction %d got slot %d, held by another open transaction", len(txs), s)
			}
			seen[s] = true
			if again := slot(tx); again != s {
				t.Fatalf("one transaction got slots %d then %d", s, again)
			}
		}
	}
	first := slot(txs[0])
	if err := txs[0].Rollback(); err != nil {
		t.Fatal(err)
	}
	tx, err := h.Owner.Beginx()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if s := slot(tx); s != first {
		t.Fatalf("the only free slot is %d, but a new transaction got %d", first, s)
	}
}
