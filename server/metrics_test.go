package main

// Merchant metrics and scores over real HTTP (issue 10): facts placed with SQL as the system in a store of
// the test's own, counted live, as of an earlier instant, drilled down to the orders, scored, snapshotted
// by scoresRecompute and exported as CSV.

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"tradeguard/demo"
	"tradeguard/tenants"
)

type metricJSON struct {
	Numerator, Denominator int
	Rate                   float64
	InsufficientData       bool
	Status                 string
	Orders                 struct {
		TotalCount int
		Nodes      []struct {
			Order   struct{ Number string }
			Signals []struct {
				Kind       string
				Chargeback *struct{ ProviderRef string }
			}
		}
	}
}

const metricSel = `numerator denominator rate insufficientData status
	orders(first: 10) { totalCount nodes { order { number } signals { kind chargeback { providerRef } } } }`

func storeMetrics(t *testing.T, h *harness, token, storeID string, asOf *time.Time) map[string]metricJSON {
	t.Helper()
	vars := map[string]any{"id": storeID}
	if asOf != nil {
		vars["asOf"] = asOf.Format(time.RFC3339Nano)
	}
	r := ok(t, h.post(t, token, `query($id: ID!, $asOf: DateTime) { node(id: $id) { ... on Store { metrics(asOf: $asOf) {
		ordersLast30Days orderDefectRate { `+metricSel+` } lateShipmentRate { `+metricSel+` }
		dissatisfactionRate { `+metricSel+` } } } } }`, vars))
	var out struct {
		Metrics struct {
			OrdersLast30Days                                       int
			OrderDefectRate, LateShipmentRate, DissatisfactionRate metricJSON
		}
	}
	field(t, r, "node", &out)
	return map[string]metricJSON{"orders": {Numerator: out.Metrics.OrdersLast30Days},
		"orderDefectRate": out.Metrics.OrderDefectRate, "lateShipmentRate": out.Metrics.LateShipmentRate,
		"dissatisfactionRate": out.Metrics.DissatisfactionRate}
}

// metricsStore is a fresh store with 40 orders paid over the last 10 days by a buyer of its own: two of them
// unshipped past their ship-by, the rest due later.
func metricsStore(t *testing.T, h *harness) (fixtureStore, uuid.UUID, []uuid.UUID) {
	st := h.freshStore(t)
	buyer := uuid.New()
	now := h.Clock.Now()
	var ids []uuid.UUID
	h.asSystem(t, func(tx *sqlx.Tx) {
		hash, _ := tenants.HashPassword(demo.Password)
		if _, err := tx.Exec(`insert into users (id, email, password_hash, display_name, role, created_at)
			values ($1, $2, $3, 'Metrics buyer', 'BUYER', $4)`, buyer, "buyer-"+st.Slug+"@tradeguard.test", hash, now.AddDate(0, 0, -30)); err != nil {
			t.Fatal(err)
		}
		for i := range 40 {
			id := uuid.New()
			paid := now.Add(-time.Duration(i+1) * 6 * time.Hour)
			shipBy := now.Add(48 * time.Hour)
			if i >= 38 {
				shipBy = paid.Add(48 * time.Hour) // 9.5 days ago: passed, never shipped
			}
			insertPaidOrder(t, tx, st.UUID, id, fmt.Sprintf("M-%03d", i), buyer, 100000, paid, shipBy)
			ids = append(ids, id)
		}
	})
	return st, buyer, ids
}

// insertPaidOrder writes a paid, unshipped TWD order of total minor units without lines, paid (and created) at
// paid: the metrics count orders by their payment, and these tests need them at exact instants.
func insertPaidOrder(t *testing.T, tx *sqlx.Tx, store, id uuid.UUID, number string, buyer uuid.UUID, total int64, paid, shipBy time.Time) {
	t.Helper()
	if _, err := tx.Exec(`insert into orders (tenant_id, id, number, buyer_id, status, currency, subtotal_minor,
		shipping_minor, total_minor, paid_minor, payment_method, buyer_name, ship_name, ship_phone, ship_address,
		created_at, paid_at, ship_by) values ($1, $2, $3, $4, 'PAID', 'TWD', $5, 0, $5, $5, 'CARD',
		'Metrics buyer', 'x', 'x', 'x', $6, $6, $7)`, store, id, number, buyer, total, paid, shipBy); err != nil {
		t.Fatal(err)
	}
}

func TestMetricsLiveAsOfAndDrillDown(t *testing.T) {
	h := setup(t)
	st, _, orderIDs := metricsStore(t, h)
	owner, admin := h.login(t, st.OwnerEmail), h.login(t, adminEmail)
	now := h.Clock.Now()

	m := storeMetrics(t, h, owner, st.StoreID, nil)
	if m["orders"].Numerator != 40 {
		t.Fatalf("ordersLast30Days = %d, want 40", m["orders"].Numerator)
	}
	late := m["lateShipmentRate"]
	if late.Numerator != 2 || late.Denominator != 2 || late.Status != "FAILING" || late.Orders.TotalCount != 2 ||
		len(late.Orders.Nodes) != 2 || late.Orders.Nodes[0].Signals[0].Kind != "NOT_SHIPPED" {
		t.Fatalf("lateShipmentRate = %+v, want the two unshipped orders past ship-by, FAILING", late)
	}
	if d := m["orderDefectRate"]; d.Numerator != 0 || d.Denominator != 40 || d.Status != "EXCELLENT" {
		t.Fatalf("orderDefectRate before any chargeback = %+v, want 0/40 EXCELLENT", d)
	}

	// A chargeback counts at once; reported again with its reference it changes nothing.
	order := fixtureGlobalID("Order", st.UUID, orderIDs[0])
	for range 2 {
		r := ok(t, rvMutate(t, h, admin, "chargebackRecord", "chargeback { reportedBy providerRef amount { amount } }",
			map[string]any{"orderId": order, "amount": "500", "reason": "card holder disputes", "providerRef": "cb-" + st.Slug}))
		var p struct {
			Chargeback struct{ ReportedBy string }
			UserErrors []userError
		}
		field(t, r, "chargebackRecord", &p)
		rvNoUE(t, "chargebackRecord", p.UserErrors)
		if p.Chargeback.ReportedBy != "ADMIN" {
			t.Fatalf("reportedBy = %q, want ADMIN", p.Chargeback.ReportedBy)
		}
	}
	d := storeMetrics(t, h, owner, st.StoreID, nil)["orderDefectRate"]
	if d.Numerator != 1 || d.Denominator != 40 || len(d.Orders.Nodes) != 1 || d.Orders.Nodes[0].Order.Number != "M-000" ||
		d.Orders.Nodes[0].Signals[0].Kind != "CHARGEBACK" || d.Orders.Nodes[0].Signals[0].Chargeback == nil {
		t.Fatalf("orderDefectRate after one chargeback reported twice = %+v, want 1/40 with the chargeback", d)
	}
	// As of a second before it was recorded, it had not happened.
	before := now.Add(-time.Second)
	if d := storeMetrics(t, h, owner, st.StoreID, &before)["orderDefectRate"]; d.Numerator != 0 {
		t.Fatalf("orderDefectRate as of before the chargeback = %d, want 0", d.Numerator)
	}

	// Refusals: more than was paid, a future as-of, another store's merchant.
	r := ok(t, rvMutate(t, h, admin, "chargebackRecord", "chargeback { reason }",
		map[string]any{"orderId": order, "amount": "5000", "reason": "x", "providerRef": "cb-2-" + st.Slug}))
	var p struct{ UserErrors []userError }
	field(t, r, "chargebackRecord", &p)
	rvWantUE(t, "chargeback above the paid amount", p.UserErrors, "INVALID_AMOUNT", "input", "amount")
	future := now.Add(time.Hour)
	if r := h.post(t, owner, `query($id: ID!, $t: DateTime) { node(id: $id) { ... on Store { metrics(asOf: $t) { ordersLast30Days } } } }`,
		map[string]any{"id": st.StoreID, "t": future.Format(time.RFC3339)}); r.code() != "BAD_USER_INPUT" {
		t.Fatalf("metrics as of the future: code %q, want BAD_USER_INPUT", r.code())
	}
	other := h.login(t, "owner@maple-apparel.test")
	if r := h.post(t, other, `query($id: ID!) { node(id: $id) { ... on Store { metrics { ordersLast30Days } } } }`,
		map[string]any{"id": st.StoreID}); r.code() != "FORBIDDEN" {
		t.Fatalf("another store's merchant reading metrics: code %q, want FORBIDDEN", r.code())
	}
}

func TestAbuseFlagInTheBuyersHistory(t *testing.T) {
	h := setup(t)
	_, buyer, _ := metricsStore(t, h)
	admin := h.login(t, adminEmail)
	id := fixtureGlobalID("User", buyer)
	set := func(flagged bool, reason string) []userError {
		r := ok(t, rvMutate(t, h, admin, "buyerAbuseFlagSet", "flag { reason clearedAt }",
			map[string]any{"buyerId": id, "flagged": flagged, "reason": reason}))
		var p struct{ UserErrors []userError }
		field(t, r, "buyerAbuseFlagSet", &p)
		return p.UserErrors
	}
	rvNoUE(t, "flag", set(true, "opens a refund on every order"))
	rvWantUE(t, "flag twice", set(true, "again"), "ALREADY_FLAGGED")
	rvWantUE(t, "no reason", set(false, "  "), "REASON_REQUIRED", "input", "reason")
	rvNoUE(t, "clear", set(false, "cleared after review"))
	r := ok(t, h.post(t, admin, `query($id: ID!) { node(id: $id) { ... on User { abuseFlags { reason clearedAt clearReason } history { action } } } }`,
		map[string]any{"id": id}))
	var u struct {
		AbuseFlags []struct {
			Reason      string
			ClearedAt   *string
			ClearReason *string
		}
		History []struct{ Action string }
	}
	field(t, r, "node", &u)
	if len(u.AbuseFlags) != 1 || u.AbuseFlags[0].Reason != "opens a refund on every order" || u.AbuseFlags[0].ClearedAt == nil ||
		u.AbuseFlags[0].ClearReason == nil || *u.AbuseFlags[0].ClearReason != "cleared after review" {
		t.Fatalf("abuse flags = %+v, want the one flag, cleared with its reason", u.AbuseFlags)
	}
	if len(u.History) < 2 {
		t.Fatalf("buyer history = %+v, want the flag and its clearing", u.History)
	}
}

func TestScoreRecomputeScoreboardAndCSV(t *testing.T) {
	h := setup(t)
	st, _, _ := metricsStore(t, h)
	owner, admin := h.login(t, st.OwnerEmail), h.login(t, adminEmail)

	r := ok(t, h.post(t, owner, `query($id: ID!) { node(id: $id) { ... on Store { score { score level policyVersion
		subScores { metric weight counted status } deduction { points cap } whatIf { metric points } } } } }`,
		map[string]any{"id": st.StoreID}))
	var live struct {
		Score struct {
			Score         float64
			Level         string
			PolicyVersion int
			SubScores     []struct {
				Metric, Status string
				Weight         int
				Counted        bool
			}
			Deduction struct{ Points, Cap float64 }
			WhatIf    []struct {
				Metric string
				Points float64
			}
		}
	}
	field(t, r, "node", &live)
	sc := live.Score
	if sc.Level == "UNRATED" || sc.Level == "" || len(sc.SubScores) != 10 || sc.Deduction.Cap != 30 {
		t.Fatalf("score = %+v, want a level (40 orders), 10 sub-scores, the default cap 30", sc)
	}
	if len(sc.WhatIf) == 0 || sc.WhatIf[0].Metric != "lateShipmentRate" || sc.WhatIf[0].Points <= 0 {
		t.Fatalf("whatIf = %+v, want lateShipmentRate (FAILING, weight 10) first", sc.WhatIf)
	}

	r = ok(t, rvMutate(t, h, admin, "scoresRecompute", "job { id status total }", map[string]any{}))
	var p struct {
		Job struct {
			ID, Status string
			Total      int
		}
	}
	field(t, r, "scoresRecompute", &p)
	var job struct {
		ScoreJob struct { // data.scoreJob
			Status      string
			Done, Total int
		}
	}
	for i := 0; i < 600; i++ {
		jr := ok(t, h.post(t, admin, `query($id: ID!) { scoreJob(id: $id) { status done total } }`, map[string]any{"id": p.Job.ID}))
		job.ScoreJob.Status = ""
		field(t, jr, "scoreJob", &job.ScoreJob)
		if job.ScoreJob.Status != "RUNNING" {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if job.ScoreJob.Status != "SUCCEEDED" || job.ScoreJob.Done != job.ScoreJob.Total || job.ScoreJob.Total == 0 {
		t.Fatalf("score job = %+v, want SUCCEEDED with every store done", job.ScoreJob)
	}

	r = ok(t, h.post(t, admin, `query($s: String) { scoreboard(filter: {search: $s}) { totalCount nodes { store { slug } score { score level }
		metrics { metric status } } } }`, map[string]any{"s": st.Slug}))
	var board struct {
		TotalCount int
		Nodes      []struct {
			Store struct{ Slug string }
			Score *struct {
				Score float64
				Level string
			}
			Metrics []struct{ Metric, Status string }
		}
	}
	field(t, r, "scoreboard", &board)
	if board.TotalCount != 1 || len(board.Nodes) != 1 || board.Nodes[0].Score == nil || board.Nodes[0].Score.Score != sc.Score ||
		board.Nodes[0].Score.Level != sc.Level || len(board.Nodes[0].Metrics) != 10 {
		t.Fatalf("scoreboard for %s = %+v, want the snapshot equal to the live score %v %s", st.Slug, board, sc.Score, sc.Level)
	}
	if r := h.post(t, owner, `{ scoreboard { totalCount } }`, nil); r.code() != "FORBIDDEN" {
		t.Fatalf("merchant reading the scoreboard: code %q, want FORBIDDEN", r.code())
	}

	get := func(token string) (int, string, string) {
		req, _ := http.NewRequest(http.MethodGet, h.URL+"/exports/scoreboard.csv?search="+st.Slug, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, res.Header.Get("Content-Type"), string(b)
	}
	status, ctype, body := get(admin)
	lines := strings.Split(strings.TrimSpace(body), "\n")
	if status != 200 || !strings.HasPrefix(ctype, "text/csv") || !strings.HasPrefix(body, "\ufeffstore_slug,") || len(lines) != 2 ||
		!strings.HasPrefix(lines[1], st.Slug+",") || !strings.Contains(lines[1], ","+sc.Level+",") {
		t.Fatalf("CSV export: %d %s %q, want a BOM, the header and the store's row", status, ctype, body)
	}
	if status, _, _ := get(owner); status != http.StatusForbidden {
		t.Fatalf("CSV export as a merchant: %d, want 403", status)
	}
	if status, _, _ := get(""); status != http.StatusUnauthorized {
		t.Fatalf("CSV export anonymous: %d, want 401", status)
	}
}

func TestScoringPolicyValidatedAndReadable(t *testing.T) {
	h := setup(t)
	admin, owner := h.login(t, adminEmail), h.login(t, "owner@lotus-electronics.test")
	r := ok(t, rvMutate(t, h, admin, "scoringPolicyPublish", "policy { version }", map[string]any{
		"rules":             []map[string]any{{"metric": "dissatisfactionRate", "weight": 50, "excellent": 0.05, "threshold": 0.03}},
		"generalPointValue": 0.5, "seriousPointValue": 1, "deductionCap": 30, "minOrders": 30,
		"bands": []map[string]any{{"level": "S", "min": 90}, {"level": "A", "min": 95}}}))
	var p struct{ UserErrors []userError }
	field(t, r, "scoringPolicyPublish", &p)
	fields := map[string]bool{}
	for _, ue := range p.UserErrors {
		if ue.Code != "INVALID_POLICY" || ue.Message == "" {
			t.Fatalf("userError %+v, want INVALID_POLICY with a message", ue)
		}
		fields[strings.Join(ue.Field, ".")] = true
	}
	for _, want := range []string{"input.rules", "input.rules.0.excellent", "input.bands.1.min"} {
		if !fields[want] {
			t.Fatalf("userErrors %+v: none on %s", p.UserErrors, want)
		}
	}
	var pols []struct{ Version int }
	field(t, ok(t, h.post(t, owner, `{ scoringPolicies { version rules { metric } } }`, nil)), "scoringPolicies", &pols)
	if len(pols) != 1 {
		t.Fatalf("a merchant sees %d policies, want the one in force", len(pols))
	}
}

func TestMetricWindowEdges(t *testing.T) {
	h := setup(t)
	st := h.freshStore(t) // Asia/Taipei
	owner := h.login(t, st.OwnerEmail)
	now := h.Clock.Now()
	tz, _ := time.LoadLocation("Asia/Taipei")
	l := now.In(tz)
	from := time.Date(l.Year(), l.Month(), l.Day()-29, 0, 0, 0, 0, tz) // the 30-day window's first instant
	var buyer uuid.UUID
	h.asSystem(t, func(tx *sqlx.Tx) {
		if err := tx.Get(&buyer, `select id from users where email = 'buyer1@tradeguard.test'`); err != nil {
			t.Fatal(err)
		}
		for i, paid := range []time.Time{from.Add(-time.Second), from, now, now.Add(time.Second)} {
			insertPaidOrder(t, tx, st.UUID, uuid.New(), fmt.Sprintf("E-%d", i), buyer, 100, paid, now.Add(72*time.Hour))
		}
	})
	// Counted: the order at the first instant and the one at now; not the one a second before the window,
	// nor the one a second after the as-of instant.
	m := storeMetrics(t, h, owner, st.StoreID, &now)
	if d := m["dissatisfactionRate"]; m["orders"].Numerator != 2 || d.Denominator != 2 || !d.InsufficientData ||
		d.Status != "INSUFFICIENT_DATA" {
		t.Fatalf("30-day window at its edges: orders %d, dissatisfaction %+v; want 2 orders, insufficient data", m["orders"].Numerator, d)
	}
	// The 60-day order defect window holds the one a second before the 30 days too.
	if d := m["orderDefectRate"]; d.Denominator != 3 {
		t.Fatalf("60-day window: denominator %d, want 3", d.Denominator)
	}
}
