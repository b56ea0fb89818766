package aftersales_test

// Evidence against real PostgreSQL (row-level security on, the app role), with a clock the tests set by
// hand: what is accepted (sniffed from the content), the size limit at its edge, disguised files, who may
// add and read evidence, closed cases and the arbitration windows at their edges. Every refusal is made in a
// session that commits anyway (as a GraphQL mutation commits when it answers with userErrors), and the test
// then proves nothing was stored.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"tradeguard/aftersales"
	"tradeguard/demo"
	"tradeguard/internal/testdb"
	"tradeguard/tenants"
)

func TestMain(m *testing.M) { testdb.Main(m) }

var (
	evDemoNow = time.Date(2026, 6, 15, 2, 0, 0, 0, time.UTC)
	evEpochs  atomic.Int64
)

// evEnv is a demo order of the lotus store with the people around it.
type evEnv struct {
	t          *testing.T
	ctx        context.Context
	app        *sqlx.DB
	now        time.Time
	store      uuid.UUID
	order      uuid.UUID
	buyer      tenants.Principal // the order's buyer
	otherBuyer tenants.Principal
	merchant   tenants.Principal // lotus owner
	agent      tenants.Principal // lotus agent
	stranger   tenants.Principal // maple owner: another store
	admin      tenants.Principal
}

func newEvEnv(t *testing.T) *evEnv {
	t.Helper()
	ctx := context.Background()
	_, app := testdb.Migrated(t)
	if _, err := demo.Load(ctx, app, evDemoNow); err != nil {
		t.Fatalf("demo data: %v", err)
	}
	e := &evEnv{t: t, ctx: ctx, app: app, now: evDemoNow.Add(time.Duration(evEpochs.Add(1)) * 24 * time.Hour)}
	e.sys(func(tx *sqlx.Tx) error {
		user := func(email string) uuid.UUID {
			var id uuid.UUID
			if err := tx.Get(&id, `select id from users where email = $1`, email); err != nil {
				t.Fatalf("user %s: %v", email, err)
			}
			return id
		}
		store := func(slug string) uuid.UUID {
			var id uuid.UUID
			if err := tx.Get(&id, `select id from stores where slug = $1`, slug); err != nil {
				t.Fatalf("store %s: %v", slug, err)
			}
			return id
		}
		e.store = store("lotus-electronics")
		var o struct {
			ID    uuid.UUID `db:"id"`
			Buyer uuid.UUID `db:"buyer_id"`
		}
		if err := tx.Get(&o, `select id, buyer_id from orders where tenant_id = $1 order by number limit 1`, e.store); err != nil {
			t.Fatalf("a lotus order: %v", err)
		}
		e.order = o.ID
		e.buyer = tenants.Principal{Role: tenants.RoleBuyer, UserID: o.Buyer}
		var other uuid.UUID
		if err := tx.Get(&other, `select id from users where role = 'BUYER' and id <> $1 order by email limit 1`, o.Buyer); err != nil {
			t.Fatalf("another buyer: %v", err)
		}
		e.otherBuyer = tenants.Principal{Role: tenants.RoleBuyer, UserID: other}
		e.merchant = tenants.Principal{Role: tenants.RoleMerchant, UserID: user("owner@lotus-electronics.test"), StoreID: e.store, StaffRole: tenants.StaffOwner}
		e.agent = tenants.Principal{Role: tenants.RoleMerchant, UserID: user("agent@lotus-electronics.test"), StoreID: e.store, StaffRole: tenants.StaffAgent}
		e.stranger = tenants.Principal{Role: tenants.RoleMerchant, UserID: user("owner@maple-apparel.test"), StoreID: store("maple-apparel"), StaffRole: tenants.StaffOwner}
		e.admin = tenants.Principal{Role: tenants.RoleAdmin, UserID: user("admin@tradeguard.test")}
		return nil
	})
	return e
}

// sys runs fn as the system through the app role (row-level security on) and commits.
func (e *evEnv) sys(fn func(tx *sqlx.Tx) error) {
	e.t.Helper()
	if err := tenants.Run(e.ctx, e.app, tenants.System, fn); err != nil {
		e.t.Fatalf("as system: %v", err)
	}
}

// as runs fn in a session of p and commits it whatever fn returns (a mutation answering with userErrors
// commits too); it returns fn's error.
func (e *evEnv) as(p tenants.Principal, fn func(s *tenants.Session) error) error {
	e.t.Helper()
	s := tenants.NewSession(e.app, p, false)
	err := fn(s)
	if cerr := s.Commit(); cerr != nil && err == nil {
		e.t.Fatalf("commit: %v", cerr)
	}
	return err
}

// newCase opens a case on the env's order directly in SQL (as the system), in the given status.
func (e *evEnv) newCase(status aftersales.Status, set string, args ...any) aftersales.Key {
	e.t.Helper()
	k := aftersales.Key{StoreID: e.store, ID: uuid.New()}
	e.sys(func(tx *sqlx.Tx) error {
		_, err := tx.Exec(`insert into cases (tenant_id, id, number, order_id, buyer_id, type, status, reason, reason_category,
			currency, requested_minor, respond_by, created_at, updated_at)
			values ($1, $2, 'T-' || nextval('case_number_seq'), $3, $4, 'REFUND_ONLY', $5, 'QUALITY_DEFECT', 'QUALITY',
			'TWD', 1000, $6, $7, $7)`, k.StoreID, k.ID, e.order, e.buyer.UserID, status, e.now.Add(48*time.Hour), e.now)
		if err != nil || set == "" {
			return err
		}
		_, err = tx.Exec(`update cases set `+set+` where tenant_id = $1 and id = $2`, append([]any{k.StoreID, k.ID}, args...)...)
		return err
	})
	return k
}

func (e *evEnv) add(p tenants.Principal, k aftersales.Key, kind, name string, data []byte, now time.Time) (aftersales.Evidence, error) {
	var ev aftersales.Evidence
	err := e.as(p, func(s *tenants.Session) (err error) {
		ev, err = aftersales.AddEvidence(e.ctx, s, k, kind, name, bytes.NewReader(data), now)
		return err
	})
	return ev, err
}

func (e *evEnv) mustAdd(p tenants.Principal, k aftersales.Key, kind, name string, data []byte, now time.Time) aftersales.Evidence {
	e.t.Helper()
	ev, err := e.add(p, k, kind, name, data, now)
	if err != nil {
		e.t.Fatalf("AddEvidence as %s: %v", p.Role, err)
	}
	return ev
}

func (e *evEnv) content(p tenants.Principal, ev aftersales.Evidence) (aftersales.Evidence, []byte, error) {
	var got aftersales.Evidence
	var data []byte
	err := e.as(p, func(s *tenants.Session) (err error) {
		got, data, err = aftersales.EvidenceContent(e.ctx, s, ev.StoreID, ev.ID)
		return err
	})
	return got, data, err
}

// stored counts, as the system, the case's evidence rows and EVIDENCE_ADDED events.
func (e *evEnv) stored(k aftersales.Key) (evidence, events int) {
	e.t.Helper()
	e.sys(func(tx *sqlx.Tx) error {
		if err := tx.Get(&evidence, `select count(*) from evidence where tenant_id = $1 and case_id = $2`, k.StoreID, k.ID); err != nil {
			return err
		}
		return tx.Get(&events, `select count(*) from case_events where tenant_id = $1 and case_id = $2 and action = 'EVIDENCE_ADDED'`, k.StoreID, k.ID)
	})
	return evidence, events
}

func (e *evEnv) nothingStored(k aftersales.Key, wantEvidence, wantEvents int) {
	e.t.Helper()
	if ev, evs := e.stored(k); ev != wantEvidence || evs != wantEvents {
		e.t.Fatalf("stored %d evidence rows and %d events, want %d and %d", ev, evs, wantEvidence, wantEvents)
	}
}

// refused fails unless err is a rule refusal with the code (and, if given, a message containing each part).
func refused(t *testing.T, err error, code string, parts ...string) {
	t.Helper()
	rules, ok := tenants.AsRuleErrors(err)
	if !ok || len(rules) != 1 || rules[0].Code != code {
		t.Fatalf("want refusal %s, got %v", code, err)
	}
	for _, p := range parts {
		if !strings.Contains(rules[0].Message, p) {
			t.Fatalf("refusal %s: message %q does not mention %q", code, rules[0].Message, p)
		}
	}
}

func pngBytes(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for x := range 8 {
		img.Set(x, x, color.RGBA{R: 200, A: 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func hashOf(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func TestEvidenceAcceptsImagesPDFAndText(t *testing.T) {
	e := newEvEnv(t)
	k := e.newCase(aftersales.Requested, "")
	pic := pngBytes(t)
	pdf := []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
	txt := []byte("Chat log 2026-06-15\nbuyer: the screen is cracked\nstore: please send a photo\n")

	uploads := []struct {
		who      tenants.Principal
		kind     string
		name     string
		data     []byte
		wantType string
		wantName string
	}{
		{e.buyer, aftersales.EvidencePhoto, "C:\\fakepath\\crack.png", pic, "image/png", "crack.png"},
		{e.merchant, aftersales.EvidenceTechnicalReport, "../../report\x00.pdf", pdf, "application/pdf", "report.pdf"},
		{e.admin, aftersales.EvidenceChatLog, "chat\u202etxt.exe", txt, "text/plain; charset=utf-8", "chattxt.exe"},
		{e.agent, aftersales.EvidenceReceipt, "   ", txt, "text/plain; charset=utf-8", "evidence"},
	}
	var added []aftersales.Evidence
	for i, u := range uploads {
		at := e.now.Add(time.Duration(i) * time.Minute)
		ev := e.mustAdd(u.who, k, u.kind, u.name, u.data, at)
		if ev.ContentType != u.wantType || ev.SHA256 != hashOf(u.data) || ev.SizeBytes != len(u.data) ||
			ev.Filename != u.wantName || ev.Kind != u.kind || ev.CaseID != k.ID || ev.StoreID != k.StoreID ||
			ev.BuyerID != e.buyer.UserID || !ev.CreatedAt.Equal(at) {
			t.Fatalf("upload %d: got %+v", i, ev)
		}
		if actor, _ := tenants.ActorOf(u.who); ev.UploadedBy != actor || ev.UploaderID == nil || *ev.UploaderID != u.who.UserID {
			t.Fatalf("upload %d: uploaded by %s %v, want %s %s", i, ev.UploadedBy, ev.UploaderID, actor, u.who.UserID)
		}
		added = append(added, ev)
	}

	// The buyer, the store's staff and admins read every file back byte for byte.
	for _, p := range []tenants.Principal{e.buyer, e.merchant, e.agent, e.admin} {
		for i, ev := range added {
			got, data, err := e.content(p, ev)
			if err != nil || !bytes.Equal(data, uploads[i].data) || got.SHA256 != ev.SHA256 || got.ContentType != ev.ContentType {
				t.Fatalf("%s reads upload %d: %v (%d bytes)", p.Role, i, err, len(data))
			}
		}
	}

	// Listed oldest first, without content, in one batch with a case that has none.
	empty := e.newCase(aftersales.Requested, "")
	var lists map[aftersales.Key][]aftersales.Evidence
	if err := e.as(e.buyer, func(s *tenants.Session) (err error) {
		lists, err = aftersales.ListEvidence(e.ctx, s, []aftersales.Key{k, empty})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if len(lists[k]) != len(added) || lists[empty] == nil || len(lists[empty]) != 0 {
		t.Fatalf("ListEvidence: %d and %v", len(lists[k]), lists[empty])
	}
	for i, ev := range lists[k] {
		if ev.ID != added[i].ID || ev.SHA256 != added[i].SHA256 {
			t.Fatalf("ListEvidence[%d] = %s, want %s (oldest first)", i, ev.ID, added[i].ID)
		}
	}

	// The history records each upload with its kind and hash prefix.
	var notes []string
	e.sys(func(tx *sqlx.Tx) error {
		return tx.Select(&notes, `select note from case_events where tenant_id = $1 and case_id = $2 and action = 'EVIDENCE_ADDED'
			order by seq`, k.StoreID, k.ID)
	})
	if len(notes) != len(added) {
		t.Fatalf("%d EVIDENCE_ADDED events, want %d", len(notes), len(added))
	}
	for i, n := range notes {
		if !strings.Contains(n, added[i].Kind) || !strings.Contains(n, added[i].SHA256[:12]) {
			t.Fatalf("event note %q does not name %s and %s…", n, added[i].Kind, added[i].SHA256[:12])
		}
	}
}

func TestEvidenceSizeLimit(t *testing.T) {
	e := newEvEnv(t)
	k := e.newCase(aftersales.Requested, "")

	exact := bytes.Repeat([]byte("a"), aftersales.MaxEvidenceBytes)
	ev := e.mustAdd(e.buyer, k, aftersales.EvidenceOther, "big.txt", exact, e.now)
	if ev.SizeBytes != aftersales.MaxEvidenceBytes || ev.SHA256 != hashOf(exact) {
		t.Fatalf("10 MiB: size %d hash %s", ev.SizeBytes, ev.SHA256)
	}
	e.nothingStored(k, 1, 1)

	over := append(exact, 'a')
	_, err := e.add(e.buyer, k, aftersales.EvidenceOther, "bigger.txt", over, e.now)
	refused(t, err, "TOO_LARGE", fmt.Sprint(aftersales.MaxEvidenceBytes))
	_, err = e.add(e.merchant, k, aftersales.EvidenceOther, "bigger.png", append(pngBytes(t), exact...), e.now)
	refused(t, err, "TOO_LARGE")
	_, err = e.add(e.buyer, k, aftersales.EvidenceOther, "empty.txt", nil, e.now)
	refused(t, err, "EMPTY_FILE")
	_, err = e.add(e.buyer, k, "VIDEO", "a.txt", []byte("hello"), e.now)
	refused(t, err, "INVALID_KIND")
	e.nothingStored(k, 1, 1)
}

func TestEvidenceDisguisedFileRefused(t *testing.T) {
	e := newEvEnv(t)
	k := e.newCase(aftersales.Requested, "")
	disguised := map[string][]byte{
		"photo.jpg":   []byte("<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"),
		"receipt.png": []byte("<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>"),
		"report.pdf":  {0x4d, 0x5a, 0x90, 0x00, 0x03, 0x00, 0x00, 0x00, 0x04, 0x00}, // a Windows executable
		"log.txt":     {0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00},             // a zip archive
	}
	for name, data := range disguised {
		_, err := e.add(e.buyer, k, aftersales.EvidencePhoto, name, data, e.now)
		refused(t, err, "UNSUPPORTED_TYPE", "looks like")
		if name == "photo.jpg" {
			refused(t, err, "UNSUPPORTED_TYPE", "text/html")
		}
	}
	e.nothingStored(k, 0, 0)
}

func TestEvidenceVisibleOnlyToTheCase(t *testing.T) {
	e := newEvEnv(t)
	k := e.newCase(aftersales.Requested, "")
	ev := e.mustAdd(e.buyer, k, aftersales.EvidencePhoto, "crack.png", pngBytes(t), e.now)

	for _, p := range []tenants.Principal{e.otherBuyer, e.stranger} {
		if _, err := e.add(p, k, aftersales.EvidencePhoto, "mine.png", pngBytes(t), e.now); !errors.Is(err, tenants.ErrNotFound) {
			t.Fatalf("%s %s adds evidence to another's case: %v, want ErrNotFound", p.Role, p.UserID, err)
		}
		if _, _, err := e.content(p, ev); !errors.Is(err, tenants.ErrNotFound) {
			t.Fatalf("%s %s reads another's evidence: %v, want ErrNotFound", p.Role, p.UserID, err)
		}
		// A random id answers the same.
		if _, _, err := e.content(p, aftersales.Evidence{StoreID: ev.StoreID, ID: uuid.New()}); !errors.Is(err, tenants.ErrNotFound) {
			t.Fatalf("random id: %v", err)
		}
		var lists map[aftersales.Key][]aftersales.Evidence
		if err := e.as(p, func(s *tenants.Session) (err error) {
			lists, err = aftersales.ListEvidence(e.ctx, s, []aftersales.Key{k})
			return err
		}); err != nil || len(lists[k]) != 0 {
			t.Fatalf("%s lists another's evidence: %v %v", p.Role, lists, err)
		}
		// Underneath, row-level security hides the row from raw SQL in their context.
		var n int
		if err := tenants.Run(e.ctx, e.app, p, func(tx *sqlx.Tx) error {
			return tx.Get(&n, `select count(*) from evidence where id = $1`, ev.ID)
		}); err != nil || n != 0 {
			t.Fatalf("%s sees %d evidence rows by raw SQL (%v)", p.Role, n, err)
		}
	}
	for _, p := range []tenants.Principal{e.buyer, e.merchant, e.admin} {
		var n int
		if err := tenants.Run(e.ctx, e.app, p, func(tx *sqlx.Tx) error {
			return tx.Get(&n, `select count(*) from evidence where id = $1`, ev.ID)
		}); err != nil || n != 1 {
			t.Fatalf("%s sees %d evidence rows by raw SQL (%v), want 1", p.Role, n, err)
		}
	}

	// Partner tokens need cases:write to add and cases:read to read; the system and anonymous callers add nothing.
	readOnly := tenants.Principal{Role: tenants.RoleMerchant, StoreID: e.store, StaffRole: tenants.StaffAPI,
		Scopes: []tenants.Scope{tenants.ScopeCasesRead}, TokenID: uuid.New()}
	writer := tenants.Principal{Role: tenants.RoleMerchant, StoreID: e.store, StaffRole: tenants.StaffAPI,
		Scopes: []tenants.Scope{tenants.ScopeCasesWrite}, TokenID: uuid.New()}
	for _, p := range []tenants.Principal{readOnly, tenants.System, tenants.Anonymous} {
		if _, err := e.add(p, k, aftersales.EvidencePhoto, "x.png", pngBytes(t), e.now); !errors.Is(err, tenants.ErrForbidden) {
			t.Fatalf("%s %v adds evidence: %v, want ErrForbidden", p.Role, p.Scopes, err)
		}
	}
	if _, _, err := e.content(writer, ev); !errors.Is(err, tenants.ErrForbidden) {
		t.Fatalf("token without cases:read reads evidence: %v", err)
	}
	if _, _, err := e.content(readOnly, ev); err != nil {
		t.Fatalf("token with cases:read reads evidence: %v", err)
	}
	byToken := e.mustAdd(writer, k, aftersales.EvidenceReceipt, "r.png", pngBytes(t), e.now)
	if byToken.UploadedBy != "MERCHANT" || byToken.UploaderID != nil {
		t.Fatalf("token upload recorded as %s %v", byToken.UploadedBy, byToken.UploaderID)
	}
	e.nothingStored(k, 2, 2)
}

func TestEvidenceNotOnFinalCases(t *testing.T) {
	e := newEvEnv(t)
	for _, st := range []aftersales.Status{aftersales.Refunded, aftersales.ClosedForMerchant, aftersales.CaseCompleted, aftersales.Withdrawn, aftersales.Closed} {
		k := e.newCase(st, "closed_at = $3", e.now)
		for _, p := range []tenants.Principal{e.buyer, e.merchant, e.admin} {
			_, err := e.add(p, k, aftersales.EvidencePhoto, "late.png", pngBytes(t), e.now.Add(time.Hour))
			refused(t, err, "CASE_CLOSED", string(st))
		}
		e.nothingStored(k, 0, 0)
	}
	// Open but not final (e.g. a failed refund, a rejection) still takes evidence.
	for _, st := range []aftersales.Status{aftersales.RefundFailed, aftersales.Rejected} {
		k := e.newCase(st, "")
		e.mustAdd(e.merchant, k, aftersales.EvidencePhoto, "ok.png", pngBytes(t), e.now)
	}
}

func TestEvidenceWindowsInArbitration(t *testing.T) {
	e := newEvEnv(t)
	buyerDue := e.now.Add(aftersales.EvidenceWindow)
	merchantDue := buyerDue.Add(6 * time.Hour)
	k := e.newCase(aftersales.InArbitration, "escalated_at = $3, escalated_by = 'BUYER', buyer_evidence_due = $4, merchant_evidence_due = $5",
		e.now, buyerDue, merchantDue)

	just := time.Nanosecond
	e.mustAdd(e.buyer, k, aftersales.EvidencePhoto, "b.png", pngBytes(t), buyerDue.Add(-just))
	_, err := e.add(e.buyer, k, aftersales.EvidencePhoto, "late.png", pngBytes(t), buyerDue)
	refused(t, err, "EVIDENCE_WINDOW_CLOSED", buyerDue.UTC().Format(time.RFC3339))

	// The store's own window is still open when the buyer's has closed.
	e.mustAdd(e.merchant, k, aftersales.EvidenceChatLog, "m.txt", []byte("store's chat log"), buyerDue)
	e.mustAdd(e.agent, k, aftersales.EvidenceChatLog, "a.txt", []byte("agent's note"), merchantDue.Add(-just))
	_, err = e.add(e.merchant, k, aftersales.EvidencePhoto, "late.png", pngBytes(t), merchantDue)
	refused(t, err, "EVIDENCE_WINDOW_CLOSED", merchantDue.UTC().Format(time.RFC3339))

	// Admins are not bound by the sides' windows.
	e.mustAdd(e.admin, k, aftersales.EvidenceTechnicalReport, "inspection.txt", []byte("inspection report"), merchantDue.Add(time.Hour))
	e.nothingStored(k, 4, 4)
}
