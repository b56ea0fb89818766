package main

// Ratings, violations and the penalties they bring, over real HTTP against real PostgreSQL (issue 5, DESIGN
// §3.3 and §3.5). The clock is never moved: everything happens at the harness's "now", and windows are tested
// at their edges by placing rows in the past with SQL as the system. Every test that changes data works in
// stores of its own (h.freshStore); penalties that would hide a store from the public catalogue are lifted
// when the test ends, so the other tests' catalogue counts stay true.

import (
	"bytes"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"tradeguard/demo"
	"tradeguard/tenants"
)

// ---------------------------------------------------------------- helpers

const rvUE = ` userErrors { code field message }`

// rvMutate runs mutation(input: $i) { selection userErrors { … } } and returns the whole response.
func rvMutate(t *testing.T, h *harness, token, mutation, selection string, input map[string]any) gqlResponse {
	t.Helper()
	return h.post(t, token, `mutation($i: `+inputType(mutation)+`!) { `+mutation+`(input: $i) { `+selection+rvUE+` } }`,
		map[string]any{"i": input})
}

// rvWantUE fails unless ues is exactly one userError with code and (when given) the field path.
func rvWantUE(t *testing.T, what string, ues []userError, code string, path ...string) userError {
	t.Helper()
	if len(ues) != 1 || ues[0].Code != code {
		t.Fatalf("%s: userErrors %+v, want one %s", what, ues, code)
	}
	if path != nil && !slices.Equal(ues[0].Field, path) {
		t.Fatalf("%s: %s on field %v, want %v", what, code, ues[0].Field, path)
	}
	if ues[0].Message == "" {
		t.Fatalf("%s: %s without a message", what, code)
	}
	return ues[0]
}

func rvNoUE(t *testing.T, what string, ues []userError) {
	t.Helper()
	if len(ues) != 0 {
		t.Fatalf("%s: unexpected userErrors %+v", what, ues)
	}
}

// rvSameBytes fails unless two raw responses (status and body) are identical.
func rvSameBytes(t *testing.T, what string, st1 int, b1 []byte, st2 int, b2 []byte) {
	t.Helper()
	if st1 != st2 || !bytes.Equal(b1, b2) {
		t.Fatalf("%s answers differently from a missing id:\n real    HTTP %d %s\n missing HTTP %d %s", what, st1, b1, st2, b2)
	}
}

// rvStoreUUID is the store's uuid from its global id.
func rvStoreUUID(t *testing.T, storeID string) uuid.UUID {
	t.Helper()
	return isoParseID(t, storeID, "Store")[0]
}

// rvUserID reads a user's id by e-mail as the system.
func rvUserID(t *testing.T, h *harness, email string) uuid.UUID {
	t.Helper()
	var id uuid.UUID
	h.asSystem(t, func(tx *sqlx.Tx) {
		if err := tx.Get(&id, `select id from users where email = $1`, email); err != nil {
			t.Fatalf("user %s: %v", email, err)
		}
	})
	return id
}

// rvAddAgent adds an AGENT (password demo.Password) to a fixture store and returns its e-mail.
func rvAddAgent(t *testing.T, h *harness, st fixtureStore) string {
	t.Helper()
	hash, err := tenants.HashPassword(demo.Password)
	if err != nil {
		t.Fatal(err)
	}
	email, id, at := "agent@"+st.Slug+".test", uuid.New(), h.Clock.Now().AddDate(0, 0, -30)
	h.asSystem(t, func(tx *sqlx.Tx) {
		if _, err := tx.Exec(`insert into users (id, email, password_hash, display_name, role, created_at)
			values ($1, $2, $3, $4, 'MERCHANT', $5)`, id, email, hash, "Agent of "+st.Slug, at); err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(`update users set staff_store_id = $1 where id = $2`, st.UUID, id); err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(`insert into store_staff (tenant_id, user_id, staff_role, created_at) values ($1, $2, 'AGENT', $3)`,
			st.UUID, id, at); err != nil {
			t.Fatal(err)
		}
	})
	return email
}

// rvOrderInput is an orderCreate input for one line of the store's first product.
func rvOrderInput(st fixtureStore) map[string]any {
	return map[string]any{"storeId": st.StoreID, "paymentMethod": "CARD", "shippingAddress": address,
		"lines": []any{map[string]any{"productId": st.ProductIDs[0], "quantity": 1}}}
}

// rvDelivered places an order as the buyer and takes it to DELIVERED (paid, shipped, marked delivered).
func rvDelivered(t *testing.T, h *harness, buyer, merchant string, st fixtureStore) orderView {
	t.Helper()
	o := h.newOrder(t, buyer, st)
	steps := []struct {
		token, mutation, status string
		input                   map[string]any
	}{
		{buyer, "orderPay", "PAID", map[string]any{"orderId": o.ID, "idempotencyKey": "pay-" + o.ID}},
		{merchant, "orderShip", "SHIPPED", map[string]any{"orderId": o.ID, "carrier": "Black Cat", "trackingNumber": "BC-87654321"}},
		{merchant, "orderMarkDelivered", "DELIVERED", map[string]any{"orderId": o.ID}},
	}
	for _, s := range steps {
		p := h.mutateOrder(t, s.token, s.mutation, s.input)
		if p.Order == nil || p.Order.Status != s.status {
			t.Fatalf("%s: %+v", s.mutation, p)
		}
		o = *p.Order
	}
	return o
}

// ---------------------------------------------------------------- ratings helpers

type rvRating struct {
	ID               string
	Store            struct{ ID string }
	Order            *struct{ ID string }
	Overall          int
	DescriptionMatch int
	ServiceAttitude  int
	LogisticsSpeed   int
	Comment          string
	Negative         bool
	CreatedAt        time.Time
	RevisedAt        *time.Time
	Reply            *string
	RepliedAt        *time.Time
	AvailableActions []string
}

const rvRatingFields = `id store { id } order { id } overall descriptionMatch serviceAttitude logisticsSpeed comment negative
	createdAt revisedAt reply repliedAt availableActions`

type rvRatingPayload struct {
	Rating     *rvRating
	UserErrors []userError
}

// rvRatingDo runs ratingCreate, ratingRevise or ratingReply; top-level errors fail the test.
func rvRatingDo(t *testing.T, h *harness, token, mutation string, input map[string]any) rvRatingPayload {
	t.Helper()
	var p rvRatingPayload
	field(t, ok(t, rvMutate(t, h, token, mutation, `rating { `+rvRatingFields+` }`, input)), mutation, &p)
	if (p.Rating == nil) == (len(p.UserErrors) == 0) {
		t.Fatalf("%s: want a rating or userErrors, got %+v", mutation, p)
	}
	return p
}

func rvStars(o, d, s, l int, comment string) map[string]any {
	return map[string]any{"overall": o, "descriptionMatch": d, "serviceAttitude": s, "logisticsSpeed": l, "comment": comment}
}

func rvCreateInput(orderID string, o, d, s, l int, comment string) map[string]any {
	in := rvStars(o, d, s, l, comment)
	in["orderId"] = orderID
	return in
}

func rvReviseInput(ratingID string, o, d, s, l int, comment string) map[string]any {
	in := rvStars(o, d, s, l, comment)
	in["ratingId"] = ratingID
	return in
}

type rvRatingPage struct {
	TotalCount int
	PageInfo   struct {
		HasNextPage bool
		EndCursor   *string
	}
	Nodes []rvRating
}

// rvStoreRatings reads one page of a store's ratings with a filter as the caller.
func rvStoreRatings(t *testing.T, h *harness, token, storeID string, first int, after any, filter map[string]any) rvRatingPage {
	t.Helper()
	var s *struct{ Ratings rvRatingPage }
	field(t, ok(t, h.post(t, token, `query($id: ID!, $first: Int, $after: String, $f: RatingFilter) { store(id: $id) {
		ratings(first: $first, after: $after, filter: $f) { totalCount pageInfo { hasNextPage endCursor } nodes { `+rvRatingFields+` } } } }`,
		map[string]any{"id": storeID, "first": first, "after": after, "f": filter})), "store", &s)
	if s == nil {
		t.Fatalf("store %s not found", storeID)
	}
	return s.Ratings
}

func rvIDs(rs []rvRating) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.ID)
	}
	slices.Sort(out)
	return out
}

func rvSorted(ids ...string) []string {
	out := slices.Clone(ids)
	slices.Sort(out)
	return out
}

// ---------------------------------------------------------------- ratings

func TestRatingCreateReviseReplyOverHTTP(t *testing.T) {
	h := setup(t)
	st := h.freshStore(t)
	b1, b2, owner := h.login(t, buyer1), h.login(t, buyer2), h.login(t, st.OwnerEmail)
	now := h.Clock.Now()

	t.Run("an order not yet delivered cannot be rated", func(t *testing.T) {
		o := h.newOrder(t, b1, st)
		p := rvRatingDo(t, h, b1, "ratingCreate", rvCreateInput(o.ID, 5, 5, 5, 5, "too early"))
		rvWantUE(t, "rate a pending order", p.UserErrors, "NOT_DELIVERED", "input", "orderId")
		pp := h.mutateOrder(t, b1, "orderPay", map[string]any{"orderId": o.ID, "idempotencyKey": "pay-" + o.ID})
		if pp.Order == nil || pp.Order.Status != "PAID" {
			t.Fatalf("pay: %+v", pp)
		}
		pp = h.mutateOrder(t, owner, "orderShip", map[string]any{"orderId": o.ID, "carrier": "Black Cat", "trackingNumber": "BC-11112222"})
		if pp.Order == nil || pp.Order.Status != "SHIPPED" {
			t.Fatalf("ship: %+v", pp)
		}
		p = rvRatingDo(t, h, b1, "ratingCreate", rvCreateInput(o.ID, 5, 5, 5, 5, "still in transit"))
		rvWantUE(t, "rate a shipped order", p.UserErrors, "NOT_DELIVERED", "input", "orderId")
		if n := h.sysCount(t, `select count(*) from ratings where tenant_id = $1`, st.UUID); n != 0 {
			t.Fatalf("refused ratings wrote %d rows", n)
		}
	})

	o1 := rvDelivered(t, h, b1, owner, st)
	const comment = `<script>alert(1)</script> 很好 👍 & "quoted" 'single' \ back`

	t.Run("invalid stars are all reported at once with their fields", func(t *testing.T) {
		p := rvRatingDo(t, h, b1, "ratingCreate", rvCreateInput(o1.ID, 0, 6, -1, 10, "bad stars"))
		if p.Rating != nil || len(p.UserErrors) != 4 {
			t.Fatalf("four invalid stars: %+v", p)
		}
		want := [][]string{{"input", "overall"}, {"input", "descriptionMatch"}, {"input", "serviceAttitude"}, {"input", "logisticsSpeed"}}
		for i, ue := range p.UserErrors {
			if ue.Code != "INVALID_STARS" || !slices.Equal(ue.Field, want[i]) || ue.Message == "" {
				t.Fatalf("userError %d: %+v, want INVALID_STARS on %v", i, ue, want[i])
			}
		}
		long := strings.Repeat("好", 1001)
		p = rvRatingDo(t, h, b1, "ratingCreate", rvCreateInput(o1.ID, 5, 5, 5, 5, long))
		rvWantUE(t, "a 1001-character comment", p.UserErrors, "COMMENT_TOO_LONG", "input", "comment")
	})

	var r1 rvRating
	t.Run("the buyer rates a delivered order; the comment comes back exactly", func(t *testing.T) {
		var before struct{ Rating *rvRating }
		field(t, ok(t, h.post(t, b1, `query($id: ID!) { order(id: $id) { rating { id } } }`, map[string]any{"id": o1.ID})), "order", &before)
		if before.Rating != nil {
			t.Fatalf("order has a rating before it was rated: %+v", before.Rating)
		}
		p := rvRatingDo(t, h, b1, "ratingCreate", rvCreateInput(o1.ID, 5, 4, 5, 3, comment))
		rvNoUE(t, "ratingCreate", p.UserErrors)
		r1 = *p.Rating
		if r1.Comment != comment {
			t.Fatalf("comment came back as %q, want %q", r1.Comment, comment)
		}
		if r1.Overall != 5 || r1.DescriptionMatch != 4 || r1.ServiceAttitude != 5 || r1.LogisticsSpeed != 3 || r1.Negative ||
			!r1.CreatedAt.Equal(now) || r1.RevisedAt != nil || r1.Reply != nil || r1.RepliedAt != nil {
			t.Fatalf("new rating: %+v", r1)
		}
		if r1.Store.ID != st.StoreID || r1.Order == nil || r1.Order.ID != o1.ID {
			t.Fatalf("rating's store %s / order %+v, want %s / %s", r1.Store.ID, r1.Order, st.StoreID, o1.ID)
		}
		if !slices.Equal(r1.AvailableActions, []string{"REVISE"}) {
			t.Fatalf("buyer's actions on a new rating: %v", r1.AvailableActions)
		}

		var o struct {
			Status         string
			Rating         *rvRating
			RatingClosesAt *time.Time
		}
		field(t, ok(t, h.post(t, b1, `query($id: ID!) { order(id: $id) { status ratingClosesAt rating { `+rvRatingFields+` } } }`,
			map[string]any{"id": o1.ID})), "order", &o)
		if o.Rating == nil || o.Rating.ID != r1.ID || o.Rating.Comment != comment || o.Rating.Overall != 5 {
			t.Fatalf("Order.rating: %+v, want %s", o.Rating, r1.ID)
		}
		if o.Status != "DELIVERED" || o.RatingClosesAt != nil {
			t.Fatalf("a delivered order: status %s, ratingClosesAt %v (null until completed)", o.Status, o.RatingClosesAt)
		}
		// The store reads the same rating on its order.
		field(t, ok(t, h.post(t, owner, `query($id: ID!) { order(id: $id) { status ratingClosesAt rating { `+rvRatingFields+` } } }`,
			map[string]any{"id": o1.ID})), "order", &o)
		if o.Rating == nil || o.Rating.ID != r1.ID || o.Rating.Comment != comment || !slices.Equal(o.Rating.AvailableActions, []string{"REPLY"}) {
			t.Fatalf("owner's Order.rating: %+v", o.Rating)
		}
	})

	t.Run("an order is rated once", func(t *testing.T) {
		p := rvRatingDo(t, h, b1, "ratingCreate", rvCreateInput(o1.ID, 1, 1, 1, 1, "second try"))
		rvWantUE(t, "rate again", p.UserErrors, "ALREADY_RATED", "input", "orderId")
		if n := h.sysCount(t, `select count(*) from ratings where tenant_id = $1`, st.UUID); n != 1 {
			t.Fatalf("%d ratings in the store, want 1", n)
		}
	})

	t.Run("the buyer revises once", func(t *testing.T) {
		bad := rvRatingDo(t, h, b1, "ratingRevise", rvReviseInput(r1.ID, 4, 9, 4, 4, "x"))
		rvWantUE(t, "revise with invalid stars", bad.UserErrors, "INVALID_STARS", "input", "descriptionMatch")
		const revised = "改了 <b>revised</b> 🙂"
		p := rvRatingDo(t, h, b1, "ratingRevise", rvReviseInput(r1.ID, 4, 4, 5, 3, revised))
		rvNoUE(t, "ratingRevise", p.UserErrors)
		if r := p.Rating; r.ID != r1.ID || r.Overall != 4 || r.DescriptionMatch != 4 || r.Comment != revised ||
			r.RevisedAt == nil || !r.RevisedAt.Equal(now) || !r.CreatedAt.Equal(now) || len(r.AvailableActions) != 0 {
			t.Fatalf("revised rating: %+v", r)
		}
		again := rvRatingDo(t, h, b1, "ratingRevise", rvReviseInput(r1.ID, 1, 1, 1, 1, "third version"))
		rvWantUE(t, "revise twice", again.UserErrors, "REVISION_USED", "input", "ratingId")
		var n rvRating
		field(t, ok(t, h.post(t, "", `query($id: ID!) { node(id: $id) { ... on Rating { `+rvRatingFields+` } } }`,
			map[string]any{"id": r1.ID})), "node", &n)
		if n.ID != r1.ID || n.Overall != 4 || n.Comment != revised {
			t.Fatalf("after a refused second revision the rating reads %+v", n)
		}
	})

	t.Run("the store replies once", func(t *testing.T) {
		empty := rvRatingDo(t, h, owner, "ratingReply", map[string]any{"ratingId": r1.ID, "text": "   "})
		rvWantUE(t, "an empty reply", empty.UserErrors, "REPLY_REQUIRED", "input", "text")
		const reply = "謝謝！<i>Thanks</i> 🙏\nSee you again."
		p := rvRatingDo(t, h, owner, "ratingReply", map[string]any{"ratingId": r1.ID, "text": reply})
		rvNoUE(t, "ratingReply", p.UserErrors)
		if r := p.Rating; r.Reply == nil || *r.Reply != reply || r.RepliedAt == nil || !r.RepliedAt.Equal(now) || len(r.AvailableActions) != 0 {
			t.Fatalf("replied rating: %+v", r)
		}
		again := rvRatingDo(t, h, owner, "ratingReply", map[string]any{"ratingId": r1.ID, "text": "a second answer"})
		rvWantUE(t, "reply twice", again.UserErrors, "ALREADY_REPLIED", "input", "ratingId")
	})

	// Two more ratings: buyer2's negative one on a completed order, buyer1's one-star one.
	o2 := rvDelivered(t, h, b2, owner, st)
	cp := h.mutateOrder(t, b2, "orderConfirmReceipt", map[string]any{"orderId": o2.ID})
	if cp.Order == nil || cp.Order.Status != "COMPLETED" {
		t.Fatalf("confirm receipt: %+v", cp)
	}
	var closes struct{ RatingClosesAt *time.Time }
	field(t, ok(t, h.post(t, b2, `query($id: ID!) { order(id: $id) { ratingClosesAt } }`, map[string]any{"id": o2.ID})), "order", &closes)
	if closes.RatingClosesAt == nil || !closes.RatingClosesAt.Equal(now.Add(15*24*time.Hour)) {
		t.Fatalf("completed order's ratingClosesAt %v, want %s (15 days after completion)", closes.RatingClosesAt, now.Add(15*24*time.Hour))
	}
	p2 := rvRatingDo(t, h, b2, "ratingCreate", rvCreateInput(o2.ID, 2, 3, 2, 1, "物流太慢 😞"))
	rvNoUE(t, "buyer2 rates", p2.UserErrors)
	r2 := *p2.Rating
	if !r2.Negative {
		t.Fatalf("a 2-star rating is not negative: %+v", r2)
	}
	o3 := rvDelivered(t, h, b1, owner, st)
	p3 := rvRatingDo(t, h, b1, "ratingCreate", rvCreateInput(o3.ID, 1, 2, 2, 2, ""))
	rvNoUE(t, "buyer1 rates again", p3.UserErrors)
	r3 := *p3.Rating
	if !r3.Negative || r3.Comment != "" {
		t.Fatalf("a 1-star rating without comment: %+v", r3)
	}

	t.Run("store ratings with filters", func(t *testing.T) {
		for _, tc := range []struct {
			name   string
			filter map[string]any
			want   []string
		}{
			{"all", nil, rvSorted(r1.ID, r2.ID, r3.ID)},
			{"negativeOnly", map[string]any{"negativeOnly": true}, rvSorted(r2.ID, r3.ID)},
			{"unanswered", map[string]any{"unanswered": true}, rvSorted(r2.ID, r3.ID)},
			{"stars 4 (the revised stars count)", map[string]any{"stars": []int{4}}, rvSorted(r1.ID)},
			{"stars 5 (the first version does not)", map[string]any{"stars": []int{5}}, nil},
			{"stars 1 and 2", map[string]any{"stars": []int{1, 2}}, rvSorted(r2.ID, r3.ID)},
			{"stars 2, negative, unanswered", map[string]any{"stars": []int{2}, "negativeOnly": true, "unanswered": true}, rvSorted(r2.ID)},
			{"negativeOnly false keeps all", map[string]any{"negativeOnly": false, "unanswered": false}, rvSorted(r1.ID, r2.ID, r3.ID)},
		} {
			t.Run(tc.name, func(t *testing.T) {
				page := rvStoreRatings(t, h, "", st.StoreID, 20, nil, tc.filter)
				if got := rvIDs(page.Nodes); !slices.Equal(got, tc.want) || page.TotalCount != len(tc.want) || page.PageInfo.HasNextPage {
					t.Fatalf("filter %v: %v (totalCount %d), want %v", tc.filter, got, page.TotalCount, tc.want)
				}
			})
		}
		// Newest first, ties by id: pages of 2 then 1 cover the three without repeats.
		first := rvStoreRatings(t, h, "", st.StoreID, 2, nil, nil)
		if len(first.Nodes) != 2 || !first.PageInfo.HasNextPage || first.PageInfo.EndCursor == nil || first.TotalCount != 3 {
			t.Fatalf("first page: %+v", first)
		}
		second := rvStoreRatings(t, h, "", st.StoreID, 2, *first.PageInfo.EndCursor, nil)
		if len(second.Nodes) != 1 || second.PageInfo.HasNextPage {
			t.Fatalf("second page: %+v", second)
		}
		if got := rvIDs(append(first.Nodes, second.Nodes...)); !slices.Equal(got, rvSorted(r1.ID, r2.ID, r3.ID)) {
			t.Fatalf("pages cover %v", got)
		}
		r := h.post(t, "", `query($id: ID!) { store(id: $id) { ratings(filter: {stars: [6]}) { totalCount } } }`, map[string]any{"id": st.StoreID})
		if r.code() != "BAD_USER_INPUT" {
			t.Fatalf("stars filter 6: code %q, errors %+v", r.code(), r.Errors)
		}
	})

	t.Run("store rating averages", func(t *testing.T) {
		type averages struct {
			From, AsOf                                                 time.Time
			Count, Negative                                            int
			Overall, DescriptionMatch, ServiceAttitude, LogisticsSpeed float64
		}
		read := func(asOf any) averages {
			t.Helper()
			var s struct{ RatingAverages averages }
			field(t, ok(t, h.post(t, "", `query($id: ID!, $at: DateTime) { store(id: $id) { ratingAverages(asOf: $at) {
				from asOf count negative overall descriptionMatch serviceAttitude logisticsSpeed } } }`,
				map[string]any{"id": st.StoreID, "at": asOf})), "store", &s)
			return s.RatingAverages
		}
		// The window is [asOf − 180 days, asOf): one second after the ratings were given, all three count, r1
		// with its revised stars.
		at := now.Add(time.Second)
		a := read(at.Format(time.RFC3339))
		near := func(x, y float64) bool { return math.Abs(x-y) < 1e-9 }
		if a.Count != 3 || a.Negative != 2 || !near(a.Overall, 7.0/3) || !near(a.DescriptionMatch, 3) ||
			!near(a.ServiceAttitude, 3) || !near(a.LogisticsSpeed, 2) {
			t.Fatalf("averages as of %s: %+v; want 3 ratings, 2 negative, overall 7/3, 3, 3, 2", at, a)
		}
		if !a.AsOf.Equal(at) || !a.From.Equal(at.Add(-180*24*time.Hour)) {
			t.Fatalf("averages window %s – %s, want 180 days before %s", a.From, a.AsOf, at)
		}
		// Before the ratings were given there is nothing.
		if b := read(now.Add(-time.Second).Format(time.RFC3339)); b.Count != 0 || b.Overall != 0 || b.Negative != 0 {
			t.Fatalf("averages before any rating: %+v", b)
		}
		// 180 days later the window starts exactly at the ratings: they still count; a second later they do not.
		if c := read(now.Add(180 * 24 * time.Hour).Format(time.RFC3339)); c.Count != 3 {
			t.Fatalf("averages 180 days later: %+v, want the 3 ratings (the window includes its start)", c)
		}
		if c := read(now.Add(180*24*time.Hour + time.Second).Format(time.RFC3339)); c.Count != 0 {
			t.Fatalf("averages 180 days and a second later: %+v, want none", c)
		}
	})

	t.Run("isolation", func(t *testing.T) {
		storeUUID := rvStoreUUID(t, st.StoreID)
		missingInStore := isoGlobalID("Rating", storeUUID, uuid.New())
		missing := isoGlobalID("Rating", uuid.New(), uuid.New())

		lotus := h.login(t, lotusOwner)
		reply := `mutation($i: RatingReplyInput!) { ratingReply(input: $i) { rating { id reply } userErrors { code field message } } }`
		isoExpectCode(t, h.post(t, lotus, reply, map[string]any{"i": map[string]any{"ratingId": r2.ID, "text": "not my store"}}), "NOT_FOUND", "ratingReply")
		st1, foreign := isoPostRaw(t, h, lotus, reply, map[string]any{"i": map[string]any{"ratingId": r2.ID, "text": "not my store"}})
		for _, id := range []string{missingInStore, missing} {
			st2, absent := isoPostRaw(t, h, lotus, reply, map[string]any{"i": map[string]any{"ratingId": id, "text": "not my store"}})
			rvSameBytes(t, "another store's rating (reply)", st1, foreign, st2, absent)
		}

		revise := `mutation($i: RatingReviseInput!) { ratingRevise(input: $i) { rating { id overall } userErrors { code field message } } }`
		in := func(id string) map[string]any { return map[string]any{"i": rvReviseInput(id, 5, 5, 5, 5, "hijack")} }
		isoExpectCode(t, h.post(t, b1, revise, in(r2.ID)), "NOT_FOUND", "ratingRevise")
		st1, foreign = isoPostRaw(t, h, b1, revise, in(r2.ID))
		for _, id := range []string{missingInStore, missing} {
			st2, absent := isoPostRaw(t, h, b1, revise, in(id))
			rvSameBytes(t, "another buyer's rating (revise)", st1, foreign, st2, absent)
		}

		create := `mutation($i: RatingCreateInput!) { ratingCreate(input: $i) { rating { id } userErrors { code field message } } }`
		cin := func(id string) map[string]any { return map[string]any{"i": rvCreateInput(id, 5, 5, 5, 5, "")} }
		isoExpectCode(t, h.post(t, b1, create, cin(o2.ID)), "NOT_FOUND", "ratingCreate")
		st1, foreign = isoPostRaw(t, h, b1, create, cin(o2.ID))
		st2, absent := isoPostRaw(t, h, b1, create, cin(isoGlobalID("Order", storeUUID, uuid.New())))
		rvSameBytes(t, "another buyer's order (rate)", st1, foreign, st2, absent)

		isoExpectCode(t, h.post(t, owner, create, cin(o3.ID)), "FORBIDDEN", "ratingCreate")
		admin := h.login(t, adminEmail)
		isoExpectCode(t, h.post(t, admin, reply, map[string]any{"i": map[string]any{"ratingId": r2.ID, "text": "platform"}}), "FORBIDDEN", "ratingReply")
		isoExpectCode(t, h.post(t, owner, revise, in(r2.ID)), "FORBIDDEN", "ratingRevise")
		isoExpectCode(t, h.post(t, "", reply, map[string]any{"i": map[string]any{"ratingId": r2.ID, "text": "anyone"}}), "UNAUTHENTICATED", "ratingReply")

		// Nothing changed.
		var n rvRating
		field(t, ok(t, h.post(t, owner, `query($id: ID!) { node(id: $id) { ... on Rating { `+rvRatingFields+` } } }`,
			map[string]any{"id": r2.ID})), "node", &n)
		if n.Overall != 2 || n.RevisedAt != nil || n.Reply != nil || !slices.Equal(n.AvailableActions, []string{"REPLY"}) {
			t.Fatalf("after refused changes r2 reads %+v", n)
		}
		if c := h.sysCount(t, `select count(*) from ratings where tenant_id = $1`, st.UUID); c != 3 {
			t.Fatalf("%d ratings in the store, want 3", c)
		}

		// Another store's staff and anonymous readers see the ratings but not the orders.
		for _, tok := range []string{lotus, ""} {
			page := rvStoreRatings(t, h, tok, st.StoreID, 20, nil, nil)
			if page.TotalCount != 3 {
				t.Fatalf("ratings of the fresh store: totalCount %d", page.TotalCount)
			}
			for _, r := range page.Nodes {
				if r.Order != nil || len(r.AvailableActions) != 0 {
					t.Fatalf("a stranger reads rating %s with order %+v and actions %v", r.ID, r.Order, r.AvailableActions)
				}
			}
		}
	})
}

func TestRatingWindowEdges(t *testing.T) {
	h := setup(t)
	st := h.freshStore(t)
	b1, owner := h.login(t, buyer1), h.login(t, st.OwnerEmail)
	now := h.Clock.Now()
	// Completed orders whose completion is moved into the past with SQL as the system (the clock stays put).
	completed := func(at time.Time) orderView {
		t.Helper()
		o := rvDelivered(t, h, b1, owner, st)
		if p := h.mutateOrder(t, b1, "orderConfirmReceipt", map[string]any{"orderId": o.ID}); p.Order == nil || p.Order.Status != "COMPLETED" {
			t.Fatalf("confirm receipt: %+v", p)
		}
		ids := isoParseID(t, o.ID, "Order")
		h.asSystem(t, func(tx *sqlx.Tx) {
			if _, err := tx.Exec(`update orders set completed_at = $3 where tenant_id = $1 and id = $2`, ids[0], ids[1], at); err != nil {
				t.Fatal(err)
			}
		})
		return o
	}
	window := 15 * 24 * time.Hour

	t.Run("rating closes 15 days after completion", func(t *testing.T) {
		closed := completed(now.Add(-window))
		var o struct{ RatingClosesAt *time.Time }
		field(t, ok(t, h.post(t, b1, `query($id: ID!) { order(id: $id) { ratingClosesAt } }`, map[string]any{"id": closed.ID})), "order", &o)
		if o.RatingClosesAt == nil || !o.RatingClosesAt.Equal(now) {
			t.Fatalf("ratingClosesAt %v, want %s", o.RatingClosesAt, now)
		}
		p := rvRatingDo(t, h, b1, "ratingCreate", rvCreateInput(closed.ID, 4, 4, 4, 4, "late"))
		ue := rvWantUE(t, "rate at the 15-day edge", p.UserErrors, "RATING_WINDOW_CLOSED", "input", "orderId")
		if !strings.Contains(ue.Message, now.Format(time.RFC3339)) {
			t.Fatalf("the refusal does not say when rating closed (%s): %q", now.Format(time.RFC3339), ue.Message)
		}
		open := completed(now.Add(-window + time.Second))
		p = rvRatingDo(t, h, b1, "ratingCreate", rvCreateInput(open.ID, 4, 4, 4, 4, "just in time"))
		rvNoUE(t, "rate a second before the edge", p.UserErrors)
	})

	t.Run("revision closes 30 days after the rating", func(t *testing.T) {
		rate := func(givenAt time.Time) string {
			t.Helper()
			o := rvDelivered(t, h, b1, owner, st)
			p := rvRatingDo(t, h, b1, "ratingCreate", rvCreateInput(o.ID, 3, 3, 3, 3, "meh"))
			rvNoUE(t, "ratingCreate", p.UserErrors)
			ids := isoParseID(t, p.Rating.ID, "Rating")
			h.asSystem(t, func(tx *sqlx.Tx) {
				if _, err := tx.Exec(`update ratings set created_at = $3 where tenant_id = $1 and id = $2`, ids[0], ids[1], givenAt); err != nil {
					t.Fatal(err)
				}
			})
			return p.Rating.ID
		}
		closed := rate(now.Add(-30 * 24 * time.Hour))
		p := rvRatingDo(t, h, b1, "ratingRevise", rvReviseInput(closed, 5, 5, 5, 5, "better now"))
		rvWantUE(t, "revise at the 30-day edge", p.UserErrors, "REVISION_WINDOW_CLOSED", "input", "ratingId")
		open := rate(now.Add(-30*24*time.Hour + time.Second))
		p = rvRatingDo(t, h, b1, "ratingRevise", rvReviseInput(open, 5, 5, 5, 5, "better now"))
		rvNoUE(t, "revise a second before the edge", p.UserErrors)
	})
}

func TestRatingReplyByPartnerToken(t *testing.T) {
	h := setup(t)
	st := h.freshStore(t)
	b1, owner := h.login(t, buyer1), h.login(t, st.OwnerEmail)
	o := rvDelivered(t, h, b1, owner, st)
	p := rvRatingDo(t, h, b1, "ratingCreate", rvCreateInput(o.ID, 2, 2, 2, 2, "so-so"))
	rvNoUE(t, "ratingCreate", p.UserErrors)
	r := *p.Rating

	_, readOnly := isoCreateToken(t, h, owner, "reviews-read", "RATINGS_READ", "METRICS_READ")
	_, writer := isoCreateToken(t, h, owner, "reviews-write", "RATINGS_WRITE")
	q := `mutation($i: RatingReplyInput!) { ratingReply(input: $i) { rating { id reply } userErrors { code field message } } }`
	isoExpectCode(t, h.post(t, readOnly, q, map[string]any{"i": map[string]any{"ratingId": r.ID, "text": "from the ERP"}}), "FORBIDDEN", "ratingReply")
	rp := rvRatingDo(t, h, writer, "ratingReply", map[string]any{"ratingId": r.ID, "text": "from the ERP"})
	rvNoUE(t, "ratingReply by token", rp.UserErrors)
	if rp.Rating.Reply == nil || *rp.Rating.Reply != "from the ERP" {
		t.Fatalf("reply by token: %+v", rp.Rating)
	}
	again := rvRatingDo(t, h, owner, "ratingReply", map[string]any{"ratingId": r.ID, "text": "and from the owner"})
	rvWantUE(t, "the owner after the token", again.UserErrors, "ALREADY_REPLIED", "input", "ratingId")

	// A token reads violations only with METRICS_READ.
	vq := `query($id: ID!) { store(id: $id) { violations { totalCount } } }`
	var s *struct{ Violations struct{ TotalCount int } }
	field(t, ok(t, h.post(t, readOnly, vq, map[string]any{"id": st.StoreID})), "store", &s)
	if s == nil || s.Violations.TotalCount != 0 {
		t.Fatalf("metrics token reads %+v", s)
	}
	isoExpectCode(t, h.post(t, writer, vq, map[string]any{"id": st.StoreID}), "FORBIDDEN", "store")
}

func TestRatingPublicReadsNeverRevealTheBuyer(t *testing.T) {
	h := setup(t)
	lotusStore := isoStoreID(t, h, h.login(t, lotusOwner))
	type buyer struct{ ID, Email, Name string }
	var buyers []buyer
	h.asSystem(t, func(tx *sqlx.Tx) {
		if err := tx.Select(&buyers, `select id::text as id, email, display_name as name from users where role = 'BUYER'`); err != nil {
			t.Fatal(err)
		}
	})
	raters := h.sysCount(t, `select count(distinct buyer_id) from ratings where tenant_id = $1`, rvStoreUUID(t, lotusStore))
	if len(buyers) == 0 || raters == 0 {
		t.Fatalf("the demo has %d buyers, %d of whom rated lotus", len(buyers), raters)
	}

	q := `query($id: ID!) { store(id: $id) { slug
		ratings(first: 100) { totalCount nodes { id overall descriptionMatch serviceAttitude logisticsSpeed comment negative
			createdAt revisedAt reply repliedAt availableActions store { id slug }
			order { id number buyer { id email displayName } shippingAddress { name phone address } } } }
		ratingAverages { count overall negative } } }`
	status, raw := isoPostRaw(t, h, "", q, map[string]any{"id": lotusStore})
	r := ok(t, h.post(t, "", q, map[string]any{"id": lotusStore}))
	var s struct {
		Ratings struct {
			TotalCount int
			Nodes      []struct {
				ID               string
				Order            *struct{ ID string }
				AvailableActions []string
			}
		}
		RatingAverages struct{ Count int }
	}
	field(t, r, "store", &s)
	if status != 200 || s.Ratings.TotalCount == 0 || len(s.Ratings.Nodes) == 0 {
		t.Fatalf("anonymous reads %d lotus ratings (HTTP %d)", s.Ratings.TotalCount, status)
	}
	for _, n := range s.Ratings.Nodes {
		if n.Order != nil || len(n.AvailableActions) != 0 {
			t.Fatalf("anonymous reads rating %s with order %+v, actions %v", n.ID, n.Order, n.AvailableActions)
		}
	}
	body := string(raw)
	for _, b := range buyers {
		uid, err := uuid.Parse(b.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, leak := range []string{b.ID, isoGlobalID("User", uid), b.Email, `"` + b.Name + `"`} {
			if strings.Contains(body, leak) {
				t.Fatalf("anonymous ratings of lotus reveal buyer %q (%s)", leak, b.Email)
			}
		}
	}

	// Nothing in the Rating type can name the buyer (introspection is for admins outside development).
	var tp struct{ Fields []struct{ Name string } }
	field(t, ok(t, h.post(t, h.login(t, adminEmail), `{ __type(name: "Rating") { fields { name } } }`, nil)), "__type", &tp)
	if len(tp.Fields) == 0 {
		t.Fatal("introspection of Rating returned no fields")
	}
	for _, f := range tp.Fields {
		if l := strings.ToLower(f.Name); strings.Contains(l, "buyer") || strings.Contains(l, "user") || strings.Contains(l, "author") {
			t.Fatalf("Rating has a field %s", f.Name)
		}
	}
}

// ---------------------------------------------------------------- violations helpers

type rvViolation struct {
	ID             string
	Code           string
	Track          string
	Points         int
	IssuedAt       time.Time
	ExpiresAt      time.Time
	IssuedBy       string
	Note           string
	Evidence       string
	Status         string
	AppealDeadline time.Time
	AppealReason   *string
	AppealedAt     *time.Time
	DecidedAt      *time.Time
	DecisionNote   *string
}

const rvViolationFields = `id code track points issuedAt expiresAt issuedBy note evidence status appealDeadline appealReason
	appealedAt decidedAt decisionNote`

type rvViolationPayload struct {
	Violation  *rvViolation
	UserErrors []userError
}

// rvViolationDo runs violationIssue, violationAppeal or violationDecide; top-level errors fail the test.
func rvViolationDo(t *testing.T, h *harness, token, mutation string, input map[string]any) rvViolationPayload {
	t.Helper()
	var p rvViolationPayload
	field(t, ok(t, rvMutate(t, h, token, mutation, `violation { `+rvViolationFields+` }`, input)), mutation, &p)
	if (p.Violation == nil) == (len(p.UserErrors) == 0) {
		t.Fatalf("%s: want a violation or userErrors, got %+v", mutation, p)
	}
	return p
}

// rvIssue has the admin issue a violation with evidence and returns it (userErrors fail the test).
func rvIssue(t *testing.T, h *harness, admin, storeID, code string, points int) rvViolation {
	t.Helper()
	in := map[string]any{"storeId": storeID, "code": code, "note": "issued by a test",
		"evidence": "https://evidence.example/" + code + " — screenshots and the buyer's report"}
	if points > 0 {
		in["points"] = points
	}
	p := rvViolationDo(t, h, admin, "violationIssue", in)
	rvNoUE(t, "violationIssue "+code, p.UserErrors)
	return *p.Violation
}

type rvPenalty struct {
	ID            string
	Store         struct{ ID string }
	Kind          string
	Track         string
	Threshold     int
	Points        int
	ClosureReview bool
	StartsAt      time.Time
	EndsAt        *time.Time
	LiftedAt      *time.Time
	LiftReason    *string
	Reason        string
}

const rvPenaltyFields = `id store { id } kind track threshold points closureReview startsAt endsAt liftedAt liftReason reason`

// rvPenalties reads a store's penalties (in force now, or all) as the caller.
func rvPenalties(t *testing.T, h *harness, token, storeID string, inForceOnly bool) []rvPenalty {
	t.Helper()
	var s *struct{ Penalties []rvPenalty }
	field(t, ok(t, h.post(t, token, `query($id: ID!, $f: Boolean) { store(id: $id) { penalties(inForceOnly: $f) { `+rvPenaltyFields+` } } }`,
		map[string]any{"id": storeID, "f": inForceOnly})), "store", &s)
	if s == nil {
		t.Fatalf("store %s not found", storeID)
	}
	return s.Penalties
}

// rvKinds lists the penalties' kind@threshold, sorted.
func rvKinds(ps []rvPenalty) []string {
	out := []string{}
	for _, p := range ps {
		out = append(out, fmt.Sprintf("%s@%d", p.Kind, p.Threshold))
	}
	slices.Sort(out)
	return out
}

func rvFind(t *testing.T, ps []rvPenalty, kind string, threshold int) rvPenalty {
	t.Helper()
	for _, p := range ps {
		if p.Kind == kind && p.Threshold == threshold {
			return p
		}
	}
	t.Fatalf("no %s penalty at %d among %v", kind, threshold, rvKinds(ps))
	return rvPenalty{}
}

// rvPoints reads a store's active points (now when asOf is nil) as the caller.
func rvPoints(t *testing.T, h *harness, token, storeID string, asOf *time.Time) (general, serious int) {
	t.Helper()
	var at any
	if asOf != nil {
		at = asOf.UTC().Format(time.RFC3339Nano)
	}
	var s *struct {
		ActivePoints struct {
			General, Serious int
			AsOf             time.Time
		}
	}
	field(t, ok(t, h.post(t, token, `query($id: ID!, $at: DateTime) { store(id: $id) { activePoints(asOf: $at) { general serious asOf } } }`,
		map[string]any{"id": storeID, "at": at})), "store", &s)
	if s == nil {
		t.Fatalf("store %s not found", storeID)
	}
	if asOf != nil && !s.ActivePoints.AsOf.Equal(*asOf) {
		t.Fatalf("activePoints.asOf %s, want %s", s.ActivePoints.AsOf, *asOf)
	}
	return s.ActivePoints.General, s.ActivePoints.Serious
}

// rvLiftAllAtEnd lifts, when the test ends, every penalty of the store still in force, so a hidden fixture
// store never leaves the other tests' catalogue counts wrong.
func rvLiftAllAtEnd(t *testing.T, h *harness, storeID string) {
	t.Cleanup(func() {
		admin := h.login(t, adminEmail)
		for _, p := range rvPenalties(t, h, admin, storeID, true) {
			r := rvMutate(t, h, admin, "penaltyLift", `penalty { id }`, map[string]any{"penaltyId": p.ID, "note": "test cleanup"})
			if len(r.Errors) > 0 {
				t.Errorf("lift %s at cleanup: %+v", p.Kind, r.Errors)
			}
		}
	})
}

// rvCatalogue is the product ids of the store that the caller finds in products, with the filter's
// totalCount: through the store filter, a title search, and the unfiltered catalogue.
func rvCatalogue(t *testing.T, h *harness, token string, st fixtureStore) (byStore, bySearch, inAll []string) {
	t.Helper()
	ps, total := isoAllProducts(t, h, token, map[string]any{"storeId": st.StoreID})
	if total != len(ps) {
		t.Fatalf("products of %s: %d listed, totalCount %d", st.Slug, len(ps), total)
	}
	for _, p := range ps {
		byStore = append(byStore, p.ID)
	}
	ps, _ = isoAllProducts(t, h, token, map[string]any{"search": st.Slug})
	for _, p := range ps {
		bySearch = append(bySearch, p.ID)
	}
	ps, _ = isoAllProducts(t, h, token, nil)
	for _, p := range ps {
		if p.Store.ID == st.StoreID {
			inAll = append(inAll, p.ID)
		}
	}
	slices.Sort(byStore)
	slices.Sort(bySearch)
	slices.Sort(inAll)
	return byStore, bySearch, inAll
}

type rvProductPayload struct {
	Product *struct {
		ID, Sku, Status string
	}
	UserErrors []userError
}

func rvProductCreate(t *testing.T, h *harness, token, sku string) rvProductPayload {
	t.Helper()
	var p rvProductPayload
	field(t, ok(t, rvMutate(t, h, token, "productCreate", `product { id sku status }`, map[string]any{
		"sku": sku, "title": "Product " + sku, "category": "electronics", "price": map[string]any{"amount": "99.00", "currencyCode": "TWD"}})),
		"productCreate", &p)
	return p
}

// ---------------------------------------------------------------- violations

func TestViolationCodesReadableByAnyone(t *testing.T) {
	h := setup(t)
	want := map[string]string{ // code: track/points/issuer
		"MISSED_RESPONSE": "GENERAL/1/SYSTEM", "LATE_RESHIP": "GENERAL/2/SYSTEM", "LOST_ARBITRATION_NO_EVIDENCE": "GENERAL/2/SYSTEM",
		"FAKE_TRACKING": "GENERAL/4/ADMIN", "FALSE_ADVERTISING": "SERIOUS/6/ADMIN", "HARASSING_BUYERS": "SERIOUS/6/ADMIN",
		"COUNTERFEIT": "SERIOUS/12/ADMIN", "FRAUD": "SERIOUS/24/ADMIN",
	}
	for _, who := range []string{"", buyer1, lotusOwner, lotusAgent, adminEmail} {
		tok := ""
		if who != "" {
			tok = h.login(t, who)
		}
		var codes []struct {
			Code, Name, Track, IssuedBy, Description string
			DefaultPoints                            int
		}
		field(t, ok(t, h.post(t, tok, `{ violationCodes { code name track defaultPoints issuedBy description } }`, nil)), "violationCodes", &codes)
		got := map[string]string{}
		for _, c := range codes {
			if c.Name == "" || c.Description == "" {
				t.Fatalf("%q: code %s without name or description", who, c.Code)
			}
			got[c.Code] = fmt.Sprintf("%s/%d/%s", c.Track, c.DefaultPoints, c.IssuedBy)
		}
		if len(got) != len(want) {
			t.Fatalf("%q reads %d codes %v, want %v", who, len(got), got, want)
		}
		for k, v := range want {
			if got[k] != v {
				t.Fatalf("%q reads %s as %q, want %q", who, k, got[k], v)
			}
		}
	}
}

func TestViolationIssueRefusals(t *testing.T) {
	h := setup(t)
	st := h.freshStore(t)
	admin := h.login(t, adminEmail)
	good := func() map[string]any {
		return map[string]any{"storeId": st.StoreID, "code": "FALSE_ADVERTISING", "evidence": "https://evidence.example/1"}
	}
	with := func(k string, v any) map[string]any {
		in := good()
		in[k] = v
		return in
	}
	for _, tc := range []struct {
		name  string
		input map[string]any
		code  string
		field []string
	}{
		{"a system code", with("code", "MISSED_RESPONSE"), "CODE_NOT_ADMIN_ISSUED", []string{"input", "code"}},
		{"no evidence", with("evidence", ""), "EVIDENCE_REQUIRED", []string{"input", "evidence"}},
		{"blank evidence", with("evidence", " \n\t "), "EVIDENCE_REQUIRED", []string{"input", "evidence"}},
		{"an unknown code", with("code", "LITTERING"), "UNKNOWN_CODE", []string{"input", "code"}},
		{"zero points", with("points", 0), "INVALID_POINTS", []string{"input", "points"}},
		{"49 points", with("points", 49), "INVALID_POINTS", []string{"input", "points"}},
		{"a missing store", with("storeId", isoGlobalID("Store", uuid.New())), "STORE_NOT_FOUND", []string{"input", "storeId"}},
		{"a case of no store", with("caseId", isoGlobalID("AfterSalesCase", rvStoreUUID(t, st.StoreID), uuid.New())), "CASE_NOT_FOUND", []string{"input", "caseId"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := rvViolationDo(t, h, admin, "violationIssue", tc.input)
			rvWantUE(t, tc.name, p.UserErrors, tc.code, tc.field...)
		})
	}
	t.Run("every refusal at once", func(t *testing.T) {
		in := with("code", "MISSED_RESPONSE")
		in["evidence"] = ""
		p := rvViolationDo(t, h, admin, "violationIssue", in)
		var codes []string
		for _, ue := range p.UserErrors {
			codes = append(codes, ue.Code)
		}
		slices.Sort(codes)
		if !slices.Equal(codes, []string{"CODE_NOT_ADMIN_ISSUED", "EVIDENCE_REQUIRED"}) {
			t.Fatalf("system code without evidence: %+v", p.UserErrors)
		}
	})
	t.Run("only admins issue", func(t *testing.T) {
		q := `mutation($i: ViolationIssueInput!) { violationIssue(input: $i) { violation { id } } }`
		isoExpectCode(t, h.post(t, h.login(t, st.OwnerEmail), q, map[string]any{"i": good()}), "FORBIDDEN", "violationIssue")
		isoExpectCode(t, h.post(t, h.login(t, buyer1), q, map[string]any{"i": good()}), "FORBIDDEN", "violationIssue")
		isoExpectCode(t, h.post(t, "", q, map[string]any{"i": good()}), "UNAUTHENTICATED", "violationIssue")
	})
	if n := h.sysCount(t, `select count(*) from violations where tenant_id = $1`, st.UUID); n != 0 {
		t.Fatalf("refused issues wrote %d violations", n)
	}
	// The code's default points apply when none are given.
	v := rvIssue(t, h, admin, st.StoreID, "HARASSING_BUYERS", 0)
	if v.Points != 6 || v.Track != "SERIOUS" {
		t.Fatalf("default points: %+v", v)
	}
}

func TestPenaltyHiddenFromSearchAtTwelveSeriousPoints(t *testing.T) {
	h := setup(t)
	st := h.freshStore(t)
	rvLiftAllAtEnd(t, h, st.StoreID)
	admin, owner, buyer, lotus := h.login(t, adminEmail), h.login(t, st.OwnerEmail), h.login(t, buyer1), h.login(t, lotusOwner)
	now := h.Clock.Now()
	all := rvSorted(st.ProductIDs...)

	// Control: before any violation the public finds the store's products every way.
	byStore, bySearch, inAll := rvCatalogue(t, h, "", st)
	if !slices.Equal(byStore, all) || !slices.Equal(bySearch, all) || !slices.Equal(inAll, all) {
		t.Fatalf("before the penalty the public finds %v / %v / %v, want %v", byStore, bySearch, inAll, all)
	}

	v1 := rvIssue(t, h, admin, st.StoreID, "FALSE_ADVERTISING", 6)
	const evidence = "https://evidence.example/FALSE_ADVERTISING — screenshots and the buyer's report"
	if v1.Code != "FALSE_ADVERTISING" || v1.Track != "SERIOUS" || v1.Points != 6 || v1.IssuedBy != "ADMIN" || v1.Status != "ACTIVE" ||
		v1.Evidence != evidence || v1.Note != "issued by a test" || !v1.IssuedAt.Equal(now) ||
		!v1.ExpiresAt.Equal(now.Add(365*24*time.Hour)) || !v1.AppealDeadline.Equal(now.Add(7*24*time.Hour)) ||
		v1.AppealedAt != nil || v1.DecidedAt != nil {
		t.Fatalf("issued violation: %+v", v1)
	}
	if g, s := rvPoints(t, h, admin, st.StoreID, nil); g != 0 || s != 6 {
		t.Fatalf("after one violation: general %d serious %d, want 0 / 6", g, s)
	}
	if ps := rvPenalties(t, h, owner, st.StoreID, true); len(ps) != 0 {
		t.Fatalf("6 serious points brought penalties %v", rvKinds(ps))
	}

	rvIssue(t, h, admin, st.StoreID, "FALSE_ADVERTISING", 6)
	if g, s := rvPoints(t, h, owner, st.StoreID, nil); g != 0 || s != 12 {
		t.Fatalf("after two violations: general %d serious %d, want 0 / 12", g, s)
	}
	before := now.Add(-time.Second)
	if g, s := rvPoints(t, h, owner, st.StoreID, &before); g != 0 || s != 0 {
		t.Fatalf("points as of a second before the issues: %d / %d, want 0 / 0", g, s)
	}
	ps := rvPenalties(t, h, owner, st.StoreID, true)
	if !slices.Equal(rvKinds(ps), []string{"HIDDEN_FROM_SEARCH@12"}) {
		t.Fatalf("12 serious points: penalties in force %v, want hidden from search", rvKinds(ps))
	}
	p := ps[0]
	if p.Track != "SERIOUS" || p.Points != 12 || p.ClosureReview || !p.StartsAt.Equal(now) || p.EndsAt == nil ||
		!p.EndsAt.Equal(now.Add(7*24*time.Hour)) || p.LiftedAt != nil || p.Store.ID != st.StoreID || p.Reason == "" {
		t.Fatalf("hidden-from-search penalty: %+v, want 7 days from %s", p, now)
	}

	t.Run("the public catalogue leaves the store out", func(t *testing.T) {
		for _, who := range []struct{ name, token string }{{"anonymous", ""}, {"a buyer", buyer}, {"another store's owner", lotus}} {
			byStore, bySearch, inAll := rvCatalogue(t, h, who.token, st)
			if len(byStore) != 0 || len(bySearch) != 0 || len(inAll) != 0 {
				t.Fatalf("%s still finds the hidden store's products: %v / %v / %v", who.name, byStore, bySearch, inAll)
			}
		}
		for _, who := range []struct{ name, token string }{{"the store's owner", owner}, {"an admin", admin}} {
			byStore, _, _ := rvCatalogue(t, h, who.token, st)
			if !slices.Equal(byStore, all) {
				t.Fatalf("%s sees %v of the hidden store, want %v", who.name, byStore, all)
			}
		}
		// Hidden is not suspended: the store still sells.
		o := h.mutateOrder(t, buyer, "orderCreate", rvOrderInput(st))
		rvNoUE(t, "orderCreate in a hidden store", o.UserErrors)
		// Nor does it stop new products.
		rvNoUE(t, "productCreate in a hidden store", rvProductCreate(t, h, owner, "RV-HIDDEN").UserErrors)
	})

	t.Run("an admin lifts it after a review", func(t *testing.T) {
		var lp struct {
			Penalty    *rvPenalty
			UserErrors []userError
		}
		field(t, ok(t, rvMutate(t, h, admin, "penaltyLift", `penalty { `+rvPenaltyFields+` }`,
			map[string]any{"penaltyId": p.ID, "note": "reviewed: the listing was corrected"})), "penaltyLift", &lp)
		rvNoUE(t, "penaltyLift", lp.UserErrors)
		if lp.Penalty == nil || lp.Penalty.LiftedAt == nil || !lp.Penalty.LiftedAt.Equal(now) || lp.Penalty.LiftReason == nil ||
			*lp.Penalty.LiftReason != "reviewed: the listing was corrected" {
			t.Fatalf("lifted penalty: %+v", lp.Penalty)
		}
		if ps := rvPenalties(t, h, owner, st.StoreID, true); len(ps) != 0 {
			t.Fatalf("after the lift, penalties in force %v", rvKinds(ps))
		}
		byStore, _, _ := rvCatalogue(t, h, "", st)
		if len(byStore) != len(all)+1 { // the four fixture products and RV-HIDDEN
			t.Fatalf("after the lift the public finds %d products of the store, want %d", len(byStore), len(all)+1)
		}
		field(t, ok(t, rvMutate(t, h, admin, "penaltyLift", `penalty { id }`, map[string]any{"penaltyId": p.ID, "note": "again"})), "penaltyLift", &lp)
		rvWantUE(t, "lift twice", lp.UserErrors, "PENALTY_NOT_IN_FORCE")
		isoExpectCode(t, rvMutate(t, h, owner, "penaltyLift", `penalty { id }`, map[string]any{"penaltyId": p.ID, "note": "me"}), "FORBIDDEN", "penaltyLift")
	})
}

func TestPenaltyNoNewProductsAppealRevoke(t *testing.T) {
	h := setup(t)
	st := h.freshStore(t)
	rvLiftAllAtEnd(t, h, st.StoreID)
	agentEmail := rvAddAgent(t, h, st)
	admin, owner, agent := h.login(t, adminEmail), h.login(t, st.OwnerEmail), h.login(t, agentEmail)
	now := h.Clock.Now()

	rvNoUE(t, "productCreate before any violation", rvProductCreate(t, h, owner, "RV-1").UserErrors)
	var vs []rvViolation
	for i := range 3 {
		vs = append(vs, rvIssue(t, h, admin, st.StoreID, "FAKE_TRACKING", 0))
		if vs[i].Points != 4 || vs[i].Track != "GENERAL" {
			t.Fatalf("FAKE_TRACKING: %+v", vs[i])
		}
	}
	if g, s := rvPoints(t, h, agent, st.StoreID, nil); g != 12 || s != 0 {
		t.Fatalf("three FAKE_TRACKING: general %d serious %d, want 12 / 0", g, s)
	}
	ps := rvPenalties(t, h, owner, st.StoreID, true)
	if !slices.Equal(rvKinds(ps), []string{"NO_NEW_PRODUCTS@12"}) {
		t.Fatalf("12 general points: penalties %v", rvKinds(ps))
	}
	ends := now.Add(7 * 24 * time.Hour)
	if ps[0].Track != "GENERAL" || ps[0].EndsAt == nil || !ps[0].EndsAt.Equal(ends) || !ps[0].StartsAt.Equal(now) {
		t.Fatalf("no-new-products penalty: %+v, want %s to %s", ps[0], now, ends)
	}

	for _, who := range []struct{ name, token string }{{"owner", owner}, {"agent", agent}} {
		p := rvProductCreate(t, h, who.token, "RV-BLOCKED-"+who.name)
		if p.Product != nil {
			t.Fatalf("%s created a product under a no-new-products penalty: %+v", who.name, p.Product)
		}
		ue := rvWantUE(t, "productCreate under penalty", p.UserErrors, "NO_NEW_PRODUCTS")
		if !strings.Contains(ue.Message, ends.Format(time.RFC3339)) {
			t.Fatalf("the refusal does not say when the penalty ends (%s): %q", ends.Format(time.RFC3339), ue.Message)
		}
	}
	if n := h.sysCount(t, `select count(*) from products where tenant_id = $1 and sku like 'RV-BLOCKED%'`, st.UUID); n != 0 {
		t.Fatalf("refused products exist: %d", n)
	}
	// Not selling-suspended: orders still go through.
	rvNoUE(t, "orderCreate under no-new-products", h.mutateOrder(t, h.login(t, buyer1), "orderCreate", rvOrderInput(st)).UserErrors)

	target := vs[1]
	t.Run("appeals: owner only, once, with a reason", func(t *testing.T) {
		q := `mutation($i: ViolationAppealInput!) { violationAppeal(input: $i) { violation { id status } userErrors { code field message } } }`
		in := map[string]any{"i": map[string]any{"violationId": target.ID, "reason": "the tracking number was real"}}
		isoExpectCode(t, h.post(t, agent, q, in), "FORBIDDEN", "violationAppeal")
		isoExpectCode(t, h.post(t, h.login(t, buyer1), q, in), "FORBIDDEN", "violationAppeal")
		isoExpectCode(t, h.post(t, admin, q, in), "FORBIDDEN", "violationAppeal")
		// Another store's owner: like a missing id.
		maple := h.login(t, mapleOwner)
		isoExpectCode(t, h.post(t, maple, q, in), "NOT_FOUND", "violationAppeal")
		st1, foreign := isoPostRaw(t, h, maple, q, in)
		st2, absent := isoPostRaw(t, h, maple, q, map[string]any{"i": map[string]any{"violationId": isoGlobalID("Violation", st.UUID, uuid.New()), "reason": "the tracking number was real"}})
		rvSameBytes(t, "another store's violation (appeal)", st1, foreign, st2, absent)

		noReason := rvViolationDo(t, h, owner, "violationAppeal", map[string]any{"violationId": target.ID, "reason": "  "})
		rvWantUE(t, "appeal without a reason", noReason.UserErrors, "REASON_REQUIRED", "input", "reason")

		p := rvViolationDo(t, h, owner, "violationAppeal", map[string]any{"violationId": target.ID, "reason": "the tracking number was real"})
		rvNoUE(t, "violationAppeal", p.UserErrors)
		v := p.Violation
		if v.Status != "APPEALED" || v.AppealReason == nil || *v.AppealReason != "the tracking number was real" ||
			v.AppealedAt == nil || !v.AppealedAt.Equal(now) || v.DecidedAt != nil {
			t.Fatalf("appealed violation: %+v", v)
		}
		again := rvViolationDo(t, h, owner, "violationAppeal", map[string]any{"violationId": target.ID, "reason": "once more"})
		rvWantUE(t, "appeal twice", again.UserErrors, "ALREADY_APPEALED")
		// An appealed violation still counts, and the penalty stays.
		if g, _ := rvPoints(t, h, owner, st.StoreID, nil); g != 12 {
			t.Fatalf("while appealed: general %d, want 12", g)
		}
		if ps := rvPenalties(t, h, owner, st.StoreID, true); len(ps) != 1 {
			t.Fatalf("while appealed: penalties %v", rvKinds(ps))
		}
	})

	t.Run("decisions: admins only, on an open appeal, with a note", func(t *testing.T) {
		q := `mutation($i: ViolationDecideInput!) { violationDecide(input: $i) { violation { id } } }`
		isoExpectCode(t, h.post(t, owner, q, map[string]any{"i": map[string]any{"violationId": target.ID, "uphold": false, "note": "mine"}}), "FORBIDDEN", "violationDecide")
		noNote := rvViolationDo(t, h, admin, "violationDecide", map[string]any{"violationId": target.ID, "uphold": false, "note": ""})
		rvWantUE(t, "decide without a note", noNote.UserErrors, "NOTE_REQUIRED", "input", "note")
		notAppealed := rvViolationDo(t, h, admin, "violationDecide", map[string]any{"violationId": vs[0].ID, "uphold": true, "note": "no appeal"})
		rvWantUE(t, "decide an unappealed violation", notAppealed.UserErrors, "NO_OPEN_APPEAL")
	})

	t.Run("a revocation takes the store back under 12 and lifts the penalty", func(t *testing.T) {
		p := rvViolationDo(t, h, admin, "violationDecide", map[string]any{"violationId": target.ID, "uphold": false, "note": "the carrier confirmed the parcel"})
		rvNoUE(t, "violationDecide", p.UserErrors)
		if v := p.Violation; v.Status != "REVOKED" || v.DecidedAt == nil || !v.DecidedAt.Equal(now) || v.DecisionNote == nil ||
			*v.DecisionNote != "the carrier confirmed the parcel" {
			t.Fatalf("revoked violation: %+v", v)
		}
		if g, s := rvPoints(t, h, owner, st.StoreID, nil); g != 8 || s != 0 {
			t.Fatalf("after the revocation: general %d serious %d, want 8 / 0", g, s)
		}
		if ps := rvPenalties(t, h, owner, st.StoreID, true); len(ps) != 0 {
			t.Fatalf("after the revocation, penalties in force %v", rvKinds(ps))
		}
		ever := rvPenalties(t, h, owner, st.StoreID, false)
		lifted := rvFind(t, ever, "NO_NEW_PRODUCTS", 12)
		if len(ever) != 1 || lifted.LiftedAt == nil || !lifted.LiftedAt.Equal(now) || lifted.LiftReason == nil || *lifted.LiftReason == "" {
			t.Fatalf("penalty history after the revocation: %+v", ever)
		}
		pp := rvProductCreate(t, h, owner, "RV-2")
		rvNoUE(t, "productCreate after the revocation", pp.UserErrors)
		if pp.Product == nil || pp.Product.Status != "ACTIVE" {
			t.Fatalf("product after the revocation: %+v", pp.Product)
		}
		again := rvViolationDo(t, h, owner, "violationAppeal", map[string]any{"violationId": target.ID, "reason": "again"})
		rvWantUE(t, "appeal a decided violation", again.UserErrors, "ALREADY_APPEALED")
		decided := rvViolationDo(t, h, admin, "violationDecide", map[string]any{"violationId": target.ID, "uphold": true, "note": "changed my mind"})
		rvWantUE(t, "decide twice", decided.UserErrors, "NO_OPEN_APPEAL")
	})

	t.Run("points as of any time", func(t *testing.T) {
		at := func(d time.Duration) *time.Time { x := now.Add(d); return &x }
		for _, tc := range []struct {
			name    string
			asOf    *time.Time
			general int
		}{
			{"a second before the issues", at(-time.Second), 0},
			{"at the issues, the revoked one no longer counts", at(0), 8},
			{"a second before expiry", at(365*24*time.Hour - time.Second), 8},
			{"at expiry", at(365 * 24 * time.Hour), 0},
		} {
			if g, s := rvPoints(t, h, owner, st.StoreID, tc.asOf); g != tc.general || s != 0 {
				t.Fatalf("%s (%s): general %d serious %d, want %d / 0", tc.name, tc.asOf, g, s, tc.general)
			}
		}
		var c *struct {
			Violations struct {
				TotalCount int
				Nodes      []rvViolation
			}
		}
		field(t, ok(t, h.post(t, owner, `query($id: ID!, $at: DateTime) { store(id: $id) {
			violations(filter: {countingAt: $at, track: [GENERAL]}) { totalCount nodes { id status } } } }`,
			map[string]any{"id": st.StoreID, "at": now.Format(time.RFC3339)})), "store", &c)
		if c == nil || c.Violations.TotalCount != 2 {
			t.Fatalf("violations counting now: %+v, want the 2 not revoked", c)
		}
		for _, v := range c.Violations.Nodes {
			if v.ID == target.ID {
				t.Fatalf("the revoked violation is listed as counting: %+v", v)
			}
		}
	})
}

func TestPenaltySellingSuspendedAtThirtySixSeriousPoints(t *testing.T) {
	h := setup(t)
	st := h.freshStore(t)
	rvLiftAllAtEnd(t, h, st.StoreID)
	admin, owner, buyer := h.login(t, adminEmail), h.login(t, st.OwnerEmail), h.login(t, buyer1)
	now := h.Clock.Now()

	rvNoUE(t, "orderCreate before any violation", h.mutateOrder(t, buyer, "orderCreate", rvOrderInput(st)).UserErrors)
	var vs []rvViolation
	for range 3 {
		vs = append(vs, rvIssue(t, h, admin, st.StoreID, "COUNTERFEIT", 0))
	}
	if _, s := rvPoints(t, h, owner, st.StoreID, nil); s != 36 {
		t.Fatalf("three COUNTERFEIT: serious %d, want 36", s)
	}
	ps := rvPenalties(t, h, owner, st.StoreID, true)
	if !slices.Contains(rvKinds(ps), "SELLING_SUSPENDED@36") {
		t.Fatalf("36 serious points: penalties %v", rvKinds(ps))
	}
	ends := now.Add(21 * 24 * time.Hour)
	sp := rvFind(t, ps, "SELLING_SUSPENDED", 36)
	if sp.EndsAt == nil || !sp.EndsAt.Equal(ends) || sp.Points != 36 || sp.Track != "SERIOUS" {
		t.Fatalf("selling-suspended penalty: %+v, want until %s", sp, ends)
	}

	o := h.mutateOrder(t, buyer, "orderCreate", rvOrderInput(st))
	if o.Order != nil {
		t.Fatalf("a selling-suspended store took an order: %+v", o.Order)
	}
	ue := rvWantUE(t, "orderCreate while selling is suspended", o.UserErrors, "SELLING_SUSPENDED", "input", "storeId")
	if !strings.Contains(ue.Message, ends.Format(time.RFC3339)) {
		t.Fatalf("the refusal does not say when selling resumes (%s): %q", ends.Format(time.RFC3339), ue.Message)
	}

	p := rvViolationDo(t, h, owner, "violationAppeal", map[string]any{"violationId": vs[2].ID, "reason": "the goods are genuine: invoices attached"})
	rvNoUE(t, "violationAppeal", p.UserErrors)
	if p.Violation.Status != "APPEALED" {
		t.Fatalf("appeal: %+v", p.Violation)
	}
	p = rvViolationDo(t, h, admin, "violationDecide", map[string]any{"violationId": vs[2].ID, "uphold": false, "note": "invoices verified"})
	rvNoUE(t, "violationDecide", p.UserErrors)
	if _, s := rvPoints(t, h, owner, st.StoreID, nil); s != 24 {
		t.Fatalf("after the revocation: serious %d, want 24", s)
	}
	ps = rvPenalties(t, h, owner, st.StoreID, true)
	if slices.Contains(rvKinds(ps), "SELLING_SUSPENDED@36") {
		t.Fatalf("after falling to 24, selling is still suspended: %v", rvKinds(ps))
	}
	lifted := rvFind(t, rvPenalties(t, h, admin, st.StoreID, false), "SELLING_SUSPENDED", 36)
	if lifted.LiftedAt == nil || !lifted.LiftedAt.Equal(now) {
		t.Fatalf("the selling suspension was not lifted at the revocation: %+v", lifted)
	}
	o = h.mutateOrder(t, buyer, "orderCreate", rvOrderInput(st))
	rvNoUE(t, "orderCreate after the revocation", o.UserErrors)
	if o.Order == nil {
		t.Fatal("orderCreate after the revocation returned no order")
	}
}

func TestPenaltyStoreSuspendedUntilReview(t *testing.T) {
	h := setup(t)
	st := h.freshStore(t)
	rvLiftAllAtEnd(t, h, st.StoreID)
	admin, owner, buyer := h.login(t, adminEmail), h.login(t, st.OwnerEmail), h.login(t, buyer1)

	rvIssue(t, h, admin, st.StoreID, "FRAUD", 0)
	rvIssue(t, h, admin, st.StoreID, "FRAUD", 0)
	if _, s := rvPoints(t, h, admin, st.StoreID, nil); s != 48 {
		t.Fatalf("two FRAUD: serious %d, want 48", s)
	}
	sus := rvFind(t, rvPenalties(t, h, owner, st.StoreID, true), "STORE_SUSPENDED", 48)
	if sus.EndsAt != nil || !sus.ClosureReview {
		t.Fatalf("serious 48: %+v, want a suspension until a review, with a closure review", sus)
	}
	var queue []rvPenalty
	field(t, ok(t, h.post(t, admin, `{ penaltyReviewQueue { `+rvPenaltyFields+` } }`, nil)), "penaltyReviewQueue", &queue)
	if !slices.ContainsFunc(queue, func(p rvPenalty) bool { return p.ID == sus.ID }) {
		t.Fatalf("the review queue does not list the suspension %s", sus.ID)
	}
	isoExpectCode(t, h.post(t, owner, `{ penaltyReviewQueue { id } }`, nil), "FORBIDDEN", "penaltyReviewQueue")

	pp := rvProductCreate(t, h, owner, "RV-SUSP")
	if ue := rvWantUE(t, "productCreate while suspended", pp.UserErrors, "STORE_SUSPENDED"); !strings.Contains(ue.Message, "review") {
		t.Fatalf("the refusal does not say it lasts until a review: %q", ue.Message)
	}
	o := h.mutateOrder(t, buyer, "orderCreate", rvOrderInput(st))
	rvWantUE(t, "orderCreate while suspended", o.UserErrors, "STORE_SUSPENDED", "input", "storeId")
	if byStore, _, _ := rvCatalogue(t, h, "", st); len(byStore) != 0 {
		t.Fatalf("a suspended store's products are public: %v", byStore)
	}

	var lp struct {
		Penalty    *rvPenalty
		UserErrors []userError
	}
	field(t, ok(t, rvMutate(t, h, admin, "penaltyLift", `penalty { `+rvPenaltyFields+` }`,
		map[string]any{"penaltyId": sus.ID, "note": "reviewed: the store stays open"})), "penaltyLift", &lp)
	rvNoUE(t, "penaltyLift", lp.UserErrors)
	if ps := rvPenalties(t, h, owner, st.StoreID, true); slices.Contains(rvKinds(ps), "STORE_SUSPENDED@48") {
		t.Fatalf("the suspension is still in force after the review: %v", rvKinds(ps))
	}
	field(t, ok(t, h.post(t, admin, `{ penaltyReviewQueue { `+rvPenaltyFields+` } }`, nil)), "penaltyReviewQueue", &queue)
	if slices.ContainsFunc(queue, func(p rvPenalty) bool { return p.ID == sus.ID }) {
		t.Fatal("the lifted suspension is still in the review queue")
	}
	rvNoUE(t, "productCreate after the review", rvProductCreate(t, h, owner, "RV-AFTER").UserErrors)
}

func TestViolationAppealWindowEdge(t *testing.T) {
	h := setup(t)
	st := h.freshStore(t)
	owner := h.login(t, st.OwnerEmail)
	adminID := rvUserID(t, h, adminEmail)
	now := h.Clock.Now()
	// Violations issued in the past (as the system, with SQL): exactly 7 days ago, and 7 days less a second ago.
	insert := func(issued time.Time) string {
		id := uuid.New()
		h.asSystem(t, func(tx *sqlx.Tx) {
			if _, err := tx.Exec(`insert into violations (tenant_id, id, code, track, points, issued_at, expires_at, issued_by,
					issuer_id, evidence) values ($1, $2, 'FAKE_TRACKING', 'GENERAL', 4, $3, $3::timestamptz + interval '8760 hours', 'ADMIN', $4, 'x')`,
				st.UUID, id, issued, adminID); err != nil {
				t.Fatal(err)
			}
		})
		return isoGlobalID("Violation", st.UUID, id)
	}
	closed := insert(now.Add(-7 * 24 * time.Hour))
	open := insert(now.Add(-7*24*time.Hour + time.Second))

	p := rvViolationDo(t, h, owner, "violationAppeal", map[string]any{"violationId": closed, "reason": "too late?"})
	rvWantUE(t, "appeal at the 7-day edge", p.UserErrors, "APPEAL_WINDOW_CLOSED")
	p = rvViolationDo(t, h, owner, "violationAppeal", map[string]any{"violationId": open, "reason": "just in time"})
	rvNoUE(t, "appeal a second before the edge", p.UserErrors)
	if p.Violation.Status != "APPEALED" {
		t.Fatalf("appeal a second before the edge: %+v", p.Violation)
	}
}

func TestViolationIsolation(t *testing.T) {
	h := setup(t)
	st := h.freshStore(t)
	other := h.freshStore(t)
	admin := h.login(t, adminEmail)
	owner, stranger := h.login(t, st.OwnerEmail), h.login(t, other.OwnerEmail)
	lotus, b1, b2 := h.login(t, lotusOwner), h.login(t, buyer1), h.login(t, buyer2)
	v := rvIssue(t, h, admin, st.StoreID, "HARASSING_BUYERS", 0)
	rvIssue(t, h, admin, other.StoreID, "FAKE_TRACKING", 0)

	t.Run("the store's own staff and admins read its violations", func(t *testing.T) {
		for _, tok := range []string{owner, admin} {
			var s *struct {
				Violations struct {
					TotalCount int
					Nodes      []rvViolation
				}
			}
			field(t, ok(t, h.post(t, tok, `query($id: ID!) { store(id: $id) { violations { totalCount nodes { `+rvViolationFields+` } } } }`,
				map[string]any{"id": st.StoreID})), "store", &s)
			if s == nil || s.Violations.TotalCount != 1 || len(s.Violations.Nodes) != 1 || s.Violations.Nodes[0].ID != v.ID {
				t.Fatalf("own store's violations: %+v", s)
			}
			var n rvViolation
			field(t, ok(t, h.post(t, tok, `query($id: ID!) { node(id: $id) { ... on Violation { `+rvViolationFields+` } } }`,
				map[string]any{"id": v.ID})), "node", &n)
			if n.ID != v.ID || n.Code != "HARASSING_BUYERS" {
				t.Fatalf("node of own violation: %+v", n)
			}
		}
	})

	for _, f := range []struct{ name, sel string }{
		{"violations", `violations { totalCount nodes { id code } }`},
		{"activePoints", `activePoints { general serious }`},
		{"penalties", `penalties(inForceOnly: false) { id kind }`},
	} {
		q := `query($id: ID!) { store(id: $id) { id ` + f.sel + ` } }`
		t.Run("another store's owner is refused "+f.name, func(t *testing.T) {
			for _, tok := range []string{stranger, lotus} {
				r := h.post(t, tok, q, map[string]any{"id": st.StoreID})
				isoExpectCode(t, r, "FORBIDDEN", "store")
				if len(r.Errors) != 1 || len(r.Errors[0].Path) != 2 || r.Errors[0].Path[0] != "store" || r.Errors[0].Path[1] != f.name {
					t.Fatalf("error on %+v, want on store.%s", r.Errors, f.name)
				}
			}
			// The refusal is the same whichever foreign store is asked about: it says nothing of what it holds.
			st1, a := isoPostRaw(t, h, lotus, q, map[string]any{"id": st.StoreID})
			st2, b := isoPostRaw(t, h, lotus, q, map[string]any{"id": other.StoreID})
			rvSameBytes(t, "one foreign store's "+f.name+" vs another's", st1, a, st2, b)
		})
		t.Run("buyers and anonymous are refused "+f.name, func(t *testing.T) {
			for _, tok := range []string{b1, b2} {
				isoExpectCode(t, h.post(t, tok, q, map[string]any{"id": st.StoreID}), "FORBIDDEN", "store")
			}
			isoExpectCode(t, h.post(t, "", q, map[string]any{"id": st.StoreID}), "UNAUTHENTICATED", "store")
		})
	}

	t.Run("node of another store's violation is null like a missing one", func(t *testing.T) {
		q := `query($id: ID!) { node(id: $id) { id ... on Violation { code points evidence } } }`
		missing := []string{isoGlobalID("Violation", st.UUID, uuid.New()), isoGlobalID("Violation", uuid.New(), uuid.New())}
		for _, who := range []struct{ name, token string }{{"another store's owner", stranger}, {"lotus owner", lotus},
			{"a buyer", b1}, {"anonymous", ""}} {
			isoExpectNull(t, h.post(t, who.token, q, map[string]any{"id": v.ID}), "node")
			st1, foreign := isoPostRaw(t, h, who.token, q, map[string]any{"id": v.ID})
			for _, id := range missing {
				st2, absent := isoPostRaw(t, h, who.token, q, map[string]any{"id": id})
				rvSameBytes(t, who.name+": another store's violation (node)", st1, foreign, st2, absent)
			}
		}
	})

	t.Run("another store's owner cannot decide or appeal", func(t *testing.T) {
		q := `mutation($i: ViolationDecideInput!) { violationDecide(input: $i) { violation { id } } }`
		isoExpectCode(t, h.post(t, stranger, q, map[string]any{"i": map[string]any{"violationId": v.ID, "uphold": false, "note": "x"}}), "FORBIDDEN", "violationDecide")
		q = `mutation($i: ViolationAppealInput!) { violationAppeal(input: $i) { violation { id status } } }`
		isoExpectCode(t, h.post(t, stranger, q, map[string]any{"i": map[string]any{"violationId": v.ID, "reason": "not mine"}}), "NOT_FOUND", "violationAppeal")
		if n := h.sysCount(t, `select count(*) from violations where tenant_id = $1 and status = 'ACTIVE'`, st.UUID); n != 1 {
			t.Fatalf("the violation changed: %d active", n)
		}
	})
}
