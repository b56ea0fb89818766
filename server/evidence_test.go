package main

// Evidence downloads over real HTTP: the handler behind the same authenticate middleware the server uses,
// on its own httptest.Server (so this test does not depend on how app.go mounts it), against the harness's
// database. Who may download (the store's staff, the case's buyer, admins) gets the exact bytes with headers
// that make the browser download, never render, the file; everyone else gets one and the same 404.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"image"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"tradeguard/aftersales"
	"tradeguard/tenants"
)

// evServer serves evidenceHandler behind authenticate, mounted at the prefix the wiring uses.
func evServer(t *testing.T, h *harness) *httptest.Server {
	t.Helper()
	access, err := tenants.NewAccessTokens(h.Key, h.Clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	auth := &tenants.Auth{DB: h.App, Access: access, Now: h.Clock.Now}
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	mux := http.NewServeMux()
	mux.Handle("GET /evidence/", authenticate(auth, log, evidenceHandler(h.App)))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

type evResponse struct {
	Status int
	Header http.Header
	Body   []byte
}

func evGet(t *testing.T, url, token string, header ...string) evResponse {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return evResponse{Status: res.StatusCode, Header: res.Header, Body: body}
}

// evFixture: a case on a delivered demo order of the lotus store, with two files of evidence. The demo
// stores' orders and products are counted exactly by other tests, so no order or store is added; the case
// and its evidence are deleted when the test ends.
type evFixture struct {
	buyerEmail, otherBuyerEmail string
	kase                        aftersales.Key
	photo                       aftersales.Evidence
	pic                         []byte
	report                      aftersales.Evidence
	pdf                         []byte
}

func evSetup(t *testing.T, h *harness) evFixture {
	t.Helper()
	var f evFixture
	now := h.Clock.Now()
	var buyer, lotusOwnerID uuid.UUID
	h.asSystem(t, func(tx *sqlx.Tx) {
		var o struct {
			Store uuid.UUID `db:"tenant_id"`
			ID    uuid.UUID `db:"id"`
			Buyer uuid.UUID `db:"buyer_id"`
			Email string    `db:"email"`
		}
		if err := tx.Get(&o, `select o.tenant_id, o.id, o.buyer_id, u.email from orders o
			join stores s on s.id = o.tenant_id join users u on u.id = o.buyer_id
			where s.slug = 'lotus-electronics' and o.status in ('DELIVERED', 'COMPLETED') order by o.number limit 1`); err != nil {
			t.Fatalf("a delivered lotus order: %v", err)
		}
		buyer, f.buyerEmail = o.Buyer, o.Email
		if err := tx.Get(&f.otherBuyerEmail, `select email from users where role = 'BUYER' and id <> $1 order by email limit 1`, o.Buyer); err != nil {
			t.Fatal(err)
		}
		if err := tx.Get(&lotusOwnerID, `select id from users where email = $1`, lotusOwner); err != nil {
			t.Fatal(err)
		}
		f.kase = aftersales.Key{StoreID: o.Store, ID: uuid.New()}
		if _, err := tx.Exec(`insert into cases (tenant_id, id, number, order_id, buyer_id, type, status, reason, reason_category,
			currency, requested_minor, respond_by, created_at, updated_at)
			values ($1, $2, 'T-' || nextval('case_number_seq'), $3, $4, 'REFUND_ONLY', 'REQUESTED', 'QUALITY_DEFECT', 'QUALITY',
			'TWD', 1000, $5, $6, $6)`, f.kase.StoreID, f.kase.ID, o.ID, o.Buyer, now.Add(48*time.Hour), now); err != nil {
			t.Fatalf("case: %v", err)
		}
	})
	t.Cleanup(func() {
		h.asSystem(t, func(tx *sqlx.Tx) {
			for _, table := range []string{"evidence", "case_messages", "case_events"} {
				if _, err := tx.Exec(`delete from `+table+` where tenant_id = $1 and case_id = $2`, f.kase.StoreID, f.kase.ID); err != nil {
					t.Fatalf("clean up %s: %v", table, err)
				}
			}
			if _, err := tx.Exec(`delete from cases where tenant_id = $1 and id = $2`, f.kase.StoreID, f.kase.ID); err != nil {
				t.Fatalf("clean up the case: %v", err)
			}
		})
	})

	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 4, 4))); err != nil {
		t.Fatal(err)
	}
	f.pic = b.Bytes()
	f.pdf = []byte("%PDF-1.4\n% technical report\n%%EOF\n")
	add := func(p tenants.Principal, kind, name string, data []byte) aftersales.Evidence {
		t.Helper()
		s := tenants.NewSession(h.App, p, false)
		ev, err := aftersales.AddEvidence(context.Background(), s, f.kase, kind, name, bytes.NewReader(data), now)
		if err != nil {
			_ = s.Rollback()
			t.Fatalf("AddEvidence: %v", err)
		}
		if err := s.Commit(); err != nil {
			t.Fatal(err)
		}
		return ev
	}
	f.photo = add(tenants.Principal{Role: tenants.RoleBuyer, UserID: buyer}, aftersales.EvidencePhoto, "crack.png", f.pic)
	owner := tenants.Principal{Role: tenants.RoleMerchant, UserID: lotusOwnerID, StoreID: f.kase.StoreID, StaffRole: tenants.StaffOwner}
	f.report = add(owner, aftersales.EvidenceTechnicalReport, `收據 "A".pdf`, f.pdf)
	return f
}

func evURL(srv *httptest.Server, store, id uuid.UUID) string {
	return srv.URL + "/evidence/" + store.String() + "/" + id.String()
}

func TestEvidenceDownload(t *testing.T) {
	h := setup(t)
	srv := evServer(t, h)
	f := evSetup(t, h)

	files := []struct {
		ev          aftersales.Evidence
		data        []byte
		contentType string
		disposition string
	}{
		{f.photo, f.pic, "image/png", `attachment; filename="crack.png"`},
		{f.report, f.pdf, "application/pdf", `attachment; filename="__ _A_.pdf"; filename*=UTF-8''%E6%94%B6%E6%93%9A%20%22A%22.pdf`},
	}
	for _, who := range []string{lotusOwner, lotusAgent, f.buyerEmail, adminEmail} {
		token := h.login(t, who)
		for _, file := range files {
			r := evGet(t, evURL(srv, file.ev.StoreID, file.ev.ID), token)
			if r.Status != http.StatusOK || !bytes.Equal(r.Body, file.data) {
				t.Fatalf("%s downloads %s: HTTP %d, %d bytes (want %d): %.200s", who, file.ev.Filename, r.Status, len(r.Body), len(file.data), r.Body)
			}
			sum := sha256.Sum256(file.data)
			want := map[string]string{
				"Content-Type":            file.contentType,
				"Content-Disposition":     file.disposition,
				"X-Content-Type-Options":  "nosniff",
				"Content-Security-Policy": "default-src 'none'; sandbox",
				"Cache-Control":           "private, no-store",
				"Etag":                    `"` + hex.EncodeToString(sum[:]) + `"`,
			}
			for k, v := range want {
				if got := r.Header.Get(k); got != v {
					t.Fatalf("%s downloads %s: %s = %q, want %q", who, file.ev.Filename, k, got, v)
				}
			}
		}
	}

	// The ETag is the content's SHA-256: a conditional request gets 304 without the bytes.
	owner := h.login(t, lotusOwner)
	if r := evGet(t, evURL(srv, f.photo.StoreID, f.photo.ID), owner, "If-None-Match", `"`+f.photo.SHA256+`"`); r.Status != http.StatusNotModified || len(r.Body) != 0 {
		t.Fatalf("If-None-Match: HTTP %d, %d bytes", r.Status, len(r.Body))
	}

	// Another buyer, another store's owner, a random id and malformed paths: one and the same 404.
	var notFound []byte
	check := func(what, url, token string) {
		t.Helper()
		r := evGet(t, url, token)
		if r.Status != http.StatusNotFound || r.Header.Get("Content-Type") != "application/json" {
			t.Fatalf("%s: HTTP %d %s: %s", what, r.Status, r.Header.Get("Content-Type"), r.Body)
		}
		if notFound == nil {
			notFound = r.Body
			var body struct {
				Errors []struct {
					Extensions struct{ Code string }
				}
			}
			if err := json.Unmarshal(r.Body, &body); err != nil || len(body.Errors) != 1 || body.Errors[0].Extensions.Code != "NOT_FOUND" {
				t.Fatalf("404 body %s (%v)", r.Body, err)
			}
		} else if !bytes.Equal(r.Body, notFound) {
			t.Fatalf("%s: 404 body %s differs from %s", what, r.Body, notFound)
		}
	}
	other := h.login(t, f.otherBuyerEmail)
	maple := h.login(t, mapleOwner)
	harbor := h.login(t, harborOwner)
	for _, file := range files {
		u := evURL(srv, file.ev.StoreID, file.ev.ID)
		check("another buyer", u, other)
		check("another store's owner", u, maple)
		check("a third store's owner", u, harbor)
	}
	store := f.kase.StoreID.String()
	check("a random id", evURL(srv, f.kase.StoreID, uuid.New()), owner)
	check("the right id under another store", evURL(srv, uuid.New(), f.photo.ID), owner)
	check("a malformed id", srv.URL+"/evidence/"+store+"/not-a-uuid", owner)
	check("an extra segment", evURL(srv, f.photo.StoreID, f.photo.ID)+"/x", owner)
	check("a missing segment", srv.URL+"/evidence/"+store, owner)

	// Anonymous: 401 in the GraphQL error shape; a bad token: 401 from the middleware.
	for what, token := range map[string]string{"anonymous": "", "a bad token": "not-a-token"} {
		r := evGet(t, evURL(srv, f.photo.StoreID, f.photo.ID), token)
		var body struct {
			Errors []struct {
				Extensions struct{ Code string }
			}
		}
		if err := json.Unmarshal(r.Body, &body); r.Status != http.StatusUnauthorized || err != nil || len(body.Errors) != 1 ||
			body.Errors[0].Extensions.Code != "UNAUTHENTICATED" || bytes.Contains(r.Body, f.pic[:8]) {
			t.Fatalf("%s: HTTP %d %s", what, r.Status, r.Body)
		}
	}
}
