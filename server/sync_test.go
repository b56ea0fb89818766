package main

import (
	"strings"
	"testing"
)

// Incremental sync (README: Incremental sync): a partner pages orders and cases with filter.updatedSince
// while buyers and the store keep writing, and a change sits uncommitted in a transaction meanwhile. The
// partner must end with every order's and case's latest state, having seen each change at most once: none
// is skipped because it committed after a later one was listed, none is listed twice. (The feed lists rows
// as they are: two changes of one order before the partner looks show as one.)

type syncRow struct {
	ID, Status, UpdatedAt string
}

type syncPage struct {
	Edges []struct {
		Cursor string
		Node   syncRow
	}
	PageInfo struct {
		HasNextPage bool
		EndCursor   *string
	}
}

// syncer is the partner: its cursor, what it knows, and every change (cursor) it was given.
type syncer struct {
	t      *testing.T
	h      *harness
	token  string
	conn   string // orders or afterSalesCases
	input  string // OrderFilter or AfterSalesCaseFilter
	after  *string
	known  map[string]syncRow
	seen   map[string]bool
	listed int
}

func newSyncer(t *testing.T, h *harness, token, conn, input string) *syncer {
	return &syncer{t: t, h: h, token: token, conn: conn, input: input, known: map[string]syncRow{}, seen: map[string]bool{}}
}

// page fetches one page of two changes after the cursor; it returns how many it got.
func (s *syncer) page() int {
	s.t.Helper()
	q := `query($after: String, $f: ` + s.input + `) { ` + s.conn + `(first: 2, after: $after, filter: $f) {
		edges { cursor node { id status updatedAt } } pageInfo { hasNextPage endCursor } } }`
	r := ok(s.t, s.h.post(s.t, s.token, q, map[string]any{"after": s.after, "f": map[string]any{"updatedSince": "2000-01-01T00:00:00Z"}}))
	var p syncPage
	field(s.t, r, s.conn, &p)
	for _, e := range p.Edges {
		if s.seen[e.Cursor] {
			s.t.Fatalf("%s: the change %s (%+v) was listed twice", s.conn, e.Cursor, e.Node)
		}
		s.seen[e.Cursor] = true
		s.known[e.Node.ID] = e.Node
		s.listed++
	}
	if p.PageInfo.EndCursor != nil {
		s.after = p.PageInfo.EndCursor
	}
	return len(p.Edges)
}

// drain pages until a page comes back empty.
func (s *syncer) drain() {
	for s.page() > 0 {
	}
}

// current is every row of the connection as it stands (newest first, no updatedSince), by id.
func current(t *testing.T, h *harness, token, conn string) map[string]syncRow {
	t.Helper()
	r := ok(t, h.post(t, token, `{ `+conn+`(first: 100) { nodes { id status updatedAt } } }`, nil))
	var c struct{ Nodes []syncRow }
	field(t, r, conn, &c)
	out := map[string]syncRow{}
	for _, n := range c.Nodes {
		out[n.ID] = n
	}
	return out
}

func TestIncrementalSyncListsEveryChangeOnceWhileWritesInterleave(t *testing.T) {
	w := csNewWorld(t)
	h := w.h
	orders := newSyncer(t, h, w.owner, "orders", "OrderFilter")
	cases := newSyncer(t, h, w.owner, "afterSalesCases", "AfterSalesCaseFilter")

	var ids []string
	for range 5 {
		ids = append(ids, h.newOrder(t, w.buyer, w.st).ID)
	}
	orders.page() // two of the five
	// Writes between pages: an order listed already is paid, a new one is placed.
	if p := h.mutateOrder(t, w.buyer, "orderPay", map[string]any{"orderId": ids[0], "idempotencyKey": "pay-" + ids[0]}); p.Order == nil {
		t.Fatalf("pay: %+v", p.UserErrors)
	}
	ids = append(ids, h.newOrder(t, w.buyer, w.st).ID)

	// A change that stays uncommitted while later ones commit: the schema owner touches order 3 and holds
	// its transaction open; then a buyer places an order and pays order 4.
	held, err := h.Owner.Beginx()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = held.Rollback() })
	if _, err := held.Exec(`select set_config('app.role', 'system', true)`); err != nil {
		t.Fatal(err)
	}
	if _, err := held.Exec(`update orders set ship_address = ship_address || ' (gate B)' where tenant_id = $1 and id = $2`,
		w.st.UUID, isoParseID(t, ids[3], "Order")[1]); err != nil {
		t.Fatal(err)
	}
	ids = append(ids, h.newOrder(t, w.buyer, w.st).ID)
	if p := h.mutateOrder(t, w.buyer, "orderPay", map[string]any{"orderId": ids[4], "idempotencyKey": "pay-" + ids[4]}); p.Order == nil {
		t.Fatalf("pay: %+v", p.UserErrors)
	}
	// While it is held, the feed stops before it: the changes committed after it are not listed yet (the
	// cursor would otherwise move past the held change, which would then be missed).
	orders.drain()
	if _, listed := orders.known[ids[6]]; listed {
		t.Fatal("an order placed after an uncommitted change was listed before that change committed")
	}
	if err := held.Commit(); err != nil {
		t.Fatal(err)
	}
	orders.drain()

	// A case opened and answered, interleaved with the case feed's pages.
	cid := csOpen(t, w, ids[0], "ORDER_CANCEL", "NO_REASON", nil, nil).Case.ID
	cases.drain()
	if cases.known[cid].Status != "REQUESTED" {
		t.Fatalf("the new case: %+v", cases.known[cid])
	}
	csStep(t, h, w.owner, "afterSalesCaseReject", map[string]any{"caseId": cid, "reason": "already packed and handed to the carrier"}, "REJECTED")
	cases.drain()
	orders.drain() // the case changed no order; nothing new must appear beyond what changed

	for _, s := range []*syncer{orders, cases} {
		want := current(t, h, w.owner, s.conn)
		if len(want) == 0 {
			t.Fatalf("%s: the store has none", s.conn)
		}
		for id, row := range want {
			if got, ok := s.known[id]; !ok || got != row {
				t.Errorf("%s: the partner knows %s as %+v; it is %+v", s.conn, id, got, row)
			}
		}
		if len(s.known) != len(want) {
			t.Errorf("%s: the partner knows %d, the store has %d", s.conn, len(s.known), len(want))
		}
	}
	// Orders: 7 placed, 2 paid, 1 touched by hand = 10 changes, less one: order 4 was paid before the
	// partner could see it placed (the feed was held back), and the feed lists a row's latest state, so that
	// order shows once, paid. Every other change was listed exactly once.
	if orders.listed != 9 {
		t.Errorf("the order feed listed %d changes, want 9", orders.listed)
	}
	if cases.listed != 2 {
		t.Errorf("the case feed listed %d changes, want 2 (opened, rejected)", cases.listed)
	}

	// Cursors of one kind of list do not work in the other.
	newest := ok(t, h.post(t, w.owner, `{ orders(first: 1) { pageInfo { endCursor } } }`, nil))
	var nc struct{ PageInfo struct{ EndCursor string } }
	field(t, newest, "orders", &nc)
	for _, c := range []struct {
		after, filter string
	}{
		{nc.PageInfo.EndCursor, `{updatedSince: "2000-01-01T00:00:00Z"}`},
		{*orders.after, `{}`},
	} {
		r := h.post(t, w.owner, `query($a: String) { orders(first: 1, after: $a, filter: `+c.filter+`) { totalCount } }`, map[string]any{"a": c.after})
		if r.code() != "BAD_USER_INPUT" || r.Errors[0].Extensions["field"] != "after" || !strings.Contains(r.Errors[0].Message, "cursor") {
			t.Errorf("a cursor of the other list (filter %s): %+v", c.filter, r.Errors)
		}
	}
}
