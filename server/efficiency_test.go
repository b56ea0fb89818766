package main

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"tradeguard/internal/testdb"
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

// statementTexts is each statement the app role ran since the last reset with its number of runs.
func statementTexts(t *testing.T, super *sqlx.DB) map[string]int {
	t.Helper()
	var rows []struct {
		Query string
		Calls int
	}
	err := super.Select(&rows, `select query, calls from pg_stat_statements s join pg_roles r on r.oid = s.userid
		where r.rolname = 'tradeguard_app' and s.dbid = (select oid from pg_database where datname = current_database())`)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, r := range rows {
		out[strings.Join(strings.Fields(r.Query), " ")] += r.Calls
	}
	return out
}

// elements counts the elements of every list in a JSON answer.
func elements(v any) int {
	n := 0
	switch v := v.(type) {
	case []any:
		n += len(v)
		for _, e := range v {
			n += elements(e)
		}
	case map[string]any:
		for _, e := range v {
			n += elements(e)
		}
	}
	return n
}

// listCase is one query whose lists grow with its size: the same number of statements must fetch it at the
// small and at the large size, while the answer holds more list elements at the large one.
type listCase struct {
	name  string
	who   string // e-mail of the demo account that asks
	query string
	vars  func(size int) map[string]any
	sizes [2]int // small, large; {0, 0}: a list with no size of its own, run once for its statement count
}

func first(n int) map[string]any { return map[string]any{"n": n} }

// fixtureSubscription is the webhook subscription moreQueueRows gives lotus-electronics, with deliveries.
var fixtureSubscription = uuid.MustParse("00000000-0000-4000-8000-00000000feed")

func webhookPage(n int) map[string]any {
	return map[string]any{"n": n, "s": fixtureGlobalID("WebhookSubscription", fixtureSubscription)}
}

// days asks for the last n days before the demo's now (trends and score histories).
func days(n int) map[string]any {
	return map[string]any{"n": n, "from": demoNow.AddDate(0, 0, -n).Format("2006-01-02T15:04:05Z"), "to": demoNow.Format("2006-01-02T15:04:05Z")}
}

const (
	merchantEmail = "owner@lotus-electronics.test"
	buyerOneEmail = "buyer1@tradeguard.test"
	harborEmail   = "owner@harbor-foods.test" // the demo's failing store: violations, dissatisfied orders
)

var listCases = []listCase{
	{name: "orders", who: adminEmail, sizes: [2]int{5, 60}, vars: first, query: `query($n: Int) { orders(first: $n) {
		totalCount pageInfo { hasNextPage endCursor } nodes { id }
		edges { cursor node { id number status total { amount currencyCode } store { name } availableActions
			timeline { at action } buyer { displayName }
			items { title quantity unitPrice { amount } product { title store { slug } } } } } } }`},
	{name: "cases", who: adminEmail, sizes: [2]int{3, 40}, vars: first, query: `query($n: Int) { afterSalesCases(first: $n) {
		totalCount nodes { id } edges { cursor node { id status availableActions order { number items { title } }
			items { quantity orderItem { title } } timeline { at action } refunds { status amount { amount } }
			evidence { filename } messages { body } } } } }`},
	{name: "arbitration queue", who: adminEmail, sizes: [2]int{1, 20}, vars: first, query: `query($n: Int) { arbitrationQueue(first: $n) {
		nodes { id items { quantity } timeline { at } messages { body } } edges { cursor } } }`},
	{name: "complaint queue", who: adminEmail, sizes: [2]int{1, 20}, vars: first, query: `query($n: Int) { complaintQueue(first: $n) {
		nodes { id items { quantity } timeline { at } evidence { filename } } edges { cursor } } }`},
	{name: "products", who: "", sizes: [2]int{3, 50}, vars: first, query: `query($n: Int) { products(first: $n) {
		nodes { id store { name } } edges { cursor node { title price { amount } } } } }`},
	{name: "stores", who: adminEmail, sizes: [2]int{1, 3}, vars: first, query: `query($n: Int) { stores(first: $n) {
		nodes { id history { at action } penalties(inForceOnly: false) { kind store { slug } } }
		edges { cursor node { slug } } } }`},
	{name: "store ratings", who: merchantEmail, sizes: [2]int{3, 50}, vars: first, query: `query($n: Int) { viewer { store { ratings(first: $n) {
		nodes { id availableActions order { number items { title } } store { slug } } edges { cursor } } } } }`},
	{name: "store violations", who: harborEmail, sizes: [2]int{5, 20}, vars: first, query: `query($n: Int) { viewer { store { violations(first: $n) {
		nodes { id code case { id items { quantity } } } edges { cursor } } } } }`},
	{name: "metric orders", who: harborEmail, sizes: [2]int{2, 30}, vars: first, query: `query($n: Int) { viewer { store { metrics {
		dissatisfactionRate { orders(first: $n) { nodes { paidAt } edges { cursor node { order { number items { title } }
			signals { kind case { id } rating { overall } } } } } }
		orderDefectRate { orders(first: $n) { edges { node { signals { kind rating { overall } } } } } } } } } }`},
	{name: "metric trends", who: merchantEmail, sizes: [2]int{2, 60}, vars: days, query: `query($from: DateTime!, $to: DateTime!) { viewer { store { metrics {
		dissatisfactionRate { trend(from: $from, to: $to) { day rate } } refundRate { trend(from: $from, to: $to) { day rate } } } } } }`},
	{name: "score history", who: merchantEmail, sizes: [2]int{2, 60}, vars: days, query: `query($from: DateTime!, $to: DateTime!) { viewer { store {
		score { subScores { metric subScore } whatIf { metric points } }
		scoreHistory(from: $from, to: $to) { day score subScores { metric } whatIf { points } } } } }`},
	{name: "scoreboard", who: adminEmail, sizes: [2]int{1, 3}, vars: first, query: `query($n: Int) { scoreboard(first: $n) {
		nodes { store { name } metrics { metric value status } score { subScores { metric } whatIf { points } } } edges { cursor } } }`},
	{name: "penalty review queue", who: adminEmail, sizes: [2]int{1, 10}, vars: first, query: `query($n: Int) { penaltyReviewQueue(first: $n) {
		kind store { slug } } }`},
	{name: "buyer's orders", who: buyerOneEmail, sizes: [2]int{2, 20}, vars: first, query: `query($n: Int) { orders(first: $n) {
		nodes { number store { name } items { title product { title } } } } }`},
	{name: "store's own lists", who: merchantEmail, vars: first, query: `{ apiTokens { name scopes } staff { staffRole user { displayName abuseFlags { reason } history { at action } } }
		staffInvites { email status } viewer { scopes } }`},
	{name: "webhook deliveries", who: merchantEmail, sizes: [2]int{2, 40}, vars: webhookPage, query: `query($n: Int, $s: ID!) {
		webhookTopics webhookSubscriptions { id topics store { name } }
		webhookDeliveries(subscriptionId: $s, first: $n) { nodes { eventId topic attempts { n statusCode } } pageInfo { endCursor } } }`},
	{name: "bulk exports", who: merchantEmail, sizes: [2]int{2, 30}, vars: first, query: `query($n: Int) { bulkExports(first: $n) {
		id kind status progress downloadPath filter { createdFrom } } }`},
	{name: "catalogue lists", who: adminEmail, vars: first, query: `{ violationCodes { code } scoringPolicies { version rules { metric } bands { level } } }`},
}

// TestListsStatementsDoNotGrowWithPageSize: every list in the schema is fetched with the same number of SQL
// statements whatever its size (no statement per row), and at most one per list level.
func TestListsStatementsDoNotGrowWithPageSize(t *testing.T) {
	superDSN, owner, app := testdb.Another(t, "lists")
	h := startHarness(t, owner, app, superDSN)
	super := sqlx.MustOpen("postgres", superDSN)
	defer super.Close()
	h.moreQueueRows(t)
	tokens := map[string]string{}
	for _, c := range listCases {
		if _, ok := tokens[c.who]; !ok && c.who != "" {
			tokens[c.who] = h.login(t, c.who)
		}
	}
	texts := map[int]map[string]int{}
	run := func(t *testing.T, c listCase, size int) (stmts, elems int) {
		super.MustExec(`select pg_stat_statements_reset()`)
		r := ok(t, h.post(t, tokens[c.who], c.query, c.vars(size)))
		stmts = statements(t, super)
		texts[size] = statementTexts(t, super)
		raw, _ := json.Marshal(r.Data)
		var data any
		_ = json.Unmarshal(raw, &data)
		return stmts, elements(data)
	}
	for _, c := range listCases {
		t.Run(c.name, func(t *testing.T) {
			small, smallElems := run(t, c, c.sizes[0])
			if c.sizes[1] == 0 {
				t.Logf("%d statements, %d list elements", small, smallElems)
				if small > 12 {
					t.Fatalf("%d statements for the lists", small)
				}
				return
			}
			large, largeElems := run(t, c, c.sizes[1])
			t.Logf("size %d: %d statements, %d list elements; size %d: %d statements, %d elements",
				c.sizes[0], small, smallElems, c.sizes[1], large, largeElems)
			if largeElems <= smallElems {
				t.Fatalf("the answer did not grow with the size (%d → %d elements): the case measures nothing", smallElems, largeElems)
			}
			if large != small {
				for q, n := range texts[c.sizes[1]] {
					if texts[c.sizes[0]][q] != n {
						t.Logf("%d runs at %d, %d at %d: %.300s", texts[c.sizes[0]][q], c.sizes[0], n, c.sizes[1], q)
					}
				}
				t.Fatalf("statements grow with the size: %d at %d, %d at %d", small, c.sizes[0], large, c.sizes[1])
			}
		})
	}
}

// moreQueueRows gives the platform queues that the demo data keeps short (a complaint in review, no store
// suspension) several rows each, in this test's own database.
func (h *harness) moreQueueRows(t *testing.T) {
	h.asSystem(t, func(tx *sqlx.Tx) {
		for _, q := range []string{
			`update cases set status = 'PLATFORM_REVIEW' where (tenant_id, id) in
				(select tenant_id, id from cases where type = 'COMPLAINT' and status not in ('PLATFORM_REVIEW', 'CLOSED') limit 5)`,
			`insert into store_penalties (tenant_id, id, kind, track, threshold, points, starts_at, reason)
				select s.id, gen_random_uuid(), 'STORE_SUSPENDED', 'GENERAL', 48, 48, now() - make_interval(days => g), 'test: review queue'
				from stores s cross join generate_series(1, 4) g`,
			// A webhook subscription of lotus with sixty deliveries of its store's events, two attempts each.
			`insert into webhook_subscriptions (id, tenant_id, url, topics, secret, created_by, created_at, updated_at)
				select '` + fixtureSubscription.String() + `', s.id, 'https://erp.example.com/hooks', '{order.paid}', 'whsec_test', st.user_id, now(), now()
				from stores s join store_staff st on st.tenant_id = s.id and st.staff_role = 'OWNER' where s.slug = 'lotus-electronics'`,
			`insert into webhook_deliveries (subscription_id, tenant_id, event_id, subscriber_tenant, subject_id, seq, status, next_attempt_at)
				select '` + fixtureSubscription.String() + `', e.tenant_id, e.id, e.tenant_id, e.subject_id, e.seq, 'DELIVERED', now()
				from outbox_events e join stores s on s.id = e.tenant_id where s.slug = 'lotus-electronics' order by e.seq limit 60`,
			`insert into webhook_attempts (tenant_id, subscription_id, event_id, n, at, status_code, latency_ms)
				select d.tenant_id, d.subscription_id, d.event_id, g, now(), 200, 5 from webhook_deliveries d cross join generate_series(1, 2) g
				where d.subscription_id = '` + fixtureSubscription.String() + `'`,
			// Forty finished exports of lotus.
			`insert into bulk_exports (tenant_id, id, kind, format, status, rows_total, rows_done, chunks, requested_by, created_at, expires_at)
				select s.id, gen_random_uuid(), 'ORDERS', 'JSONL', 'SUCCEEDED', 10, 10, 1, st.user_id, now() - make_interval(mins => g), now() + interval '7 days'
				from stores s join store_staff st on st.tenant_id = s.id and st.staff_role = 'OWNER' cross join generate_series(1, 40) g
				where s.slug = 'lotus-electronics'`,
		} {
			if _, err := tx.Exec(q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
	})
	if n := h.sysCount(t, `select count(*) from cases where status = 'PLATFORM_REVIEW'`); n < 3 {
		t.Fatalf("%d complaints in platform review after the fixture", n)
	}
}

// TestEveryListIsCoveredByTheStatementTest: each list of the schema and each field returning a connection
// appears in one of listCases, so a new list cannot skip the statement test.
func TestEveryListIsCoveredByTheStatementTest(t *testing.T) {
	s, want := schemaLists()
	covered := map[string]bool{}
	for _, c := range listCases {
		got, err := listsIn(s, c.query)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		maps.Copy(covered, got)
	}
	var missing []string
	for _, k := range slices.Sorted(maps.Keys(want)) {
		if !covered[k] {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		t.Fatalf("lists no case of listCases fetches: %s", strings.Join(missing, ", "))
	}
}
