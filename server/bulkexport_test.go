package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"tradeguard/exports"
	"tradeguard/internal/gid"
	"tradeguard/webhooks"
)

// Bulk export (README: Bulk export): queued by GraphQL, written in the background in chunks by an exporter
// (here one the test ticks), downloaded over HTTP with the same credentials, announced by
// bulk_export.finished; refused by field for bad input; restarted from scratch when its process died.

const exportFields = `id kind format status rowsTotal rowsDone progress bytes snapshotAt error downloadPath
	filter { createdFrom createdTo updatedSince } createdAt finishedAt expiresAt`

type exportView struct {
	ID, Kind, Format, Status string
	RowsTotal                *int
	RowsDone                 int
	Progress                 float64
	Bytes                    float64
	Error                    *string
	DownloadPath             *string
	Filter                   struct{ CreatedFrom, CreatedTo, UpdatedSince *string }
}

type exportPayload struct {
	Export     *exportView
	UserErrors []userError
}

func createExport(t *testing.T, h *harness, token string, input map[string]any) exportPayload {
	t.Helper()
	r := ok(t, h.post(t, token, `mutation($i: BulkExportCreateInput!) { bulkExportCreate(input: $i) {
		export { `+exportFields+` } userErrors { code field message } } }`, map[string]any{"i": input}))
	var p exportPayload
	field(t, r, "bulkExportCreate", &p)
	return p
}

func getExport(t *testing.T, h *harness, token, id string) *exportView {
	t.Helper()
	r := ok(t, h.post(t, token, `query($id: ID!) { bulkExport(id: $id) { `+exportFields+` } }`, map[string]any{"id": id}))
	var e *exportView
	field(t, r, "bulkExport", &e)
	return e
}

func testExporter(h *harness, chunk, batch int) *exports.Exporter {
	return &exports.Exporter{DB: h.App, Now: h.Clock.Now, Log: slog.New(slog.NewJSONHandler(io.Discard, nil)),
		ChunkSize: chunk, Batch: batch}
}

// finishExport ticks x until the export is no longer queued or running (another test's export may come first).
func finishExport(t *testing.T, h *harness, x *exports.Exporter, token, id string) *exportView {
	t.Helper()
	for range 20 {
		if _, err := x.Tick(context.Background()); err != nil {
			t.Fatalf("exporter tick: %v", err)
		}
		if e := getExport(t, h, token, id); e.Status != "QUEUED" && e.Status != "RUNNING" {
			return e
		}
	}
	t.Fatalf("export %s did not finish", id)
	return nil
}

func download(t *testing.T, h *harness, token, path string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, h.URL+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return res, body
}

func TestBulkExportOrdersJSONLAndCSV(t *testing.T) {
	w := csNewWorld(t)
	h := w.h
	rcv := newReceiver(t)
	_, secret := subscribe(t, h, w.owner, rcv.URL+"/hooks", "bulk_export.finished")
	rcv.secrets = []string{secret}

	const n = 14
	for i := range n {
		if i%2 == 0 {
			csPaidOrder(t, w, csLines(w.st))
		} else {
			h.newOrder(t, w.buyer, w.st)
		}
	}
	var want struct {
		TotalCount int
		Nodes      []struct {
			ID, Number, Status string
			Items              []struct{ ID string }
		}
	}
	field(t, ok(t, h.post(t, w.owner, `{ orders(first: 50) { totalCount nodes { id number status items { id } } } }`, nil)), "orders", &want)
	if want.TotalCount != n {
		t.Fatalf("the store has %d orders; want %d", want.TotalCount, n)
	}

	// Small chunks and batches, so the file is made of many of each.
	x := testExporter(h, 2048, 4)
	p := createExport(t, h, w.owner, map[string]any{"kind": "ORDERS"})
	if p.Export == nil || p.Export.Status != "QUEUED" || p.Export.Format != "JSONL" || p.Export.DownloadPath != nil || p.Export.RowsTotal != nil {
		t.Fatalf("bulkExportCreate: %+v", p)
	}
	if res, body := download(t, h, w.owner, "/exports/bulk/"+p.Export.ID); res.StatusCode != http.StatusConflict || !bytes.Contains(body, []byte("EXPORT_NOT_READY")) {
		t.Fatalf("download before it ran: %d %s", res.StatusCode, body)
	}
	e := finishExport(t, h, x, w.owner, p.Export.ID)
	if e.Status != "SUCCEEDED" || e.RowsTotal == nil || *e.RowsTotal != n || e.RowsDone != n || e.Progress != 1 || e.DownloadPath == nil {
		t.Fatalf("finished export: %+v", e)
	}
	res, body := download(t, h, w.owner, *e.DownloadPath)
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/x-ndjson" ||
		res.Header.Get("Content-Length") != strconv.Itoa(len(body)) || float64(len(body)) != e.Bytes {
		t.Fatalf("download: %d %v (%d bytes; export says %v)", res.StatusCode, res.Header, len(body), e.Bytes)
	}
	head, _ := http.NewRequest(http.MethodHead, h.URL+*e.DownloadPath, nil)
	head.Header.Set("Authorization", "Bearer "+w.owner)
	if res, err := http.DefaultClient.Do(head); err != nil || res.StatusCode != 200 || res.ContentLength != int64(len(body)) {
		t.Fatalf("HEAD: %v %v", res, err)
	}
	if chunks := h.sysCount(t, `select count(*) from bulk_export_chunks where export_id = $1`, exportUUID(t, e.ID)); chunks < 3 {
		t.Fatalf("the file is %d chunks; want several at 2 KiB each", chunks)
	}
	if x.MaxBuffered > 2048+4096 {
		t.Fatalf("the exporter held %d bytes at once; a chunk is 2048 and no row is 4 KiB", x.MaxBuffered)
	}
	seen := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(body))
	for sc.Scan() {
		var row struct {
			ID, Number, Status, Currency string
			TotalMinor                   int64
			CreatedAt                    string
			Items                        []struct {
				ID, ProductID string
				Quantity      int
			}
		}
		if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		if seen[row.ID] {
			t.Fatalf("order %s exported twice", row.ID)
		}
		seen[row.ID] = true
		i := slices.IndexFunc(want.Nodes, func(o struct {
			ID, Number, Status string
			Items              []struct{ ID string }
		}) bool {
			return o.ID == row.ID
		})
		if i < 0 {
			t.Fatalf("exported %s, which the API does not list (ids must be the API's)", row.ID)
		}
		o := want.Nodes[i]
		if row.Number != o.Number || row.Status != o.Status || row.Currency != "TWD" || row.TotalMinor != 201980 ||
			!strings.HasSuffix(row.CreatedAt, "Z") && !strings.HasSuffix(row.CreatedAt, "+00:00") || len(row.Items) != len(o.Items) || row.Items[0].ID != o.Items[0].ID {
			t.Fatalf("exported order %+v; the API says %+v", row, o)
		}
	}
	if len(seen) != n {
		t.Fatalf("%d orders in the file; want %d", len(seen), n)
	}

	// The same as CSV: a header, then one row per order.
	h.Clock.Advance(time.Second)
	p = createExport(t, h, w.owner, map[string]any{"kind": "ORDERS", "format": "CSV"})
	e = finishExport(t, h, x, w.owner, p.Export.ID)
	res, body = download(t, h, w.owner, *e.DownloadPath)
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") || !bytes.HasPrefix(body, []byte("\ufeff")) {
		t.Fatalf("CSV download: %d %v %.40q", res.StatusCode, res.Header, body)
	}
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, []byte("\ufeff")))).ReadAll()
	if err != nil {
		t.Fatalf("CSV: %v", err)
	}
	if !slices.Equal(recs[0], exports.Header("ORDERS")) || len(recs) != n+1 {
		t.Fatalf("CSV header %v and %d rows", recs[0], len(recs)-1)
	}
	ids := map[string]bool{}
	for _, r := range recs[1:] {
		ids[r[0]] = true
		if r[6] != "201980" || !strings.HasPrefix(r[len(r)-1], `[{"id"`) {
			t.Fatalf("CSV row: %v", r)
		}
	}
	if len(ids) != n || !ids[want.Nodes[0].ID] {
		t.Fatalf("CSV ids: %v", ids)
	}

	// Each finished export was announced, signed, with where to download it.
	d := &webhooks.Deliverer{DB: h.App, Endpoints: webhooks.Endpoints{AllowLoopback: true}, Now: h.Clock.Now, Log: x.Log}
	for range 5 {
		if _, err := d.Tick(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	got := rcv.delivered()
	if len(got) != 2 || len(rcv.bad) > 0 {
		t.Fatalf("bulk_export.finished deliveries: %+v (bad: %v)", got, rcv.bad)
	}
	i := slices.IndexFunc(got, func(b webhooks.Body) bool { return b.SubjectID == e.ID })
	if i < 0 {
		t.Fatalf("no event for the CSV export: %+v", got)
	}
	var data struct {
		ExportID, Kind, Format, Status, DownloadPath string
		Rows                                         int
	}
	_ = json.Unmarshal(got[i].Data, &data)
	if got[i].Topic != "bulk_export.finished" || got[i].StoreID != w.st.StoreID || data.ExportID != e.ID || data.Status != "SUCCEEDED" ||
		data.Format != "CSV" || data.Rows != n || data.DownloadPath != *e.DownloadPath {
		t.Fatalf("the event: %+v %s", got[i], got[i].Data)
	}

	// The list shows both, newest first; bulkExport and node agree.
	var list []exportView
	field(t, ok(t, h.post(t, w.owner, `{ bulkExports { `+exportFields+` } }`, nil)), "bulkExports", &list)
	if len(list) != 2 || list[0].ID != e.ID || list[0].Format != "CSV" {
		t.Fatalf("bulkExports: %+v", list)
	}
	var node struct{ ID, Status string }
	field(t, ok(t, h.post(t, w.owner, `query($id: ID!) { node(id: $id) { id ... on BulkExport { status } } }`, map[string]any{"id": e.ID})), "node", &node)
	if node.ID != e.ID || node.Status != "SUCCEEDED" {
		t.Fatalf("node: %+v", node)
	}
}

func exportUUID(t *testing.T, id string) uuid.UUID {
	t.Helper()
	ids, ok := gid.Decode(id, exports.Kind, 2)
	if !ok {
		t.Fatalf("not an export id: %s", id)
	}
	return ids[1]
}

// The SQL that names exported rows gives exactly the API's global ids.
func TestBulkExportGlobalIDsMatchTheAPI(t *testing.T) {
	h := setup(t)
	a, b := uuid.New(), uuid.New()
	for _, kind := range []string{"Order", "AfterSalesCase", "OrderItem"} {
		var got string
		h.asSystem(t, func(tx *sqlx.Tx) {
			if err := tx.Get(&got, `select global_id($1, $2, $3)`, kind, a, b); err != nil {
				t.Fatal(err)
			}
		})
		if want := gid.Encode(kind, a, b); got != want {
			t.Fatalf("global_id(%s) = %q; gid.Encode = %q", kind, got, want)
		}
	}
}

func TestBulkExportKindsScopesAndRefusals(t *testing.T) {
	w := csNewWorld(t)
	h := w.h
	x := testExporter(h, 0, 0)
	oid := csPaidOrder(t, w, csLines(w.st))
	if p := csOpen(t, w, oid, "ORDER_CANCEL", "NO_REASON", nil, nil); p.Case == nil {
		t.Fatalf("cancel request: %+v", p.UserErrors)
	}

	refused := func(who, token string, input map[string]any, code string, path ...string) {
		t.Helper()
		p := createExport(t, h, token, input)
		if p.Export != nil || len(p.UserErrors) == 0 || p.UserErrors[0].Code != code ||
			(len(path) > 0 && !slices.Equal(p.UserErrors[0].Field, path)) {
			t.Fatalf("%s: want %s at %v, got %+v", who, code, path, p)
		}
	}
	refused("updatedSince on ratings", w.owner, map[string]any{"kind": "RATINGS", "filter": map[string]any{"updatedSince": "2026-01-01T00:00:00Z"}},
		"NOT_SUPPORTED", "input", "filter", "updatedSince")
	refused("an empty range", w.owner, map[string]any{"kind": "ORDERS", "filter": map[string]any{"createdFrom": "2026-02-01T00:00:00Z", "createdTo": "2026-01-01T00:00:00Z"}},
		"EMPTY_RANGE", "input", "filter", "createdTo")

	// The case, as JSONL with its items; empty kinds make an empty file that still downloads.
	p := createExport(t, h, w.owner, map[string]any{"kind": "CASES"})
	e := finishExport(t, h, x, w.owner, p.Export.ID)
	if e.Status != "SUCCEEDED" {
		t.Fatalf("cases export: %+v", e)
	}
	_, body := download(t, h, w.owner, *e.DownloadPath)
	var c struct {
		Type, Status, OrderID string
		Items                 []struct{ Quantity int }
	}
	if err := json.Unmarshal(bytes.TrimSpace(body), &c); err != nil || c.Type != "ORDER_CANCEL" || c.OrderID != oid || len(c.Items) != 1 || c.Items[0].Quantity != 2 {
		t.Fatalf("cases export %s: %+v %v", body, c, err)
	}
	for _, kind := range []string{"RATINGS", "VIOLATIONS"} {
		p := createExport(t, h, w.owner, map[string]any{"kind": kind, "format": "CSV"})
		e := finishExport(t, h, x, w.owner, p.Export.ID)
		res, body := download(t, h, w.owner, *e.DownloadPath)
		if e.Status != "SUCCEEDED" || *e.RowsTotal != 0 || e.Progress != 1 || res.StatusCode != 200 ||
			string(body) != "\ufeff"+strings.Join(exports.Header(kind), ",")+"\n" {
			t.Fatalf("empty %s export: %+v %q", kind, e, body)
		}
	}
	// A filter that matches nothing: JSONL with no line.
	p = createExport(t, h, w.owner, map[string]any{"kind": "ORDERS", "filter": map[string]any{"createdTo": "2001-01-01T00:00:00Z"}})
	e = finishExport(t, h, x, w.owner, p.Export.ID)
	if res, body := download(t, h, w.owner, *e.DownloadPath); res.StatusCode != 200 || len(body) != 0 || e.Filter.CreatedTo == nil {
		t.Fatalf("export matching nothing: %d %q %+v", res.StatusCode, body, e)
	}

	// Who may: a partner token needs the kind's read scope, for creating, reading and downloading.
	tok := tokCreate(t, h, w.owner, "export partner", "RATINGS_READ")
	if r := h.post(t, tok, `mutation { bulkExportCreate(input: {kind: ORDERS}) { export { id } } }`, nil); r.code() != "FORBIDDEN" {
		t.Fatalf("a token without ORDERS_READ exporting orders: %+v", r.Errors)
	}
	if p := createExport(t, h, tok, map[string]any{"kind": "RATINGS"}); p.Export == nil {
		t.Fatalf("a RATINGS_READ token exporting ratings: %+v", p)
	}
	if got := getExport(t, h, tok, e.ID); got != nil {
		t.Fatalf("a RATINGS_READ token read an orders export: %+v", got)
	}
	if res, _ := download(t, h, tok, *e.DownloadPath); res.StatusCode != 404 {
		t.Fatalf("a RATINGS_READ token downloading orders: %d", res.StatusCode)
	}
	// Another store's owner and a buyer see nothing; without credentials: 401.
	other := h.login(t, lotusOwner)
	if got := getExport(t, h, other, e.ID); got != nil {
		t.Fatalf("another store read the export: %+v", got)
	}
	for who, token := range map[string]string{"another store": other, "a buyer": w.buyer} {
		if res, _ := download(t, h, token, *e.DownloadPath); res.StatusCode != 404 {
			t.Fatalf("%s downloading the export: %d", who, res.StatusCode)
		}
	}
	if res, _ := download(t, h, "", *e.DownloadPath); res.StatusCode != 401 {
		t.Fatalf("anonymous download: %d", res.StatusCode)
	}
	for _, path := range []string{"/exports/bulk/nonsense", "/exports/bulk/" + gid.Encode(exports.Kind, uuid.New(), uuid.New())} {
		if res, _ := download(t, h, w.owner, path); res.StatusCode != 404 {
			t.Fatalf("GET %s: %d", path, res.StatusCode)
		}
	}
	if r := h.post(t, w.buyer, `mutation { bulkExportCreate(input: {kind: ORDERS}) { export { id } } }`, nil); r.code() != "FORBIDDEN" {
		t.Fatalf("a buyer exporting: %+v", r.Errors)
	}

	// At most three queued or running at once.
	for range 2 { // the token's ratings export is the first
		if p := createExport(t, h, w.owner, map[string]any{"kind": "ORDERS"}); p.Export == nil {
			t.Fatalf("queueing: %+v", p)
		}
	}
	refused("a fourth queued export", w.owner, map[string]any{"kind": "ORDERS"}, "TOO_MANY_EXPORTS", "input")
}

// A process that dies mid-export leaves chunks and a claim; when the lease ends another process starts the
// export over, and the file holds each row once.
func TestBulkExportRestartsAfterALostProcess(t *testing.T) {
	w := csNewWorld(t)
	h := w.h
	for range 5 {
		h.newOrder(t, w.buyer, w.st)
	}
	p := createExport(t, h, w.owner, map[string]any{"kind": "ORDERS"})
	store, id := w.st.UUID, exportUUID(t, p.Export.ID)
	// As a process that claimed it, wrote part of a file, and died would leave it.
	h.asSystem(t, func(tx *sqlx.Tx) {
		tx.MustExec(`update bulk_exports set status = 'RUNNING', claim = 1, lease_until = $3, rows_done = 2
			where tenant_id = $1 and id = $2`, store, id, h.Clock.Now().Add(30*time.Second))
		tx.MustExec(`insert into bulk_export_chunks (tenant_id, export_id, seq, data) values ($1, $2, 0, 'half a file')`, store, id)
	})
	x := testExporter(h, 256, 2)
	if _, err := x.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
	if e := getExport(t, h, w.owner, p.Export.ID); e.Status != "RUNNING" {
		t.Fatalf("an export was taken from a process whose lease still runs: %+v", e)
	}
	h.Clock.Advance(2 * time.Minute) // the lease ends
	e := finishExport(t, h, x, w.owner, p.Export.ID)
	if e.Status != "SUCCEEDED" || e.RowsDone != 5 {
		t.Fatalf("restarted export: %+v", e)
	}
	_, body := download(t, h, w.owner, *e.DownloadPath)
	if bytes.Contains(body, []byte("half a file")) || bytes.Count(body, []byte("\n")) != 5 {
		t.Fatalf("the restarted file: %q", body)
	}
	if n := h.sysCount(t, `select claim from bulk_exports where id = $1`, id); n != 2 {
		t.Fatalf("claims: %d; want 2", n)
	}
}

// tokCreate makes a partner API token of the store with the scopes and returns it.
func tokCreate(t *testing.T, h *harness, owner, name string, scopes ...string) string {
	t.Helper()
	r := ok(t, h.post(t, owner, `mutation($i: ApiTokenCreateInput!) { apiTokenCreate(input: $i) { token userErrors { code message } } }`,
		map[string]any{"i": map[string]any{"name": name, "scopes": scopes}}))
	var p struct{ Token *string }
	field(t, r, "apiTokenCreate", &p)
	if p.Token == nil {
		t.Fatalf("apiTokenCreate: %s", r.Data["apiTokenCreate"])
	}
	return *p.Token
}
