package aftersales_test

// A case's message thread against real PostgreSQL: the length limits, who may write and read, closed cases,
// and the store's first response (the metric) set by its first message only. Helpers are in evidence_test.go.

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"tradeguard/aftersales"
	"tradeguard/tenants"
)

func (e *evEnv) post(p tenants.Principal, k aftersales.Key, body string, now time.Time) (aftersales.Message, error) {
	var m aftersales.Message
	err := e.as(p, func(s *tenants.Session) (err error) {
		m, err = aftersales.PostMessage(e.ctx, s, k, body, now)
		return err
	})
	return m, err
}

func (e *evEnv) mustPost(p tenants.Principal, k aftersales.Key, body string, now time.Time) aftersales.Message {
	e.t.Helper()
	m, err := e.post(p, k, body, now)
	if err != nil {
		e.t.Fatalf("PostMessage as %s: %v", p.Role, err)
	}
	return m
}

func (e *evEnv) thread(p tenants.Principal, keys ...aftersales.Key) map[aftersales.Key][]aftersales.Message {
	e.t.Helper()
	var out map[aftersales.Key][]aftersales.Message
	if err := e.as(p, func(s *tenants.Session) (err error) {
		out, err = aftersales.MessagesByCases(e.ctx, s, keys)
		return err
	}); err != nil {
		e.t.Fatalf("MessagesByCases: %v", err)
	}
	return out
}

func (e *evEnv) messageCount(k aftersales.Key) int {
	e.t.Helper()
	var n int
	e.sys(func(tx *sqlx.Tx) error {
		return tx.Get(&n, `select count(*) from case_messages where tenant_id = $1 and case_id = $2`, k.StoreID, k.ID)
	})
	return n
}

func (e *evEnv) firstResponse(k aftersales.Key) *time.Time {
	e.t.Helper()
	var at *time.Time
	e.sys(func(tx *sqlx.Tx) error {
		return tx.Get(&at, `select first_response_at from cases where tenant_id = $1 and id = $2`, k.StoreID, k.ID)
	})
	return at
}

func TestMessageLimits(t *testing.T) {
	e := newEvEnv(t)
	k := e.newCase(aftersales.Requested, "")

	for _, body := range []string{"", "   \n\t  "} {
		_, err := e.post(e.buyer, k, body, e.now)
		refused(t, err, "MESSAGE_EMPTY")
	}
	_, err := e.post(e.buyer, k, strings.Repeat("a", aftersales.MaxMessageChars+1), e.now)
	refused(t, err, "MESSAGE_TOO_LONG", "2000")
	_, err = e.post(e.buyer, k, strings.Repeat("貨", aftersales.MaxMessageChars+1), e.now)
	refused(t, err, "MESSAGE_TOO_LONG")
	_, err = e.post(e.buyer, k, "bad \xff bytes", e.now)
	refused(t, err, "MESSAGE_INVALID_TEXT")
	if n := e.messageCount(k); n != 0 {
		t.Fatalf("%d messages stored after refusals", n)
	}

	// 2000 characters (not bytes) is allowed; surrounding whitespace does not count and is not kept.
	long := strings.Repeat("貨", aftersales.MaxMessageChars)
	m := e.mustPost(e.buyer, k, "  \n"+long+"\n  ", e.now)
	if m.Body != long {
		t.Fatalf("stored %d characters, want the trimmed %d", len([]rune(m.Body)), aftersales.MaxMessageChars)
	}
	// Text is stored as written: escaping is the reader's job.
	html := `<script>alert("x")</script> & <b>bold</b>`
	m = e.mustPost(e.buyer, k, html, e.now.Add(time.Second))
	if m.Body != html || m.Author != "BUYER" || m.AuthorID == nil || *m.AuthorID != e.buyer.UserID || m.CaseID != k.ID {
		t.Fatalf("message stored as %+v", m)
	}
	if got := e.thread(e.merchant, k)[k]; len(got) != 2 || got[1].Body != html {
		t.Fatalf("thread: %+v", got)
	}
}

func TestMessageFirstResponseIsTheStoresFirstMessage(t *testing.T) {
	e := newEvEnv(t)
	k := e.newCase(aftersales.Requested, "")

	e.mustPost(e.buyer, k, "Hello, the screen arrived cracked.", e.now)
	e.mustPost(e.admin, k, "The platform is watching this case.", e.now.Add(time.Minute))
	if at := e.firstResponse(k); at != nil {
		t.Fatalf("first_response_at set to %s by the buyer or an admin", at)
	}
	first := e.now.Add(2 * time.Hour)
	e.mustPost(e.agent, k, "Sorry to hear that; please send a photo.", first)
	if at := e.firstResponse(k); at == nil || !at.Equal(first) {
		t.Fatalf("first_response_at = %v, want %s", at, first)
	}
	e.mustPost(e.merchant, k, "We will refund once we see it.", first.Add(time.Hour))
	if at := e.firstResponse(k); at == nil || !at.Equal(first) {
		t.Fatalf("first_response_at moved to %v by a later message, want %s", at, first)
	}

	// A store that already answered (e.g. by an action) keeps that time.
	answered := e.now.Add(-time.Hour)
	k2 := e.newCase(aftersales.Rejected, "first_response_at = $3", answered)
	e.mustPost(e.merchant, k2, "As said, this is outside the policy.", e.now)
	if at := e.firstResponse(k2); at == nil || !at.Equal(answered) {
		t.Fatalf("first_response_at = %v, want the earlier %s", at, answered)
	}

	// Oldest first, with authors.
	got := e.thread(e.buyer, k, k2)
	authors := []string{}
	for _, m := range got[k] {
		authors = append(authors, m.Author)
	}
	if strings.Join(authors, ",") != "BUYER,ADMIN,MERCHANT,MERCHANT" || len(got[k2]) != 1 {
		t.Fatalf("thread authors %v, second thread %d messages", authors, len(got[k2]))
	}
	for i := 1; i < len(got[k]); i++ {
		if got[k][i].CreatedAt.Before(got[k][i-1].CreatedAt) {
			t.Fatalf("thread not oldest first: %v", got[k])
		}
	}
}

func TestMessageWhoMayWriteAndRead(t *testing.T) {
	e := newEvEnv(t)
	k := e.newCase(aftersales.Requested, "")
	e.mustPost(e.buyer, k, "Where is my refund?", e.now)

	for _, p := range []tenants.Principal{e.otherBuyer, e.stranger} {
		if _, err := e.post(p, k, "let me in", e.now); !errors.Is(err, tenants.ErrNotFound) {
			t.Fatalf("%s posts to another's case: %v, want ErrNotFound", p.Role, err)
		}
		if got := e.thread(p, k); len(got[k]) != 0 {
			t.Fatalf("%s reads another's thread: %+v", p.Role, got[k])
		}
		var n int
		if err := tenants.Run(e.ctx, e.app, p, func(tx *sqlx.Tx) error {
			return tx.Get(&n, `select count(*) from case_messages where tenant_id = $1 and case_id = $2`, k.StoreID, k.ID)
		}); err != nil || n != 0 {
			t.Fatalf("%s sees %d messages by raw SQL (%v)", p.Role, n, err)
		}
	}
	if _, err := e.post(e.buyer, aftersales.Key{StoreID: e.store, ID: uuid.New()}, "hello?", e.now); !errors.Is(err, tenants.ErrNotFound) {
		t.Fatalf("post to a missing case: %v", err)
	}

	readOnly := tenants.Principal{Role: tenants.RoleMerchant, StoreID: e.store, StaffRole: tenants.StaffAPI,
		Scopes: []tenants.Scope{tenants.ScopeCasesRead}, TokenID: uuid.New()}
	for _, p := range []tenants.Principal{readOnly, tenants.System, tenants.Anonymous} {
		if _, err := e.post(p, k, "hi", e.now); !errors.Is(err, tenants.ErrForbidden) {
			t.Fatalf("%s %v posts: %v, want ErrForbidden", p.Role, p.Scopes, err)
		}
	}
	writeOnly := tenants.Principal{Role: tenants.RoleMerchant, StoreID: e.store, StaffRole: tenants.StaffAPI,
		Scopes: []tenants.Scope{tenants.ScopeCasesWrite}, TokenID: uuid.New()}
	m := e.mustPost(writeOnly, k, "Automated: we received your request.", e.now.Add(time.Minute))
	if m.Author != "MERCHANT" || m.AuthorID != nil {
		t.Fatalf("token message recorded as %s %v", m.Author, m.AuthorID)
	}
	if got := e.thread(writeOnly, k); len(got[k]) != 0 {
		t.Fatalf("a token without cases:read reads the thread: %d messages", len(got[k]))
	}
	if got := e.thread(readOnly, k); len(got[k]) != 2 {
		t.Fatalf("a token with cases:read reads %d messages, want 2", len(got[k]))
	}
	if e.messageCount(k) != 2 {
		t.Fatalf("%d messages stored, want 2", e.messageCount(k))
	}

	// Final cases take no more messages.
	closed := e.newCase(aftersales.Withdrawn, "closed_at = $3", e.now)
	for _, p := range []tenants.Principal{e.buyer, e.merchant, e.admin} {
		_, err := e.post(p, closed, "one more thing", e.now.Add(time.Hour))
		refused(t, err, "CASE_CLOSED")
	}
	if e.messageCount(closed) != 0 {
		t.Fatal("a message was stored on a closed case")
	}
	if at := e.firstResponse(closed); at != nil {
		t.Fatalf("a refused message set first_response_at to %s", at)
	}
}
