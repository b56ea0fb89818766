package main

// After-sales cases over real HTTP: every type end to end, arbitration with an appeal, complaints and the
// platform's queues, the refusals with their codes and field paths, idempotent money, optimistic concurrency,
// what each caller may do, and isolation of every case query and mutation (another store's or another buyer's
// case answers exactly like a case id that does not exist).
//
// Every test works in a fresh store of its own (the demo stores' orders are counted exactly elsewhere) with a
// demo buyer. The shared clock stays at the demo's "now": orders are delivered at that instant, so every
// eligibility window is open (window edges are tested in the aftersales package). What a test created — the
// store with its orders and cases, its owner, any admin it added — is deleted when the test ends, because the
// package's other tests count orders, stores and the public catalogue across the whole database.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"tradeguard/demo"
	"tradeguard/tenants"
)

// ---------------------------------------------------------------- helpers

// csFields is everything the tests read of a case.
const csFields = `id number type status reason reasonCategory description
	requested { amount currencyCode } approved { amount currencyCode } refunded { amount currencyCode }
	revisions rejectionReason version deadline { at action } availableActions
	timeline { actor action fromStatus toStatus reason note }
	escalatedAt ruling liability ruledAt appealedAt appealOutcome complaintOutcome
	returnCarrier returnTrackingNumber returnShippedAt returnDeliveredAt returnReceivedAt
	reshipCarrier reshipTrackingNumber reshippedAt closedAt
	refunds { amount { amount currencyCode } route status attempts lastError }
	items { quantity orderItem { id } }
	evidence { id kind filename contentType sizeBytes sha256 uploadedBy downloadUrl }
	messages { author body }
	order { id status }`

type csMoney struct{ Amount, CurrencyCode string }

type csEvidence struct {
	ID, Kind, Filename, ContentType string
	SizeBytes                       int
	SHA256                          string
	UploadedBy                      string
	DownloadURL                     string
}

type csCase struct {
	ID, Number, Type, Status, Reason, ReasonCategory, Description string
	Requested                                                     csMoney
	Approved                                                      *csMoney
	Refunded                                                      csMoney
	Revisions                                                     int
	RejectionReason                                               *string
	Version                                                       int
	Deadline                                                      *struct {
		At     time.Time
		Action string
	}
	AvailableActions []string
	Timeline         []struct {
		Actor, Action                      string
		FromStatus, ToStatus, Reason, Note *string
	}
	EscalatedAt                         *time.Time
	Ruling, Liability                   *string
	RuledAt, AppealedAt                 *time.Time
	AppealOutcome, ComplaintOutcome     *string
	ReturnCarrier, ReturnTrackingNumber *string
	ReturnShippedAt, ReturnDeliveredAt  *time.Time
	ReturnReceivedAt                    *time.Time
	ReshipCarrier, ReshipTrackingNumber *string
	ReshippedAt, ClosedAt               *time.Time
	Refunds                             []csRefund
	Items                               []struct {
		Quantity  int
		OrderItem *struct{ ID string }
	}
	Evidence []csEvidence
	Messages []struct{ Author, Body string }
	Order    *struct{ ID, Status string }
}

type csRefund struct {
	Amount        csMoney
	Route, Status string
	Attempts      int
	LastError     *string
}

type csPayload struct {
	Case       *csCase
	UserErrors []userError
}

// csWorld is one test's fresh store, with tokens of its owner and of the demo buyer who shops there.
type csWorld struct {
	h            *harness
	st           fixtureStore
	buyer, owner string
	users        []uuid.UUID // deleted with the store when the test ends
}

func csNewWorld(t *testing.T) *csWorld {
	t.Helper()
	h := setup(t)
	st := h.freshStore(t)
	w := &csWorld{h: h, st: st, users: []uuid.UUID{st.OwnerID}}
	t.Cleanup(func() { csPurge(t, h, st.UUID, w.users) })
	w.buyer, w.owner = h.login(t, buyer1), h.login(t, st.OwnerEmail)
	return w
}

// csPurge deletes, as the system, every row of the store (each table with a tenant_id column), the store, and
// the given users with every row that references them. Foreign keys decide the order: statements that fail
// are tried again in the next round.
func csPurge(t *testing.T, h *harness, store uuid.UUID, users []uuid.UUID) {
	t.Helper()
	h.asSystem(t, func(tx *sqlx.Tx) {
		type stmt struct {
			q   string
			arg any
		}
		var tables []string
		if err := tx.Select(&tables, `select c.table_name from information_schema.columns c
			join information_schema.tables tb on tb.table_schema = c.table_schema and tb.table_name = c.table_name
			where c.table_schema = current_schema() and c.column_name = 'tenant_id' and tb.table_type = 'BASE TABLE'
				and c.table_name <> 'row_counts'
			order by c.table_name`); err != nil {
			t.Fatalf("purge: tables: %v", err)
		}
		var todo []stmt
		for _, tb := range tables {
			todo = append(todo, stmt{`delete from ` + pq.QuoteIdentifier(tb) + ` where tenant_id = $1`, store})
		}
		todo = append(todo, stmt{`delete from stores where id = $1`, store})
		if len(users) > 0 {
			var refs []struct {
				Table  string `db:"tbl"`
				Column string `db:"col"`
			}
			if err := tx.Select(&refs, `select c.conrelid::regclass::text as tbl, a.attname as col from pg_constraint c
				join pg_attribute a on a.attrelid = c.conrelid and a.attnum = c.conkey[1]
				where c.contype = 'f' and c.confrelid = 'users'::regclass and cardinality(c.conkey) = 1`); err != nil {
				t.Fatalf("purge: references to users: %v", err)
			}
			for _, r := range refs {
				todo = append(todo, stmt{`delete from ` + r.Table + ` where ` + pq.QuoteIdentifier(r.Column) + ` = any($1)`, pq.Array(users)})
			}
			todo = append(todo, stmt{`delete from users where id = any($1)`, pq.Array(users)})
		}
		var lastErr error
		for round := 0; round < 10 && len(todo) > 0; round++ {
			var left []stmt
			for _, s := range todo {
				if _, err := tx.Exec(`savepoint cs_purge`); err != nil {
					t.Fatal(err)
				}
				if _, err := tx.Exec(s.q, s.arg); err != nil {
					if _, err := tx.Exec(`rollback to savepoint cs_purge`); err != nil {
						t.Fatal(err)
					}
					left, lastErr = append(left, s), fmt.Errorf("%s: %w", s.q, err)
					continue
				}
				if _, err := tx.Exec(`release savepoint cs_purge`); err != nil {
					t.Fatal(err)
				}
			}
			todo = left
		}
		if len(todo) > 0 {
			t.Errorf("purge of test store %s left %d statements undone; last error: %v", store, len(todo), lastErr)
		}
		// The row counts follow the deletes of orders and cases (triggers); only the emptied cells are left.
		if _, err := tx.Exec(`delete from row_counts where tenant_id = $1`, store); err != nil {
			t.Fatal(err)
		}
	})
}

// csNewAdmin adds a platform admin (password demo.Password), deleted when the test ends, and signs it in.
func csNewAdmin(t *testing.T, w *csWorld) string {
	t.Helper()
	hash, err := tenants.HashPassword(demo.Password)
	if err != nil {
		t.Fatal(err)
	}
	id := uuid.New()
	email := "admin-" + id.String()[:8] + "@tradeguard.test"
	w.h.asSystem(t, func(tx *sqlx.Tx) {
		if _, err := tx.Exec(`insert into users (id, email, password_hash, display_name, role, created_at)
			values ($1, $2, $3, 'Second admin', 'ADMIN', $4)`, id, email, hash, w.h.Clock.Now().AddDate(0, 0, -10)); err != nil {
			t.Fatalf("second admin: %v", err)
		}
	})
	w.users = append(w.users, id)
	return w.h.login(t, email)
}

func csInputType(mutation string) string {
	switch mutation {
	case "afterSalesCaseShipReturn", "afterSalesCaseReship":
		return "AfterSalesCaseShipInput"
	}
	return inputType(mutation)
}

func csMutateRaw(t *testing.T, h *harness, token, mutation string, input map[string]any) gqlResponse {
	t.Helper()
	return h.post(t, token, `mutation($i: `+csInputType(mutation)+`!) { `+mutation+`(input: $i) { case { `+csFields+` } userErrors { code field message } } }`,
		map[string]any{"i": input})
}

// csMutate runs a case mutation and returns its payload (top-level errors fail the test).
func csMutate(t *testing.T, h *harness, token, mutation string, input map[string]any) csPayload {
	t.Helper()
	r := csMutateRaw(t, h, token, mutation, input)
	if r.Status != http.StatusOK || len(r.Errors) > 0 {
		t.Fatalf("%s: want a payload, got HTTP %d errors %+v", mutation, r.Status, r.Errors)
	}
	var p csPayload
	field(t, r, mutation, &p)
	return p
}

// csStep runs a mutation that must succeed and leave the case in status.
func csStep(t *testing.T, h *harness, token, mutation string, input map[string]any, status string) *csCase {
	t.Helper()
	p := csMutate(t, h, token, mutation, input)
	if p.Case == nil || len(p.UserErrors) > 0 {
		t.Fatalf("%s: want the case, got userErrors %+v", mutation, p.UserErrors)
	}
	if p.Case.Status != status {
		t.Fatalf("%s: case %s is %s, want %s", mutation, p.Case.Number, p.Case.Status, status)
	}
	return p.Case
}

// csRefused fails unless the payload has no case and a userError with the code on exactly that field path
// (no path: a refusal not about one field).
func csRefused(t *testing.T, what string, p csPayload, code string, path ...string) userError {
	t.Helper()
	if p.Case != nil {
		t.Fatalf("%s: want refusal %s, got case %s (%s)", what, code, p.Case.Number, p.Case.Status)
	}
	for _, e := range p.UserErrors {
		if e.Code == code {
			if !slices.Equal(e.Field, path) {
				t.Fatalf("%s: %s on field %q, want %q (%s)", what, code, e.Field, path, e.Message)
			}
			if e.Message == "" {
				t.Fatalf("%s: %s without a message", what, code)
			}
			return e
		}
	}
	t.Fatalf("%s: want userError %s, got %+v", what, code, p.UserErrors)
	return userError{}
}

func csOpen(t *testing.T, w *csWorld, orderID, typ, reason string, items []any, extra map[string]any) csPayload {
	t.Helper()
	in := map[string]any{"orderId": orderID, "type": typ, "reason": reason}
	if items != nil {
		in["items"] = items
	}
	for k, v := range extra {
		in[k] = v
	}
	return csMutate(t, w.h, w.buyer, "afterSalesCaseCreate", in)
}

func csItem(orderItemID string, quantity int) map[string]any {
	return map[string]any{"orderItemId": orderItemID, "quantity": quantity}
}

// csGet reads a case as the caller (nil when the answer is null).
func csGet(t *testing.T, h *harness, token, id string) *csCase {
	t.Helper()
	var c *csCase
	field(t, ok(t, h.post(t, token, `query($id: ID!) { afterSalesCase(id: $id) { `+csFields+` } }`, map[string]any{"id": id})), "afterSalesCase", &c)
	return c
}

func csActions(c *csCase) []string {
	var out []string
	for _, e := range c.Timeline {
		out = append(out, e.Actor+":"+e.Action)
	}
	return out
}

func csWantTimeline(t *testing.T, c *csCase, want ...string) {
	t.Helper()
	if got := csActions(c); !slices.Equal(got, want) {
		t.Fatalf("case %s timeline %v, want %v", c.Number, got, want)
	}
}

func csWantDeadline(t *testing.T, c *csCase, action string, after time.Duration, now time.Time) {
	t.Helper()
	if action == "" {
		if c.Deadline != nil {
			t.Fatalf("case %s (%s) has deadline %+v, want none", c.Number, c.Status, *c.Deadline)
		}
		return
	}
	if c.Deadline == nil || c.Deadline.Action != action || !c.Deadline.At.Equal(now.Add(after)) {
		t.Fatalf("case %s (%s) deadline %+v, want %s at %s", c.Number, c.Status, c.Deadline, action, now.Add(after))
	}
}

func csWantActions(t *testing.T, who string, c *csCase, want ...string) {
	t.Helper()
	if want == nil {
		want = []string{}
	}
	if !slices.Equal(c.AvailableActions, want) {
		t.Fatalf("%s's actions on case %s (%s): %v, want %v", who, c.Number, c.Status, c.AvailableActions, want)
	}
}

func csWantRefunds(t *testing.T, c *csCase, want ...csRefund) {
	t.Helper()
	if len(c.Refunds) != len(want) {
		t.Fatalf("case %s refunds %+v, want %+v", c.Number, c.Refunds, want)
	}
	for i, r := range want {
		got := c.Refunds[i]
		if got.Amount.Amount != r.Amount.Amount || got.Route != r.Route || got.Status != r.Status || got.Attempts != r.Attempts {
			t.Fatalf("case %s refund %d: %+v, want %+v", c.Number, i, got, r)
		}
	}
}

func csTWD(amount string) csMoney { return csMoney{Amount: amount, CurrencyCode: "TWD"} }

// ---------------------------------------------------------------- orders

type csOrderItem struct {
	ID            string
	IsGift        bool
	GiftOf        *string
	Quantity      int
	UnitPrice     csMoney
	DeclaredValue csMoney
}

type csOrder struct {
	ID, Status                 string
	Paid, Refunded, Refundable csMoney
	CancelKind                 *string
	Items                      []csOrderItem
}

func csOrderOf(t *testing.T, h *harness, token, id string) csOrder {
	t.Helper()
	var o *csOrder
	field(t, ok(t, h.post(t, token, `query($id: ID!) { order(id: $id) { id status paid { amount currencyCode }
		refunded { amount currencyCode } refundable { amount currencyCode } cancelKind
		items { id isGift giftOf quantity unitPrice { amount currencyCode } declaredValue { amount currencyCode } } } }`,
		map[string]any{"id": id})), "order", &o)
	if o == nil {
		t.Fatalf("order %s is not visible", id)
	}
	return *o
}

// csLines is the order the fixtures' tests place: product 1 × 2 (1009.90 each) with product 2 as a gift
// (declared value 2009.90).
func csLines(st fixtureStore) []any {
	return []any{map[string]any{"productId": st.ProductIDs[0], "quantity": 2,
		"gifts": []any{map[string]any{"productId": st.ProductIDs[1], "quantity": 1}}}}
}

// csPaidOrder places and pays an order (by card) as the world's buyer.
func csPaidOrder(t *testing.T, w *csWorld, lines []any) string {
	t.Helper()
	p := w.h.mutateOrder(t, w.buyer, "orderCreate", map[string]any{
		"storeId": w.st.StoreID, "paymentMethod": "CARD", "shippingAddress": address, "lines": lines})
	if p.Order == nil {
		t.Fatalf("orderCreate: %+v", p.UserErrors)
	}
	id := p.Order.ID
	p = w.h.mutateOrder(t, w.buyer, "orderPay", map[string]any{"orderId": id, "idempotencyKey": "pay-" + id})
	if p.Order == nil || p.Order.Status != "PAID" {
		t.Fatalf("orderPay: %+v", p)
	}
	return id
}

// csDeliveredOrder is a paid order the store shipped and the carrier delivered (now).
func csDeliveredOrder(t *testing.T, w *csWorld, lines []any) csOrder {
	t.Helper()
	id := csPaidOrder(t, w, lines)
	p := w.h.mutateOrder(t, w.owner, "orderShip", map[string]any{"orderId": id, "carrier": "Black Cat", "trackingNumber": "BC-" + id[:8]})
	if p.Order == nil || p.Order.Status != "SHIPPED" {
		t.Fatalf("orderShip: %+v", p)
	}
	p = w.h.mutateOrder(t, w.owner, "orderMarkDelivered", map[string]any{"orderId": id})
	if p.Order == nil || p.Order.Status != "DELIVERED" {
		t.Fatalf("orderMarkDelivered: %+v", p)
	}
	return csOrderOf(t, w.h, w.buyer, id)
}

// csLineAndGift are the order's first paid line and the gift riding on it (if any).
func csLineAndGift(t *testing.T, o csOrder) (line csOrderItem, gift *csOrderItem) {
	t.Helper()
	for _, it := range o.Items {
		if !it.IsGift {
			line = it
			break
		}
	}
	if line.ID == "" {
		t.Fatalf("order %s has no paid line: %+v", o.ID, o.Items)
	}
	for i, it := range o.Items {
		if it.IsGift && it.GiftOf != nil && *it.GiftOf == line.ID {
			gift = &o.Items[i]
		}
	}
	return line, gift
}

func csWantOrderMoney(t *testing.T, o csOrder, paid, refunded, refundable string) {
	t.Helper()
	if o.Paid.Amount != paid || o.Refunded.Amount != refunded || o.Refundable.Amount != refundable {
		t.Fatalf("order %s: paid %s refunded %s refundable %s; want %s, %s, %s", o.ID, o.Paid.Amount, o.Refunded.Amount,
			o.Refundable.Amount, paid, refunded, refundable)
	}
}

// ---------------------------------------------------------------- evidence, lists

func csPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for i := range 8 {
		img.Set(i, i, color.RGBA{R: 200, A: 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

var csPDF = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")

type csEvidencePayload struct {
	Evidence   *csEvidence
	UserErrors []userError
}

// csUpload sends caseEvidenceAdd as a GraphQL multipart request and returns the status and the exact body.
func csUpload(t *testing.T, h *harness, token, caseID, kind, filename string, data []byte) (int, []byte) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	ops, _ := json.Marshal(map[string]any{
		"query": `mutation($in: CaseEvidenceAddInput!) { caseEvidenceAdd(input: $in) {
			evidence { id kind filename contentType sizeBytes sha256 uploadedBy downloadUrl } userErrors { code field message } } }`,
		"variables": map[string]any{"in": map[string]any{"caseId": caseID, "kind": kind, "file": nil}},
	})
	if err := mw.WriteField("operations", string(ops)); err != nil {
		t.Fatal(err)
	}
	if err := mw.WriteField("map", `{"0": ["variables.in.file"]}`); err != nil {
		t.Fatal(err)
	}
	fw, err := mw.CreateFormFile("0", filename)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = fw.Write(data)
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, h.URL+"/graphql", &b)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("GraphQL-Require-Preflight", "1")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return res.StatusCode, raw
}

// csAddEvidence uploads a file that must be accepted.
func csAddEvidence(t *testing.T, h *harness, token, caseID, kind, filename string, data []byte) csEvidence {
	t.Helper()
	st, raw := csUpload(t, h, token, caseID, kind, filename, data)
	var r struct {
		Data   struct{ CaseEvidenceAdd *csEvidencePayload }
		Errors []any
	}
	if err := json.Unmarshal(raw, &r); err != nil || st != http.StatusOK || len(r.Errors) > 0 ||
		r.Data.CaseEvidenceAdd == nil || r.Data.CaseEvidenceAdd.Evidence == nil {
		t.Fatalf("caseEvidenceAdd %s: HTTP %d %.500s", filename, st, raw)
	}
	return *r.Data.CaseEvidenceAdd.Evidence
}

func csDownload(t *testing.T, h *harness, token, url string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, h.URL+url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return res.StatusCode, raw
}

func csPostMessage(t *testing.T, h *harness, token, caseID, body string) {
	t.Helper()
	r := ok(t, h.post(t, token, `mutation($i: CaseMessagePostInput!) { caseMessagePost(input: $i) { message { id author body } userErrors { code field message } } }`,
		map[string]any{"i": map[string]any{"caseId": caseID, "body": body}}))
	var p struct {
		Message    *struct{ ID, Author, Body string }
		UserErrors []userError
	}
	field(t, r, "caseMessagePost", &p)
	if p.Message == nil || len(p.UserErrors) > 0 || p.Message.Body != body {
		t.Fatalf("caseMessagePost: %+v", p)
	}
}

// csList pages through afterSalesCases (with a filter), arbitrationQueue or complaintQueue and returns the
// ids listed and the connection's totalCount.
func csList(t *testing.T, h *harness, token, connection string, filter map[string]any) (ids []string, total int) {
	t.Helper()
	decl, args := `$after: String`, `first: 100, after: $after`
	if connection == "afterSalesCases" {
		decl, args = decl+`, $filter: AfterSalesCaseFilter`, args+`, filter: $filter`
	}
	q := `query(` + decl + `) { ` + connection + `(` + args + `) { totalCount pageInfo { hasNextPage endCursor } nodes { id status } } }`
	var after any
	for range 50 {
		vars := map[string]any{"after": after}
		if connection == "afterSalesCases" {
			vars["filter"] = filter
		}
		var c struct {
			TotalCount int
			PageInfo   struct {
				HasNextPage bool
				EndCursor   *string
			}
			Nodes []struct{ ID, Status string }
		}
		field(t, ok(t, h.post(t, token, q, vars)), connection, &c)
		total = c.TotalCount
		for _, n := range c.Nodes {
			ids = append(ids, n.ID)
		}
		if !c.PageInfo.HasNextPage {
			return ids, total
		}
		if c.PageInfo.EndCursor == nil {
			t.Fatalf("%s: hasNextPage without endCursor", connection)
		}
		after = *c.PageInfo.EndCursor
	}
	t.Fatalf("%s: more than 50 pages", connection)
	return nil, 0
}

// ---------------------------------------------------------------- end to end, per type

func TestCaseRefundOnlyPartialApproval(t *testing.T) {
	w := csNewWorld(t)
	h, now := w.h, w.h.Clock.Now()
	o := csDeliveredOrder(t, w, csLines(w.st))
	line, _ := csLineAndGift(t, o)

	c := csOpen(t, w, o.ID, "REFUND_ONLY", "QUALITY_DEFECT", []any{csItem(line.ID, 1)}, map[string]any{"description": "  the screen is cracked  "}).Case
	if c == nil {
		t.Fatal("afterSalesCaseCreate refused a quality refund on a delivered order")
	}
	if c.Status != "REQUESTED" || c.Type != "REFUND_ONLY" || c.ReasonCategory != "QUALITY" || c.Requested != csTWD("1009.90") ||
		c.Approved != nil || c.Refunded != csTWD("0.00") || c.Version != 1 || !strings.HasPrefix(c.Number, "AS-") ||
		c.Description != "the screen is cracked" || c.Order == nil || c.Order.ID != o.ID || c.ClosedAt != nil {
		t.Fatalf("new case: %+v", c)
	}
	if len(c.Items) != 1 || c.Items[0].Quantity != 1 || c.Items[0].OrderItem == nil || c.Items[0].OrderItem.ID != line.ID {
		t.Fatalf("new case's items: %+v", c.Items)
	}
	csWantDeadline(t, c, "AUTO_APPROVE", 5*24*time.Hour, now) // the order shipped: the store has 5 days
	csWantActions(t, "buyer", c, "WITHDRAW")
	csWantRefunds(t, c)

	c = csStep(t, h, w.owner, "afterSalesCaseApprove", map[string]any{"caseId": c.ID, "amount": "500.00", "idempotencyKey": "approve-" + c.ID}, "REFUNDED")
	if c.Approved == nil || *c.Approved != csTWD("500.00") || c.Refunded != csTWD("500.00") || c.ClosedAt == nil || c.Version != 2 {
		t.Fatalf("approved case: %+v", c)
	}
	csWantDeadline(t, c, "", 0, now)
	csWantActions(t, "owner", c)
	csWantRefunds(t, c, csRefund{Amount: csTWD("500.00"), Route: "ORIGINAL", Status: "SUCCEEDED", Attempts: 1})
	csWantTimeline(t, c, "BUYER:OPEN", "MERCHANT:APPROVE")

	csWantOrderMoney(t, csOrderOf(t, h, w.buyer, o.ID), "2019.80", "500.00", "1519.80")
	if got := csGet(t, h, w.buyer, c.ID); got == nil || got.Status != "REFUNDED" || got.Refunded != csTWD("500.00") || len(got.AvailableActions) != 0 {
		t.Fatalf("the buyer reads the refunded case as %+v", got)
	}
}

func TestCaseReturnRefundWithMissingGift(t *testing.T) {
	w := csNewWorld(t)
	h, now := w.h, w.h.Clock.Now()
	o := csDeliveredOrder(t, w, csLines(w.st))
	line, gift := csLineAndGift(t, o)
	if gift == nil || gift.DeclaredValue != csTWD("2009.90") || line.Quantity != 2 {
		t.Fatalf("order lines: %+v", o.Items)
	}

	p := csOpen(t, w, o.ID, "RETURN_REFUND", "NO_REASON", []any{csItem(line.ID, 2)}, nil)
	if p.Case == nil {
		t.Fatalf("no-reason return on the day of delivery refused: %+v", p.UserErrors)
	}
	c := p.Case
	if c.Status != "REQUESTED" || c.ReasonCategory != "BUYER" || c.Requested != csTWD("2019.80") {
		t.Fatalf("new return: %+v", c)
	}
	id := c.ID

	c = csStep(t, h, w.owner, "afterSalesCaseApprove", map[string]any{"caseId": id, "idempotencyKey": "approve-" + id}, "AWAITING_RETURN")
	if c.Approved == nil || *c.Approved != csTWD("2019.80") || c.Refunded != csTWD("0.00") || len(c.Refunds) != 0 {
		t.Fatalf("approved return: %+v", c)
	}
	csWantDeadline(t, c, "WITHDRAW", 7*24*time.Hour, now)
	csWantActions(t, "buyer", csGet(t, h, w.buyer, id), "SHIP_RETURN", "WITHDRAW")

	c = csStep(t, h, w.buyer, "afterSalesCaseShipReturn", map[string]any{"caseId": id, "carrier": " Black Cat ", "trackingNumber": "RT-20260615"}, "RETURN_SHIPPED")
	if c.ReturnCarrier == nil || *c.ReturnCarrier != "Black Cat" || c.ReturnTrackingNumber == nil || *c.ReturnTrackingNumber != "RT-20260615" ||
		c.ReturnShippedAt == nil || c.ReturnDeliveredAt != nil {
		t.Fatalf("shipped return: %+v", c)
	}
	csWantDeadline(t, c, "AUTO_RECEIVE", 10*24*time.Hour, now) // untracked arrival: 10 days
	csWantActions(t, "owner", csGet(t, h, w.owner, id), "MARK_RETURN_DELIVERED", "RECEIVE_RETURN")

	c = csStep(t, h, w.owner, "afterSalesCaseMarkReturnDelivered", map[string]any{"caseId": id}, "RETURN_SHIPPED")
	if c.ReturnDeliveredAt == nil || !c.ReturnDeliveredAt.Equal(now) {
		t.Fatalf("delivered return: %+v", c)
	}
	csWantDeadline(t, c, "AUTO_RECEIVE", 7*24*time.Hour, now)

	c = csStep(t, h, w.owner, "afterSalesCaseReceiveReturn", map[string]any{"caseId": id, "missingGiftItemIds": []string{gift.ID},
		"idempotencyKey": "receive-" + id}, "REFUNDED")
	// 2019.80 approved, less the gift's declared 2009.90.
	if c.Approved == nil || *c.Approved != csTWD("9.90") || c.Refunded != csTWD("9.90") || c.ReturnReceivedAt == nil || c.ClosedAt == nil {
		t.Fatalf("received return: %+v", c)
	}
	csWantRefunds(t, c, csRefund{Amount: csTWD("9.90"), Route: "ORIGINAL", Status: "SUCCEEDED", Attempts: 1})
	csWantTimeline(t, c, "BUYER:OPEN", "MERCHANT:APPROVE", "BUYER:SHIP_RETURN", "MERCHANT:MARK_RETURN_DELIVERED", "MERCHANT:RECEIVE_RETURN")
	last := c.Timeline[len(c.Timeline)-1]
	if last.Note == nil || !strings.Contains(*last.Note, "2009.90") {
		t.Fatalf("the receive event does not say what the missing gift cost: %+v", last)
	}
	csWantOrderMoney(t, csOrderOf(t, h, w.buyer, o.ID), "2019.80", "9.90", "2009.90")
}

func TestCaseExchangeAndRepairComplete(t *testing.T) {
	for _, tc := range []struct {
		typ    string
		reship time.Duration // the store's time to reship after receiving the goods
	}{
		{"EXCHANGE", 48 * time.Hour},
		{"WARRANTY_REPAIR", 15 * 24 * time.Hour},
	} {
		t.Run(tc.typ, func(t *testing.T) {
			w := csNewWorld(t)
			h, now := w.h, w.h.Clock.Now()
			o := csDeliveredOrder(t, w, csLines(w.st))
			line, _ := csLineAndGift(t, o)
			p := csOpen(t, w, o.ID, tc.typ, "QUALITY_DEFECT", []any{csItem(line.ID, 1)}, nil)
			if p.Case == nil {
				t.Fatalf("open %s: %+v", tc.typ, p.UserErrors)
			}
			id := p.Case.ID
			if p.Case.Status != "REQUESTED" || p.Case.Requested != csTWD("0.00") {
				t.Fatalf("new %s: %+v", tc.typ, p.Case)
			}
			c := csStep(t, h, w.owner, "afterSalesCaseApprove", map[string]any{"caseId": id, "idempotencyKey": "approve-" + id}, "AWAITING_RETURN")
			csWantDeadline(t, c, "WITHDRAW", 7*24*time.Hour, now)
			csStep(t, h, w.buyer, "afterSalesCaseShipReturn", map[string]any{"caseId": id, "carrier": "Black Cat", "trackingNumber": "RT-" + tc.typ[:4]}, "RETURN_SHIPPED")
			csStep(t, h, w.owner, "afterSalesCaseMarkReturnDelivered", map[string]any{"caseId": id}, "RETURN_SHIPPED")
			c = csStep(t, h, w.owner, "afterSalesCaseReceiveReturn", map[string]any{"caseId": id, "idempotencyKey": "receive-" + id}, "AWAITING_RESHIP")
			csWantDeadline(t, c, "CONVERT_TO_REFUND", tc.reship, now)
			csWantActions(t, "owner", c, "RESHIP")
			c = csStep(t, h, w.owner, "afterSalesCaseReship", map[string]any{"caseId": id, "carrier": "Black Cat", "trackingNumber": "RS-20260615"}, "RESHIPPED")
			if c.ReshipCarrier == nil || *c.ReshipCarrier != "Black Cat" || c.ReshipTrackingNumber == nil || *c.ReshipTrackingNumber != "RS-20260615" || c.ReshippedAt == nil {
				t.Fatalf("reshipped: %+v", c)
			}
			csWantDeadline(t, c, "AUTO_COMPLETE", 10*24*time.Hour, now)
			csWantActions(t, "buyer", csGet(t, h, w.buyer, id), "CONFIRM_RESHIP")
			c = csStep(t, h, w.buyer, "afterSalesCaseConfirmReship", map[string]any{"caseId": id}, "COMPLETED")
			if c.ClosedAt == nil || c.Refunded != csTWD("0.00") || len(c.Refunds) != 0 {
				t.Fatalf("completed %s: %+v", tc.typ, c)
			}
			csWantDeadline(t, c, "", 0, now)
			csWantTimeline(t, c, "BUYER:OPEN", "MERCHANT:APPROVE", "BUYER:SHIP_RETURN", "MERCHANT:MARK_RETURN_DELIVERED",
				"MERCHANT:RECEIVE_RETURN", "MERCHANT:RESHIP", "BUYER:CONFIRM_RESHIP")
			csWantOrderMoney(t, csOrderOf(t, h, w.buyer, o.ID), "2019.80", "0.00", "2019.80")
		})
	}
}

func TestCaseOrderCancel(t *testing.T) {
	w := csNewWorld(t)
	h, now := w.h, w.h.Clock.Now()

	t.Run("approved: the order is cancelled for the buyer and refunded", func(t *testing.T) {
		oid := csPaidOrder(t, w, csLines(w.st))
		p := csOpen(t, w, oid, "ORDER_CANCEL", "NO_REASON", nil, nil)
		if p.Case == nil {
			t.Fatalf("cancel request on a paid order: %+v", p.UserErrors)
		}
		c := p.Case
		if c.Status != "REQUESTED" || c.Requested != csTWD("2019.80") || len(c.Items) != 1 || c.Items[0].Quantity != 2 {
			t.Fatalf("new cancel request: %+v", c)
		}
		csWantDeadline(t, c, "AUTO_APPROVE", 24*time.Hour, now)
		c = csStep(t, h, w.owner, "afterSalesCaseApprove", map[string]any{"caseId": c.ID, "idempotencyKey": "approve-" + c.ID}, "REFUNDED")
		if c.Refunded != csTWD("2019.80") || c.ClosedAt == nil || c.Order == nil || c.Order.Status != "CANCELLED" {
			t.Fatalf("approved cancel request: %+v", c)
		}
		o := csOrderOf(t, h, w.buyer, oid)
		if o.Status != "CANCELLED" || o.CancelKind == nil || *o.CancelKind != "BUYER" {
			t.Fatalf("order after the approved cancel request: %+v", o)
		}
		csWantOrderMoney(t, o, "2019.80", "2019.80", "0.00")
	})

	t.Run("the store ships instead: the request is closed", func(t *testing.T) {
		oid := csPaidOrder(t, w, csLines(w.st))
		p := csOpen(t, w, oid, "ORDER_CANCEL", "OTHER", nil, nil)
		if p.Case == nil {
			t.Fatalf("cancel request on a paid order: %+v", p.UserErrors)
		}
		sp := h.mutateOrder(t, w.owner, "orderShip", map[string]any{"orderId": oid, "carrier": "Black Cat", "trackingNumber": "BC-77777777"})
		if sp.Order == nil || sp.Order.Status != "SHIPPED" {
			t.Fatalf("orderShip with a pending cancel request: %+v", sp)
		}
		c := csGet(t, h, w.buyer, p.Case.ID)
		if c == nil || c.Status != "CLOSED" || c.ClosedAt == nil || c.Refunded != csTWD("0.00") || len(c.AvailableActions) != 0 {
			t.Fatalf("cancel request after the order shipped: %+v", c)
		}
		csWantDeadline(t, c, "", 0, now)
		csWantTimeline(t, c, "BUYER:OPEN", "MERCHANT:ORDER_SHIPPED")
		csWantOrderMoney(t, csOrderOf(t, h, w.buyer, oid), "2019.80", "0.00", "2019.80")
	})
}

func TestCaseComplaints(t *testing.T) {
	w := csNewWorld(t)
	h, now := w.h, w.h.Clock.Now()
	admin := h.login(t, adminEmail)
	o := csDeliveredOrder(t, w, csLines(w.st))

	// The store answers: a price-difference compensation.
	p := csOpen(t, w, o.ID, "COMPLAINT", "PRICE_FRAUD", nil, map[string]any{"description": "charged more than the listed price"})
	if p.Case == nil {
		t.Fatalf("complaint: %+v", p.UserErrors)
	}
	c := p.Case
	if c.Status != "REQUESTED" || c.ReasonCategory != "COMPLAINT" || c.Requested != csTWD("0.00") {
		t.Fatalf("new complaint: %+v", c)
	}
	csWantDeadline(t, c, "TO_PLATFORM", 48*time.Hour, now)
	csWantActions(t, "buyer", c, "PRIORITY_ESCALATE", "WITHDRAW")
	csWantActions(t, "owner", csGet(t, h, w.owner, c.ID), "RESOLVE_COMPLAINT")
	resolved := c.ID
	c = csStep(t, h, w.owner, "complaintResolve", map[string]any{"caseId": c.ID, "outcome": "PRICE_DIFFERENCE", "amount": "100.00",
		"idempotencyKey": "resolve-" + c.ID}, "REFUNDED")
	if c.ComplaintOutcome == nil || *c.ComplaintOutcome != "PRICE_DIFFERENCE" || c.Refunded != csTWD("100.00") || c.ClosedAt == nil {
		t.Fatalf("price difference: %+v", c)
	}
	csWantRefunds(t, c, csRefund{Amount: csTWD("100.00"), Route: "ORIGINAL", Status: "SUCCEEDED", Attempts: 1})
	csWantOrderMoney(t, csOrderOf(t, h, w.buyer, o.ID), "2019.80", "100.00", "1919.80")

	// Another complaint, escalated with priority: the platform answers.
	p = csOpen(t, w, o.ID, "COMPLAINT", "SERVICE_ATTITUDE", nil, nil)
	if p.Case == nil {
		t.Fatalf("second complaint: %+v", p.UserErrors)
	}
	id := p.Case.ID
	c = csStep(t, h, w.buyer, "complaintPriorityEscalate", map[string]any{"caseId": id}, "PLATFORM_REVIEW")
	if c.EscalatedAt == nil {
		t.Fatalf("escalated complaint: %+v", c)
	}
	csWantDeadline(t, c, "PLATFORM_ANSWERS", 4*time.Hour, now)
	csRefused(t, "second priority escalation", csMutate(t, h, w.buyer, "complaintPriorityEscalate", map[string]any{"caseId": id}), "ALREADY_PRIORITY_ESCALATED")
	csRefused(t, "the store resolving a complaint in platform review",
		csMutate(t, h, w.owner, "complaintResolve", map[string]any{"caseId": id, "outcome": "REFUND", "idempotencyKey": "late-" + id}), "INVALID_STATE")

	queue, total := csList(t, h, admin, "complaintQueue", nil)
	if !slices.Contains(queue, id) || slices.Contains(queue, resolved) || total != len(queue) {
		t.Fatalf("complaintQueue (%d, totalCount %d) lacks escalated complaint %s", len(queue), total, c.Number)
	}
	csWantActions(t, "admin", csGet(t, h, admin, id), "RESOLVE_COMPLAINT")

	c = csStep(t, h, admin, "complaintResolve", map[string]any{"caseId": id, "outcome": "REFUND", "idempotencyKey": "platform-" + id}, "REFUNDED")
	if c.ComplaintOutcome == nil || *c.ComplaintOutcome != "REFUND" || c.Refunded != csTWD("1919.80") {
		t.Fatalf("platform refund: %+v", c) // by default all the order can still refund
	}
	csWantTimeline(t, c, "BUYER:OPEN", "BUYER:PRIORITY_ESCALATE", "ADMIN:RESOLVE_COMPLAINT")
	csWantOrderMoney(t, csOrderOf(t, h, w.buyer, o.ID), "2019.80", "2019.80", "0.00")
	if queue, _ := csList(t, h, admin, "complaintQueue", nil); slices.Contains(queue, id) {
		t.Fatalf("resolved complaint %s is still in the complaint queue", c.Number)
	}
}

// ---------------------------------------------------------------- arbitration

func TestCaseArbitrationWithAppeal(t *testing.T) {
	w := csNewWorld(t)
	h, now := w.h, w.h.Clock.Now()
	admin := h.login(t, adminEmail)
	o := csDeliveredOrder(t, w, csLines(w.st))
	line, _ := csLineAndGift(t, o)
	p := csOpen(t, w, o.ID, "REFUND_ONLY", "DAMAGED_IN_TRANSIT", []any{csItem(line.ID, 1)}, nil)
	if p.Case == nil {
		t.Fatalf("open: %+v", p.UserErrors)
	}
	id := p.Case.ID

	c := csStep(t, h, w.owner, "afterSalesCaseReject", map[string]any{"caseId": id, "reason": "the photos show no damage"}, "REJECTED")
	if c.RejectionReason == nil || *c.RejectionReason != "the photos show no damage" {
		t.Fatalf("rejected: %+v", c)
	}
	csWantDeadline(t, c, "CLOSE", 7*24*time.Hour, now)
	csWantActions(t, "buyer", csGet(t, h, w.buyer, id), "REVISE", "ESCALATE", "WITHDRAW")

	c = csStep(t, h, w.buyer, "afterSalesCaseEscalate", map[string]any{"caseId": id}, "IN_ARBITRATION")
	if c.EscalatedAt == nil {
		t.Fatalf("escalated: %+v", c)
	}
	csWantDeadline(t, c, "EVIDENCE_CLOSES", 72*time.Hour, now)
	if queue, total := csList(t, h, admin, "arbitrationQueue", nil); !slices.Contains(queue, id) || total != len(queue) {
		t.Fatalf("arbitrationQueue (%d, totalCount %d) lacks case %s", len(queue), total, c.Number)
	}
	csWantActions(t, "admin", csGet(t, h, admin, id), "RULE")

	// Both sides bring evidence and talk.
	pic := csPNG(t)
	be := csAddEvidence(t, h, w.buyer, id, "PHOTO", "crushed box.png", pic)
	me := csAddEvidence(t, h, w.owner, id, "RECEIPT", "packing-slip.pdf", csPDF)
	if be.ContentType != "image/png" || be.UploadedBy != "BUYER" || be.SizeBytes != len(pic) || be.Kind != "PHOTO" ||
		me.ContentType != "application/pdf" || me.UploadedBy != "MERCHANT" || me.SizeBytes != len(csPDF) {
		t.Fatalf("evidence: buyer %+v, merchant %+v", be, me)
	}
	csPostMessage(t, h, w.buyer, id, "The box arrived crushed.")
	csPostMessage(t, h, w.owner, id, "We packed it with foam.")
	for _, tok := range []string{w.buyer, w.owner, admin} {
		for _, e := range []struct {
			ev   csEvidence
			data []byte
		}{{be, pic}, {me, csPDF}} {
			if st, got := csDownload(t, h, tok, e.ev.DownloadURL); st != http.StatusOK || !bytes.Equal(got, e.data) {
				t.Fatalf("download %s: HTTP %d, %d bytes", e.ev.Filename, st, len(got))
			}
		}
	}
	c = csGet(t, h, admin, id)
	// Both files carry the same instant (the clock stands still), so their order is not asserted.
	var evidenceIDs []string
	for _, e := range c.Evidence {
		evidenceIDs = append(evidenceIDs, e.ID)
	}
	if len(c.Evidence) != 2 || !slices.Contains(evidenceIDs, be.ID) || !slices.Contains(evidenceIDs, me.ID) || len(c.Messages) != 2 ||
		c.Messages[0].Author != "BUYER" || c.Messages[1].Author != "MERCHANT" || c.Messages[1].Body != "We packed it with foam." {
		t.Fatalf("the admin reads evidence %+v and messages %+v", c.Evidence, c.Messages)
	}

	// The ruling: for the buyer, partly.
	c = csStep(t, h, admin, "arbitrationRule", map[string]any{"caseId": id, "forBuyer": true, "amount": "600.00", "liability": "CARRIER",
		"note": "damage in transit is likely; part of the value is refunded"}, "IN_ARBITRATION")
	if c.Ruling == nil || *c.Ruling != "FOR_BUYER" || c.Liability == nil || *c.Liability != "CARRIER" || c.RuledAt == nil ||
		c.Approved == nil || *c.Approved != csTWD("600.00") || c.Refunded != csTWD("0.00") || len(c.Refunds) != 0 {
		t.Fatalf("ruled: %+v", c)
	}
	csWantDeadline(t, c, "RULING_FINAL", 7*24*time.Hour, now)
	csWantActions(t, "owner", csGet(t, h, w.owner, id), "APPEAL")
	csRefused(t, "the winning buyer appealing", csMutate(t, h, w.buyer, "arbitrationAppeal", map[string]any{"caseId": id, "reason": "more"}), "NOT_THE_LOSING_SIDE")

	c = csStep(t, h, w.owner, "arbitrationAppeal", map[string]any{"caseId": id, "reason": "the carrier confirmed an intact delivery"}, "IN_ARBITRATION")
	if c.AppealedAt == nil {
		t.Fatalf("appealed: %+v", c)
	}
	csWantDeadline(t, c, "", 0, now)
	version := c.Version

	decide := map[string]any{"caseId": id, "uphold": true, "note": "the ruling stands", "idempotencyKey": "decide-" + id}
	csRefused(t, "the ruling admin deciding the appeal", csMutate(t, h, admin, "arbitrationAppealDecide", decide), "SAME_ADMIN")
	if c = csGet(t, h, admin, id); c.Version != version || c.AppealOutcome != nil || c.Status != "IN_ARBITRATION" {
		t.Fatalf("the refused decision changed the case: %+v", c)
	}

	second := csNewAdmin(t, w)
	c = csStep(t, h, second, "arbitrationAppealDecide", decide, "REFUNDED")
	if c.AppealOutcome == nil || *c.AppealOutcome != "UPHELD" || c.Ruling == nil || *c.Ruling != "FOR_BUYER" ||
		c.Refunded != csTWD("600.00") || c.ClosedAt == nil {
		t.Fatalf("decided: %+v", c)
	}
	csWantRefunds(t, c, csRefund{Amount: csTWD("600.00"), Route: "ORIGINAL", Status: "SUCCEEDED", Attempts: 1})
	csWantTimeline(t, c, "BUYER:OPEN", "MERCHANT:REJECT", "BUYER:ESCALATE", "BUYER:EVIDENCE_ADDED", "MERCHANT:EVIDENCE_ADDED",
		"ADMIN:RULE", "MERCHANT:APPEAL", "ADMIN:DECIDE_APPEAL")
	csWantOrderMoney(t, csOrderOf(t, h, w.buyer, o.ID), "2019.80", "600.00", "1419.80")
	if queue, _ := csList(t, h, admin, "arbitrationQueue", nil); slices.Contains(queue, id) {
		t.Fatalf("decided case %s is still in the arbitration queue", c.Number)
	}
}

// ---------------------------------------------------------------- refusals, money once, versions

func TestCaseRefusals(t *testing.T) {
	w := csNewWorld(t)
	h := w.h
	o := csDeliveredOrder(t, w, csLines(w.st))
	line, _ := csLineAndGift(t, o)
	orderUUIDs := isoParseID(t, o.ID, "Order")
	cases := func() int {
		return h.sysCount(t, `select count(*) from cases where tenant_id = $1 and order_id = $2`, orderUUIDs[0], orderUUIDs[1])
	}

	csRefused(t, "a no-reason exchange", csOpen(t, w, o.ID, "EXCHANGE", "NO_REASON", []any{csItem(line.ID, 1)}, nil),
		"REASON_NOT_ALLOWED", "input", "reason")
	csRefused(t, "returning 3 of 2", csOpen(t, w, o.ID, "RETURN_REFUND", "QUALITY_DEFECT", []any{csItem(line.ID, 3)}, nil),
		"NOT_RETURNABLE", "input", "items", "0", "quantity")
	csRefused(t, "asking more than the line is worth", csOpen(t, w, o.ID, "REFUND_ONLY", "QUALITY_DEFECT", []any{csItem(line.ID, 1)},
		map[string]any{"amount": "1009.91"}), "INVALID_AMOUNT", "input", "amount")
	csRefused(t, "an amount with 3 decimals", csOpen(t, w, o.ID, "REFUND_ONLY", "QUALITY_DEFECT", []any{csItem(line.ID, 1)},
		map[string]any{"amount": "10.001"}), "INVALID_AMOUNT", "input", "amount")
	csRefused(t, "a cancel request on a delivered order", csOpen(t, w, o.ID, "ORDER_CANCEL", "NO_REASON", nil, nil),
		"ALREADY_SHIPPED", "input", "orderId")
	if n := cases(); n != 0 {
		t.Fatalf("refused requests stored %d cases", n)
	}

	p := csOpen(t, w, o.ID, "REFUND_ONLY", "QUALITY_DEFECT", []any{csItem(line.ID, 1)}, nil)
	if p.Case == nil {
		t.Fatalf("open: %+v", p.UserErrors)
	}
	id := p.Case.ID
	csRefused(t, "a second refund of the same type", csOpen(t, w, o.ID, "REFUND_ONLY", "QUALITY_DEFECT", []any{csItem(line.ID, 1)}, nil),
		"CASE_ALREADY_OPEN", "input", "type")
	// One of the two units is claimed by the open refund: one is left to return.
	e := csRefused(t, "returning both units while one is claimed", csOpen(t, w, o.ID, "RETURN_REFUND", "QUALITY_DEFECT", []any{csItem(line.ID, 2)}, nil),
		"NOT_RETURNABLE", "input", "items", "0", "quantity")
	if !strings.Contains(e.Message, "1 left") {
		t.Fatalf("NOT_RETURNABLE does not say how many are left: %q", e.Message)
	}
	if n := cases(); n != 1 {
		t.Fatalf("refused requests stored cases: %d, want 1", n)
	}

	for _, key := range []string{"", "   ", strings.Repeat("k", 201)} {
		csRefused(t, fmt.Sprintf("approve with key %.10q", key), csMutate(t, h, w.owner, "afterSalesCaseApprove", map[string]any{"caseId": id, "idempotencyKey": key}),
			"IDEMPOTENCY_KEY_REQUIRED", "input", "idempotencyKey")
	}
	csRefused(t, "approving more than was asked", csMutate(t, h, w.owner, "afterSalesCaseApprove", map[string]any{"caseId": id, "amount": "1009.91", "idempotencyKey": "over-" + id}),
		"INVALID_AMOUNT", "input", "amount")
	csRefused(t, "rejecting without a reason", csMutate(t, h, w.owner, "afterSalesCaseReject", map[string]any{"caseId": id, "reason": "  "}),
		"REASON_REQUIRED", "input", "reason")
	csRefused(t, "escalating at once", csMutate(t, h, w.buyer, "afterSalesCaseEscalate", map[string]any{"caseId": id}), "TOO_EARLY_TO_ESCALATE")
	if c := csGet(t, h, w.owner, id); c.Version != 1 || c.Status != "REQUESTED" || len(c.Refunds) != 0 || len(c.Timeline) != 1 {
		t.Fatalf("refused actions changed the case: %+v", c)
	}

	t.Run("no-reason return of a custom-made product is excluded by law", func(t *testing.T) {
		pid := uuid.New()
		h.asSystem(t, func(tx *sqlx.Tx) {
			if _, err := tx.Exec(`insert into products (tenant_id, id, sku, title, category, price_minor, currency, warranty_days, status, created_at)
				values ($1, $2, 'T-CUSTOM', 'Engraved nameplate', 'custom_made', 150000, 'TWD', 90, 'ACTIVE', $3)`,
				w.st.UUID, pid, h.Clock.Now().AddDate(0, 0, -5)); err != nil {
				t.Fatal(err)
			}
		})
		co := csDeliveredOrder(t, w, []any{map[string]any{"productId": fixtureGlobalID("Product", w.st.UUID, pid), "quantity": 1}})
		cl, _ := csLineAndGift(t, co)
		e := csRefused(t, "no-reason return of a custom-made product", csOpen(t, w, co.ID, "RETURN_REFUND", "NO_REASON", []any{csItem(cl.ID, 1)}, nil),
			"EXCLUDED_BY_LAW", "input", "items", "0", "orderItemId")
		if !strings.Contains(e.Message, "custom_made") {
			t.Fatalf("EXCLUDED_BY_LAW does not name the category: %q", e.Message)
		}
		// The exclusion is the no-reason right's only: a defect is still returned.
		if p := csOpen(t, w, co.ID, "RETURN_REFUND", "QUALITY_DEFECT", []any{csItem(cl.ID, 1)}, nil); p.Case == nil || p.Case.Requested != csTWD("1500.00") {
			t.Fatalf("quality return of a custom-made product: %+v", p)
		}
	})

	t.Run("refund account refusals name the input's fields", func(t *testing.T) {
		p := csMutate(t, h, w.buyer, "afterSalesCaseRefundAccountSet", map[string]any{"caseId": id, "bankCode": "81", "accountNumber": "12-34", "holder": " "})
		csRefused(t, "bank code", p, "INVALID_BANK_CODE", "input", "bankCode")
		csRefused(t, "account number", p, "INVALID_BANK_ACCOUNT_NUMBER", "input", "accountNumber")
		csRefused(t, "holder", p, "INVALID_ACCOUNT_HOLDER", "input", "holder")
	})
}

func TestCaseIdempotentApprovalAndStaleVersion(t *testing.T) {
	w := csNewWorld(t)
	h := w.h
	o := csDeliveredOrder(t, w, csLines(w.st))
	line, _ := csLineAndGift(t, o)
	p := csOpen(t, w, o.ID, "REFUND_ONLY", "NOT_AS_DESCRIBED", []any{csItem(line.ID, 1)}, nil)
	if p.Case == nil {
		t.Fatalf("open: %+v", p.UserErrors)
	}
	id := p.Case.ID
	caseUUIDs := isoParseID(t, id, "AfterSalesCase")
	refunds := func() int {
		return h.sysCount(t, `select count(*) from refunds where tenant_id = $1 and case_id = $2`, caseUUIDs[0], caseUUIDs[1])
	}

	// The store rejects, the buyer revises: a view of the case from before the revision is stale.
	c := csStep(t, h, w.owner, "afterSalesCaseReject", map[string]any{"caseId": id, "reason": "please describe what differs", "expectedVersion": 1}, "REJECTED")
	stale := c.Version
	c = csStep(t, h, w.buyer, "afterSalesCaseRevise", map[string]any{"caseId": id, "description": "the colour is blue, not black", "expectedVersion": stale}, "REQUESTED")
	if c.Revisions != 1 || c.Version != stale+1 {
		t.Fatalf("revised: %+v", c)
	}
	current := c.Version

	r := csMutateRaw(t, h, w.owner, "afterSalesCaseApprove", map[string]any{"caseId": id, "idempotencyKey": "stale-" + id, "expectedVersion": stale})
	if r.code() != "CONFLICT" || !isoIsNull(r, "afterSalesCaseApprove") {
		t.Fatalf("approve on a stale version: HTTP %d errors %+v data %s", r.Status, r.Errors, r.Data["afterSalesCaseApprove"])
	}
	r = csMutateRaw(t, h, w.owner, "afterSalesCaseReject", map[string]any{"caseId": id, "reason": "no", "expectedVersion": stale})
	if r.code() != "CONFLICT" {
		t.Fatalf("reject on a stale version: %+v", r.Errors)
	}
	if c := csGet(t, h, w.owner, id); c.Version != current || c.Status != "REQUESTED" || refunds() != 0 {
		t.Fatalf("stale actions changed the case: version %d status %s, %d refunds", c.Version, c.Status, refunds())
	}

	key := "approve-once-" + id
	first := csStep(t, h, w.owner, "afterSalesCaseApprove", map[string]any{"caseId": id, "idempotencyKey": key, "expectedVersion": current}, "REFUNDED")
	again := csStep(t, h, w.owner, "afterSalesCaseApprove", map[string]any{"caseId": id, "idempotencyKey": key, "expectedVersion": current}, "REFUNDED")
	if again.ID != first.ID || again.Version != first.Version || again.Refunded != csTWD("1009.90") || len(again.Refunds) != 1 || len(again.Timeline) != len(first.Timeline) {
		t.Fatalf("the repeated approval: %+v, the first: %+v", again, first)
	}
	if n := refunds(); n != 1 {
		t.Fatalf("two approvals with one key made %d refunds", n)
	}
	csWantOrderMoney(t, csOrderOf(t, h, w.buyer, o.ID), "2019.80", "1009.90", "1009.90")
	csRefused(t, "a new approval of a refunded case", csMutate(t, h, w.owner, "afterSalesCaseApprove", map[string]any{"caseId": id, "idempotencyKey": "another-" + id}), "INVALID_STATE")
	if n := refunds(); n != 1 {
		t.Fatalf("%d refunds after a refused approval", n)
	}
}

func TestCaseRefundFailureAndRetry(t *testing.T) {
	w := csNewWorld(t)
	h := w.h
	o := csDeliveredOrder(t, w, csLines(w.st))
	line, _ := csLineAndGift(t, o)
	p := csOpen(t, w, o.ID, "REFUND_ONLY", "WRONG_ITEM", []any{csItem(line.ID, 1)}, nil)
	if p.Case == nil {
		t.Fatalf("open: %+v", p.UserErrors)
	}
	id := p.Case.ID

	h.FailRefunds.Store(true)
	t.Cleanup(func() { h.FailRefunds.Store(false) })
	c := csStep(t, h, w.owner, "afterSalesCaseApprove", map[string]any{"caseId": id, "idempotencyKey": "approve-" + id}, "REFUND_FAILED")
	csWantRefunds(t, c, csRefund{Amount: csTWD("1009.90"), Route: "ORIGINAL", Status: "FAILED", Attempts: 1})
	if c.Refunds[0].LastError == nil || !strings.Contains(*c.Refunds[0].LastError, "unreachable") || c.Refunded != csTWD("0.00") {
		t.Fatalf("failed refund: %+v", c)
	}
	csWantActions(t, "owner", c, "RETRY_REFUND")
	csWantOrderMoney(t, csOrderOf(t, h, w.buyer, o.ID), "2019.80", "0.00", "2019.80")

	h.FailRefunds.Store(false)
	c = csStep(t, h, w.owner, "afterSalesCaseRefundRetry", map[string]any{"caseId": id, "idempotencyKey": "retry-" + id}, "REFUNDED")
	csWantRefunds(t, c,
		csRefund{Amount: csTWD("1009.90"), Route: "ORIGINAL", Status: "FAILED", Attempts: 1},
		csRefund{Amount: csTWD("1009.90"), Route: "ORIGINAL", Status: "SUCCEEDED", Attempts: 2})
	csWantOrderMoney(t, csOrderOf(t, h, w.buyer, o.ID), "2019.80", "1009.90", "1009.90")
}

// ---------------------------------------------------------------- who may do what

func TestCaseAvailableActionsByCaller(t *testing.T) {
	w := csNewWorld(t)
	h := w.h
	o := csDeliveredOrder(t, w, csLines(w.st))
	line, _ := csLineAndGift(t, o)
	p := csOpen(t, w, o.ID, "REFUND_ONLY", "QUALITY_DEFECT", []any{csItem(line.ID, 1)}, nil)
	if p.Case == nil {
		t.Fatalf("open: %+v", p.UserErrors)
	}
	_, readWrite := isoCreateToken(t, h, w.owner, "cs-erp-rw", "CASES_READ", "CASES_WRITE")
	_, readOnly := isoCreateToken(t, h, w.owner, "cs-erp-ro", "CASES_READ")
	for _, tc := range []struct {
		who   string
		token string
		want  []string
	}{
		{"buyer", w.buyer, []string{"WITHDRAW"}},
		{"owner", w.owner, []string{"APPROVE", "REJECT"}},
		{"admin", h.login(t, adminEmail), []string{}},
		{"partner token with CASES_READ and CASES_WRITE", readWrite, []string{"APPROVE", "REJECT"}},
		{"partner token with CASES_READ only", readOnly, []string{}},
	} {
		t.Run(tc.who, func(t *testing.T) {
			var c *struct {
				Status           string
				AvailableActions []string
			}
			field(t, ok(t, h.post(t, tc.token, `query($id: ID!) { afterSalesCase(id: $id) { status availableActions } }`,
				map[string]any{"id": p.Case.ID})), "afterSalesCase", &c)
			if c == nil || c.Status != "REQUESTED" || !slices.Equal(c.AvailableActions, tc.want) {
				t.Fatalf("%s reads %+v, want actions %v", tc.who, c, tc.want)
			}
		})
	}
}

func TestCasePlatformRolesAndTokenScopes(t *testing.T) {
	w := csNewWorld(t)
	h := w.h
	o := csDeliveredOrder(t, w, csLines(w.st))
	line, _ := csLineAndGift(t, o)
	p := csOpen(t, w, o.ID, "REFUND_ONLY", "QUALITY_DEFECT", []any{csItem(line.ID, 1)}, nil)
	if p.Case == nil {
		t.Fatalf("open: %+v", p.UserErrors)
	}
	id := p.Case.ID
	maple := h.login(t, mapleOwner)
	agent := h.login(t, lotusAgent)
	_, readOnly := isoCreateToken(t, h, w.owner, "cs-ro", "CASES_READ")
	_, writeOnly := isoCreateToken(t, h, w.owner, "cs-wo", "CASES_WRITE")
	_, ordersOnly := isoCreateToken(t, h, w.owner, "cs-orders", "ORDERS_READ")
	version := func() int { return csGet(t, h, w.owner, id).Version }
	before := version()

	t.Run("only admins read the platform's queues and rule", func(t *testing.T) {
		for _, who := range []struct{ name, token string }{{"buyer", w.buyer}, {"owner", w.owner}, {"other owner", maple}, {"agent", agent}, {"token", readOnly}} {
			isoExpectCode(t, h.post(t, who.token, `{ arbitrationQueue { totalCount nodes { id } } }`, nil), "FORBIDDEN", "arbitrationQueue")
			isoExpectCode(t, h.post(t, who.token, `{ complaintQueue { totalCount nodes { id } } }`, nil), "FORBIDDEN", "complaintQueue")
			r := csMutateRaw(t, h, who.token, "arbitrationRule", map[string]any{"caseId": id, "forBuyer": true, "liability": "MERCHANT", "note": "mine"})
			isoExpectCode(t, r, "FORBIDDEN", "arbitrationRule")
		}
		isoExpectCode(t, h.post(t, "", `{ afterSalesCases { totalCount } }`, nil), "UNAUTHENTICATED", "afterSalesCases")
		isoExpectCode(t, h.post(t, "", `{ arbitrationQueue { totalCount } }`, nil), "UNAUTHENTICATED", "arbitrationQueue")
	})

	t.Run("a token with CASES_READ only lists and reads but may not approve", func(t *testing.T) {
		ids, total := csList(t, h, readOnly, "afterSalesCases", nil)
		if !slices.Equal(ids, []string{id}) || total != 1 {
			t.Fatalf("read-only token lists %v (totalCount %d), want only %s", ids, total, id)
		}
		var c *struct{ ID, Status string }
		field(t, ok(t, h.post(t, readOnly, `query($id: ID!) { afterSalesCase(id: $id) { id status } }`, map[string]any{"id": id})), "afterSalesCase", &c)
		if c == nil || c.ID != id {
			t.Fatalf("read-only token reads %+v", c)
		}
		r := csMutateRaw(t, h, readOnly, "afterSalesCaseApprove", map[string]any{"caseId": id, "idempotencyKey": "token-" + id})
		isoExpectCode(t, r, "FORBIDDEN", "afterSalesCaseApprove")
		r = csMutateRaw(t, h, readOnly, "afterSalesCaseReject", map[string]any{"caseId": id, "reason": "token says no"})
		isoExpectCode(t, r, "FORBIDDEN", "afterSalesCaseReject")
		if v := version(); v != before {
			t.Fatalf("refused token actions moved the case from version %d to %d", before, v)
		}
	})

	t.Run("a token without CASES_READ may not list or read cases", func(t *testing.T) {
		for _, tok := range []string{writeOnly, ordersOnly} {
			isoExpectCode(t, h.post(t, tok, `{ afterSalesCases { totalCount nodes { id } } }`, nil), "FORBIDDEN", "afterSalesCases")
			isoExpectCode(t, h.post(t, tok, `query($id: ID!) { afterSalesCase(id: $id) { id } }`, map[string]any{"id": id}), "FORBIDDEN", "afterSalesCase")
		}
	})
}

// ---------------------------------------------------------------- isolation

func TestCaseIsolation(t *testing.T) {
	w := csNewWorld(t)
	h := w.h
	o := csDeliveredOrder(t, w, csLines(w.st))
	line, gift := csLineAndGift(t, o)
	p := csOpen(t, w, o.ID, "REFUND_ONLY", "QUALITY_DEFECT", []any{csItem(line.ID, 1)}, nil)
	if p.Case == nil {
		t.Fatalf("open: %+v", p.UserErrors)
	}
	id := p.Case.ID
	ev := csAddEvidence(t, h, w.buyer, id, "PHOTO", "crack.png", csPNG(t))
	csPostMessage(t, h, w.buyer, id, "see the photo")
	caseUUIDs := isoParseID(t, id, "AfterSalesCase")
	missing := []string{fixtureGlobalID("AfterSalesCase", uuid.New(), uuid.New()), fixtureGlobalID("AfterSalesCase", w.st.UUID, uuid.New())}

	type snapshot struct{ version, events, messages, evidence, refunds int }
	snap := func() snapshot {
		var s snapshot
		s.version = csGet(t, h, w.owner, id).Version
		for _, tc := range []struct {
			n     *int
			table string
		}{{&s.events, "case_events"}, {&s.messages, "case_messages"}, {&s.evidence, "evidence"}, {&s.refunds, "refunds"}} {
			*tc.n = h.sysCount(t, `select count(*) from `+tc.table+` where tenant_id = $1 and case_id = $2`, caseUUIDs[0], caseUUIDs[1])
		}
		return s
	}
	before := snap()

	others := []struct {
		name, token, role string
	}{
		{"another store's owner", h.login(t, mapleOwner), "MERCHANT"},
		{"another buyer", h.login(t, buyer2), "BUYER"},
	}

	// Every case mutation, with a valid input, and the roles the schema lets call it.
	key := "iso-key"
	mutations := []struct {
		name  string
		roles []string
		input map[string]any
	}{
		{"afterSalesCaseApprove", []string{"MERCHANT"}, map[string]any{"idempotencyKey": key}},
		{"afterSalesCaseApprove", []string{"MERCHANT"}, map[string]any{"idempotencyKey": key, "amount": "1.00"}},
		{"afterSalesCaseReject", []string{"MERCHANT"}, map[string]any{"reason": "no"}},
		{"afterSalesCaseRevise", []string{"BUYER"}, map[string]any{"description": "again"}},
		{"afterSalesCaseWithdraw", []string{"BUYER"}, map[string]any{}},
		{"afterSalesCaseEscalate", []string{"BUYER", "MERCHANT"}, map[string]any{}},
		{"afterSalesCaseShipReturn", []string{"BUYER"}, map[string]any{"carrier": "Black Cat", "trackingNumber": "RT-12345678"}},
		{"afterSalesCaseMarkReturnDelivered", []string{"MERCHANT"}, map[string]any{}},
		{"afterSalesCaseReceiveReturn", []string{"MERCHANT"}, map[string]any{"idempotencyKey": key, "missingGiftItemIds": []string{gift.ID}}},
		{"afterSalesCaseReship", []string{"MERCHANT"}, map[string]any{"carrier": "Black Cat", "trackingNumber": "RS-12345678"}},
		{"afterSalesCaseConfirmReship", []string{"BUYER"}, map[string]any{}},
		{"afterSalesCaseRefundRetry", []string{"MERCHANT"}, map[string]any{"idempotencyKey": key}},
		{"afterSalesCaseRefundAccountSet", []string{"BUYER"}, map[string]any{"bankCode": "812", "accountNumber": "1234567890123", "holder": "Lin Mei"}},
		{"complaintResolve", []string{"MERCHANT"}, map[string]any{"outcome": "REFUND", "idempotencyKey": key}},
		{"complaintResolve", []string{"MERCHANT"}, map[string]any{"outcome": "PRICE_DIFFERENCE", "amount": "1.00", "idempotencyKey": key}},
		{"complaintPriorityEscalate", []string{"BUYER"}, map[string]any{}},
		{"arbitrationRule", nil, map[string]any{"forBuyer": true, "liability": "MERCHANT", "note": "x"}},
		{"arbitrationAppeal", []string{"BUYER", "MERCHANT"}, map[string]any{"reason": "x"}},
		{"arbitrationAppealDecide", nil, map[string]any{"uphold": true, "note": "x", "idempotencyKey": key}},
	}
	with := func(in map[string]any, caseID string) map[string]any {
		out := map[string]any{"caseId": caseID}
		for k, v := range in {
			out[k] = v
		}
		return out
	}
	mutationQuery := func(name string) string {
		return `mutation($i: ` + csInputType(name) + `!) { ` + name + `(input: $i) { case { id status version } userErrors { code field message } } }`
	}

	for _, who := range others {
		t.Run(who.name, func(t *testing.T) {
			for _, q := range []struct{ name, query, field string }{
				{"afterSalesCase", `query($id: ID!) { afterSalesCase(id: $id) { id status evidence { id } messages { body } } }`, "afterSalesCase"},
				{"node", `query($id: ID!) { node(id: $id) { id ... on AfterSalesCase { status } } }`, "node"},
			} {
				if isoIsNull(ok(t, h.post(t, w.owner, q.query, map[string]any{"id": id})), q.field) {
					t.Fatalf("control: the owner cannot read the case through %s", q.name)
				}
				isoExpectNull(t, h.post(t, who.token, q.query, map[string]any{"id": id}), q.field)
				st1, foreign := isoPostRaw(t, h, who.token, q.query, map[string]any{"id": id})
				for _, m := range missing {
					if st2, absent := isoPostRaw(t, h, who.token, q.query, map[string]any{"id": m}); st1 != st2 || !bytes.Equal(foreign, absent) {
						t.Fatalf("%s: the case answers differently from a missing one:\n foreign HTTP %d %s\n missing HTTP %d %s", q.name, st1, foreign, st2, absent)
					}
				}
			}

			for _, m := range mutations {
				st1, foreign := isoPostRaw(t, h, who.token, mutationQuery(m.name), map[string]any{"i": with(m.input, id)})
				want := "FORBIDDEN"
				if slices.Contains(m.roles, who.role) {
					want = "NOT_FOUND"
				}
				var r gqlResponse
				if err := json.Unmarshal(foreign, &r); err != nil || r.code() != want || !isoIsNull(r, m.name) {
					t.Fatalf("%s %v: HTTP %d %s; want %s", m.name, m.input, st1, foreign, want)
				}
				for _, missingID := range missing {
					if st2, absent := isoPostRaw(t, h, who.token, mutationQuery(m.name), map[string]any{"i": with(m.input, missingID)}); st1 != st2 || !bytes.Equal(foreign, absent) {
						t.Fatalf("%s: the case answers differently from a missing one:\n foreign HTTP %d %s\n missing HTTP %d %s", m.name, st1, foreign, st2, absent)
					}
				}
			}

			// The message thread and evidence upload.
			msg := `mutation($i: CaseMessagePostInput!) { caseMessagePost(input: $i) { message { id } userErrors { code } } }`
			st1, foreign := isoPostRaw(t, h, who.token, msg, map[string]any{"i": map[string]any{"caseId": id, "body": "hello"}})
			if !bytes.Contains(foreign, []byte(`"NOT_FOUND"`)) {
				t.Fatalf("caseMessagePost: HTTP %d %s", st1, foreign)
			}
			for _, m := range missing {
				if st2, absent := isoPostRaw(t, h, who.token, msg, map[string]any{"i": map[string]any{"caseId": m, "body": "hello"}}); st1 != st2 || !bytes.Equal(foreign, absent) {
					t.Fatalf("caseMessagePost answers differently:\n %s\n %s", foreign, absent)
				}
			}
			st1, foreign = csUpload(t, h, who.token, id, "PHOTO", "x.png", csPNG(t))
			if !bytes.Contains(foreign, []byte(`"NOT_FOUND"`)) {
				t.Fatalf("caseEvidenceAdd: HTTP %d %s", st1, foreign)
			}
			for _, m := range missing {
				if st2, absent := csUpload(t, h, who.token, m, "PHOTO", "x.png", csPNG(t)); st1 != st2 || !bytes.Equal(foreign, absent) {
					t.Fatalf("caseEvidenceAdd answers differently:\n %s\n %s", foreign, absent)
				}
			}

			// The evidence download.
			if st, _ := csDownload(t, h, w.buyer, ev.DownloadURL); st != http.StatusOK {
				t.Fatalf("control: the buyer downloads its evidence with HTTP %d", st)
			}
			st1, foreign = csDownload(t, h, who.token, ev.DownloadURL)
			for _, url := range []string{"/evidence/" + w.st.UUID.String() + "/" + uuid.NewString(), "/evidence/" + uuid.NewString() + "/" + uuid.NewString()} {
				if st2, absent := csDownload(t, h, who.token, url); st1 != http.StatusNotFound || st1 != st2 || !bytes.Equal(foreign, absent) {
					t.Fatalf("evidence download answers differently from a missing one:\n foreign HTTP %d %s\n missing HTTP %d %s", st1, foreign, st2, absent)
				}
			}

			// Opening a case on someone else's order.
			create := mutationQuery("afterSalesCaseCreate")
			in := func(orderID string) map[string]any {
				return map[string]any{"i": map[string]any{"orderId": orderID, "type": "REFUND_ONLY", "reason": "QUALITY_DEFECT", "items": []any{csItem(line.ID, 1)}}}
			}
			st1, foreign = isoPostRaw(t, h, who.token, create, in(o.ID))
			want := `"NOT_FOUND"`
			if who.role != "BUYER" {
				want = `"FORBIDDEN"`
			}
			if !bytes.Contains(foreign, []byte(want)) {
				t.Fatalf("afterSalesCaseCreate on another buyer's order: HTTP %d %s", st1, foreign)
			}
			for _, m := range []string{fixtureGlobalID("Order", w.st.UUID, uuid.New()), fixtureGlobalID("Order", uuid.New(), uuid.New())} {
				if st2, absent := isoPostRaw(t, h, who.token, create, in(m)); st1 != st2 || !bytes.Equal(foreign, absent) {
					t.Fatalf("afterSalesCaseCreate answers differently:\n %s\n %s", foreign, absent)
				}
			}

			// Lists.
			ids, total := csList(t, h, who.token, "afterSalesCases", nil)
			if slices.Contains(ids, id) || total != len(ids) {
				t.Fatalf("afterSalesCases lists the case (%d listed, totalCount %d)", len(ids), total)
			}
			for _, f := range []map[string]any{{"orderId": o.ID}, {"storeId": w.st.StoreID}, {"storeId": w.st.StoreID, "openOnly": true}} {
				if ids, total := csList(t, h, who.token, "afterSalesCases", f); len(ids) != 0 || total != 0 {
					t.Fatalf("afterSalesCases(filter: %v): %v, totalCount %d", f, ids, total)
				}
			}
		})
	}

	if after := snap(); after != before {
		t.Fatalf("refused callers changed the case: before %+v, after %+v", before, after)
	}
	// The case's own parties still list it.
	for _, tok := range []string{w.buyer, w.owner} {
		if ids, _ := csList(t, h, tok, "afterSalesCases", map[string]any{"orderId": o.ID}); !slices.Equal(ids, []string{id}) {
			t.Fatalf("control: the case's own party lists %v", ids)
		}
	}
}
