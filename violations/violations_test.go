package violations_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"tradeguard/tenants"
	"tradeguard/violations"
)

func TestIssueRefusals(t *testing.T) {
	e := newEnv(t)
	st := e.newStore()
	issue := func(p tenants.Principal, in violations.IssueInput) error {
		return e.as(p, func(s *tenants.Session) error {
			_, err := violations.Issue(e.ctx, s, in, t0)
			return err
		})
	}
	ok := violations.IssueInput{StoreID: st.id, Code: violations.CodeFraud, Evidence: "https://evidence.test/1"}
	for _, p := range []tenants.Principal{st.owner, e.buyer, tenants.Anonymous, tenants.System} {
		if err := issue(p, ok); !isErr(err, tenants.ErrForbidden) {
			t.Errorf("Issue as %s: %v, want forbidden", p.Role, err)
		}
	}
	zero, tooMany, missing := 0, 49, uuid.New()
	for _, c := range []struct {
		name string
		in   violations.IssueInput
		want map[string]string
	}{
		{"system code", violations.IssueInput{StoreID: st.id, Code: violations.CodeMissedResponse, Evidence: "x"},
			map[string]string{"CODE_NOT_ADMIN_ISSUED": "input.code"}},
		{"no evidence", violations.IssueInput{StoreID: st.id, Code: violations.CodeCounterfeit, Evidence: "  "},
			map[string]string{"EVIDENCE_REQUIRED": "input.evidence"}},
		{"everything wrong at once", violations.IssueInput{StoreID: uuid.New(), Code: "NOPE", Points: &zero, Note: strings.Repeat("n", 2001)},
			map[string]string{"STORE_NOT_FOUND": "input.storeId", "UNKNOWN_CODE": "input.code", "EVIDENCE_REQUIRED": "input.evidence",
				"INVALID_POINTS": "input.points", "NOTE_TOO_LONG": "input.note"}},
		{"too many points, unknown case", violations.IssueInput{StoreID: st.id, Code: violations.CodeFraud, Evidence: "x", Points: &tooMany, CaseID: &missing},
			map[string]string{"INVALID_POINTS": "input.points", "CASE_NOT_FOUND": "input.caseId"}},
	} {
		got := codes(t, issue(e.admin, c.in))
		if len(got) != len(c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
		for code, field := range c.want {
			if got[code] != field {
				t.Errorf("%s: %v, want %s at %s", c.name, got, code, field)
			}
		}
	}
	v := e.issue(st, violations.CodeFraud, 0, t0)
	if v.Points != 24 || v.Track != violations.Serious || v.IssuedBy != violations.ByAdmin || v.IssuerID == nil ||
		*v.IssuerID != e.admin.UserID || !v.ExpiresAt.Equal(t0.Add(365*day)) || v.Status != violations.StatusActive {
		t.Fatalf("issued %+v", v)
	}
}

func TestAppealWindowAndDecision(t *testing.T) {
	e := newEnv(t)
	st, other := e.newStore(), e.newStore()
	appeal := func(p tenants.Principal, v violations.Violation, reason string, at time.Time) error {
		return e.as(p, func(s *tenants.Session) error {
			_, err := violations.Appeal(e.ctx, s, violations.KeyOf(v), reason, at)
			return err
		})
	}
	decide := func(v violations.Violation, uphold bool, at time.Time) (violations.Violation, error) {
		var out violations.Violation
		err := e.as(e.admin, func(s *tenants.Session) (err error) {
			out, err = violations.Decide(e.ctx, s, violations.KeyOf(v), uphold, "decided", at)
			return err
		})
		return out, err
	}
	late := e.issue(st, violations.CodeFakeTracking, 0, t0)
	closes := t0.Add(7 * day)
	// At the edge: issued_at + 7 days is too late, one second before is in time.
	code, msg := ruleCode(t, appeal(st.owner, late, "we shipped it", closes))
	if code != "APPEAL_WINDOW_CLOSED" || !strings.Contains(msg, rfc(closes)) {
		t.Fatalf("appeal at issued_at+7d: %s %q, want APPEAL_WINDOW_CLOSED naming %s", code, msg, rfc(closes))
	}
	v := e.issue(st, violations.CodeFakeTracking, 0, t0)
	for _, c := range []struct {
		p    tenants.Principal
		want error
	}{{st.agent, tenants.ErrForbidden}, {other.owner, tenants.ErrNotFound}, {e.buyer, tenants.ErrForbidden}, {e.admin, tenants.ErrForbidden}} {
		if err := appeal(c.p, v, "no", t0.Add(time.Hour)); !isErr(err, c.want) {
			t.Errorf("appeal as %s %s: %v, want %v", c.p.Role, c.p.StaffRole, err, c.want)
		}
	}
	if code, _ := ruleCode(t, appeal(st.owner, v, "  ", t0)); code != "REASON_REQUIRED" {
		t.Errorf("appeal without a reason: %s", code)
	}
	if _, err := decide(v, true, t0); err == nil || !strings.Contains(err.Error(), "NO_OPEN_APPEAL") {
		t.Errorf("decide before an appeal: %v", err)
	}
	e.must(appeal(st.owner, v, "the tracking number is right", closes.Add(-time.Second)))
	if code, _ := ruleCode(t, appeal(st.owner, v, "again", closes.Add(-time.Second))); code != "ALREADY_APPEALED" {
		t.Errorf("second appeal: %s", code)
	}
	// Appealed points still count.
	if g, _ := e.points(st, closes); g != 8 {
		t.Errorf("with one appealed: %d points, want 8", g)
	}
	if err := e.as(st.owner, func(s *tenants.Session) error {
		_, err := violations.Decide(e.ctx, s, violations.KeyOf(v), false, "mine", closes)
		return err
	}); !isErr(err, tenants.ErrForbidden) {
		t.Errorf("the owner decides its own appeal: %v", err)
	}
	if err := e.as(e.admin, func(s *tenants.Session) error {
		_, err := violations.Decide(e.ctx, s, violations.KeyOf(v), false, "", closes)
		return err
	}); !strings.Contains(codesString(t, err), "NOTE_REQUIRED") {
		t.Errorf("decide without a note: %v", err)
	}
	upheld, err := decide(v, true, closes)
	e.must(err)
	if upheld.Status != violations.StatusUpheld || upheld.DecidedBy == nil || *upheld.DecidedBy != e.admin.UserID {
		t.Fatalf("upheld: %+v", upheld)
	}
	if _, err := decide(v, false, closes); err == nil || !strings.Contains(err.Error(), "NO_OPEN_APPEAL") {
		t.Errorf("deciding twice: %v", err)
	}
	if code, msg := ruleCode(t, appeal(st.owner, v, "again", closes.Add(-time.Second))); code != "ALREADY_APPEALED" || !strings.Contains(msg, "upheld") {
		t.Errorf("appeal after the decision: %s %q", code, msg)
	}
	if g, _ := e.points(st, closes); g != 8 {
		t.Errorf("upheld still counts: %d points, want 8", g)
	}
	// Revoked: stops counting from the decision on.
	w := e.issue(st, violations.CodeFakeTracking, 0, closes)
	e.revoke(st, w, closes.Add(day))
	if g, _ := e.points(st, closes.Add(day)); g != 8 {
		t.Errorf("after a revocation: %d points, want 8", g)
	}
	if g, _ := e.points(st, closes.Add(day-time.Second)); g != 12 {
		t.Errorf("just before the revocation: %d points, want 12", g)
	}
}

// asRaw runs q as the app role with a raw request context, returning a count.
func (e *env) asRaw(role string, user, tenant uuid.UUID, q string, args ...any) (n int, err error) {
	e.t.Helper()
	tx, err := e.app.Beginx()
	if err != nil {
		e.t.Fatal(err)
	}
	defer tx.Rollback()
	str := func(id uuid.UUID) string {
		if id == uuid.Nil {
			return ""
		}
		return id.String()
	}
	if _, err := tx.Exec(`select set_config('app.role', $1, true), set_config('app.user_id', $2, true),
		set_config('app.tenant_id', $3, true)`, role, str(user), str(tenant)); err != nil {
		e.t.Fatal(err)
	}
	if strings.HasPrefix(strings.TrimSpace(q), "select") {
		err = tx.Get(&n, q, args...)
		return n, err
	}
	res, err := tx.Exec(q, args...)
	if err != nil {
		return 0, err
	}
	rows, _ := res.RowsAffected()
	return int(rows), nil
}

func TestIsolation(t *testing.T) {
	e := newEnv(t)
	a, b := e.newStore(), e.newStore()
	va := e.issue(a, violations.CodeHarassingBuyers, 0, t0)
	vb := e.issue(b, violations.CodeFraud, 48, t0)

	// Through the package: another store's violations answer like missing ones.
	e.must(e.as(a.owner, func(s *tenants.Session) error {
		if _, _, err := violations.List(e.ctx, s, b.id, violations.Filter{}, nil, 10); !isErr(err, tenants.ErrNotFound) {
			t.Errorf("List of another store: %v", err)
		}
		if _, err := violations.Get(e.ctx, s, violations.KeyOf(vb)); !isErr(err, tenants.ErrNotFound) {
			t.Errorf("Get of another store's violation: %v", err)
		}
		if _, _, err := violations.ActivePointsOf(e.ctx, s, b.id, t0); !isErr(err, tenants.ErrNotFound) {
			t.Errorf("points of another store: %v", err)
		}
		if _, err := violations.Penalties(e.ctx, s, b.id, nil); !isErr(err, tenants.ErrNotFound) {
			t.Errorf("penalties of another store: %v", err)
		}
		got, err := violations.ByKeys(e.ctx, s, []violations.Key{violations.KeyOf(va), violations.KeyOf(vb)})
		if len(got) != 1 || got[0].ID != va.ID {
			t.Errorf("ByKeys of both stores' violations as a's owner: %+v", got)
		}
		return err
	}))
	e.must(e.as(a.agent, func(s *tenants.Session) error {
		vs, _, err := violations.List(e.ctx, s, a.id, violations.Filter{}, nil, 10)
		if len(vs) != 1 || vs[0].ID != va.ID {
			t.Errorf("the agent's own store: %+v", vs)
		}
		return err
	}))
	token := tenants.Principal{Role: tenants.RoleMerchant, StoreID: a.id, StaffRole: tenants.StaffAPI, Scopes: []tenants.Scope{tenants.ScopeOrdersRead}}
	e.must(e.as(token, func(s *tenants.Session) error {
		if _, _, err := violations.List(e.ctx, s, a.id, violations.Filter{}, nil, 10); !isErr(err, tenants.ErrForbidden) {
			t.Errorf("a token without metrics:read: %v", err)
		}
		return nil
	}))
	for _, p := range []tenants.Principal{e.buyer, tenants.Anonymous} {
		e.must(e.as(p, func(s *tenants.Session) error {
			if _, _, err := violations.List(e.ctx, s, a.id, violations.Filter{}, nil, 10); !isErr(err, tenants.ErrForbidden) {
				t.Errorf("List as %s: %v", p.Role, err)
			}
			if _, err := violations.Get(e.ctx, s, violations.KeyOf(va)); !isErr(err, tenants.ErrNotFound) {
				t.Errorf("Get as %s: %v", p.Role, err)
			}
			got, err := violations.ByKeys(e.ctx, s, []violations.Key{violations.KeyOf(va)})
			if len(got) != 0 {
				t.Errorf("ByKeys as %s: %+v", p.Role, got)
			}
			return err
		}))
	}

	// Underneath: raw SQL as the app role under each context.
	count := func(role string, user, tenant uuid.UUID, q string, args ...any) int {
		t.Helper()
		n, err := e.asRaw(role, user, tenant, q, args...)
		if err != nil {
			t.Fatalf("%s: %s: %v", role, q, err)
		}
		return n
	}
	if n := count("merchant", a.owner.UserID, a.id, `select count(*) from violations where tenant_id = $1`, b.id); n != 0 {
		t.Errorf("a's merchant sees %d of b's violations", n)
	}
	if n := count("merchant", a.owner.UserID, a.id, `select count(*) from violations where tenant_id <> $1`, a.id); n != 0 {
		t.Errorf("a's merchant sees %d violations of other stores", n)
	}
	if n := count("merchant", a.owner.UserID, a.id, `select count(*) from violations`); n != 1 {
		t.Errorf("a's merchant sees %d violations, want its 1", n)
	}
	for _, role := range []string{"buyer", "anonymous"} {
		if n := count(role, e.buyer.UserID, uuid.Nil, `select count(*) from violations`); n != 0 {
			t.Errorf("%s sees %d violations", role, n)
		}
	}
	if n := count("merchant", uuid.Nil, uuid.Nil, `select count(*) from violations`); n != 0 {
		t.Errorf("a merchant without a tenant sees %d violations", n)
	}
	if n := count("admin", e.admin.UserID, uuid.Nil, `select count(*) from violations where tenant_id in ($1, $2)`, a.id, b.id); n != 2 {
		t.Errorf("the admin sees %d of the two stores' violations", n)
	}
	// Writes: a store cannot touch another store's rows, nor change its own beyond an appeal.
	if n := count("merchant", a.owner.UserID, a.id, `update violations set status = 'APPEALED', appealed_at = now(),
		appeal_reason = 'x', appealed_by = $2 where tenant_id = $1`, b.id, a.owner.UserID); n != 0 {
		t.Errorf("a's owner appealed %d of b's violations", n)
	}
	if n := count("merchant", a.agent.UserID, a.id, `update violations set status = 'APPEALED', appealed_at = $2,
		appeal_reason = 'x', appealed_by = $3 where tenant_id = $1`, a.id, t0, a.agent.UserID); n != 0 {
		t.Errorf("a's agent appealed %d violations", n)
	}
	refused := func(what, want string, err error) {
		t.Helper()
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want an error saying %q", what, err, want)
		}
	}
	_, err := e.asRaw("merchant", a.owner.UserID, a.id, `update violations set points = 1 where tenant_id = $1`, a.id)
	refused("a's owner changes its violation's points", "may only appeal", err) // the trigger (before the with check)
	_, err = e.asRaw("merchant", a.owner.UserID, a.id, `update violations set status = 'APPEALED', appealed_at = $2,
		appeal_reason = 'x', appealed_by = $3, points = 1 where tenant_id = $1`, a.id, t0, a.owner.UserID)
	refused("a's owner lowers its points while appealing", "may only appeal", err) // the trigger
	_, err = e.asRaw("merchant", a.owner.UserID, a.id, `delete from violations where tenant_id = $1`, a.id)
	refused("a's owner deletes its violations", "permission denied", err)
	_, err = e.asRaw("admin", e.admin.UserID, uuid.Nil, `delete from violations where tenant_id = $1`, a.id)
	refused("the admin deletes violations", "permission denied", err)
	_, err = e.asRaw("merchant", a.owner.UserID, a.id, `insert into violations (tenant_id, id, code, track, points, issued_at,
		expires_at, issued_by, cause) values ($1, $2, 'MISSED_RESPONSE', 'GENERAL', 1, $3::timestamptz, $3::timestamptz + interval '8760 hours', 'SYSTEM', 'x')`,
		a.id, uuid.New(), t0)
	refused("a merchant writes a violation", "row-level security", err)

	// Penalties: anyone reads them (store ids, kinds, times); only the platform writes them.
	if n := count("anonymous", uuid.Nil, uuid.Nil, `select count(*) from store_penalties where tenant_id = $1`, b.id); n != 1 {
		t.Errorf("anonymous sees %d of b's penalties, want 1 (the catalogue needs them)", n)
	}
	if n := count("buyer", e.buyer.UserID, uuid.Nil, `select count(*) from violation_codes`); n != 8 {
		t.Errorf("a buyer sees %d violation codes, want 8", n)
	}
	if n := count("merchant", b.owner.UserID, b.id, `update store_penalties set lifted_at = $2, lift_reason = 'x' where tenant_id = $1`, b.id, t0); n != 0 {
		t.Errorf("b's owner lifted %d of its penalties", n)
	}
	if n := count("merchant", b.owner.UserID, b.id, `update violation_codes set default_points = 1`); n != 0 {
		t.Errorf("a merchant changed %d violation codes", n)
	}
	_, err = e.asRaw("buyer", e.buyer.UserID, uuid.Nil, `insert into store_penalties (tenant_id, id, kind, track, threshold, points,
		starts_at, reason) values ($1, $2, 'STORE_SUSPENDED', 'GENERAL', 48, 48, $3, 'x')`, a.id, uuid.New(), t0)
	refused("a buyer writes a penalty", "row-level security", err)
	// No context: nothing.
	for _, table := range []string{"violations", "store_penalties", "violation_codes"} {
		var n int
		func() {
			tx, err := e.app.Beginx()
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback()
			if err := tx.Get(&n, `select count(*) from `+table); err != nil {
				t.Fatal(err)
			}
		}()
		if n != 0 {
			t.Errorf("no context: %d rows of %s", n, table)
		}
	}
}

// TestHiddenFromSearch: the predicate the public catalogue adds leaves out exactly the stores hidden (or
// suspended) at the given time.
func TestHiddenFromSearch(t *testing.T) {
	e := newEnv(t)
	hidden, suspended, fine := e.newStore(), e.newStore(), e.newStore()
	e.issue(hidden, violations.CodeCounterfeit, 0, t0) // 12 serious: hidden 7 days
	e.issue(suspended, violations.CodeFakeTracking, 48, t0)
	e.issue(fine, violations.CodeFakeTracking, 11, t0)
	e.system(func(tx *sqlx.Tx) error {
		for _, st := range []store{hidden, suspended, fine} {
			if _, err := tx.Exec(`insert into products (tenant_id, id, sku, title, category, price_minor, currency, warranty_days, created_at)
				values ($1, $2, 'SKU-1', 'A thing', 'electronics', 100, 'TWD', 0, $3)`, st.id, uuid.New(), t0); err != nil {
				return err
			}
		}
		return nil
	})
	visible := func(at time.Time) map[uuid.UUID]bool {
		out := map[uuid.UUID]bool{}
		e.must(e.as(tenants.Anonymous, func(s *tenants.Session) error {
			return s.Do(e.ctx, func(tx *sqlx.Tx) error {
				q := strings.NewReplacer("?", "$1").Replace(tenants.NotHiddenFromSearchSQL("products"))
				var ids []uuid.UUID
				err := tx.Select(&ids, `select tenant_id from products where tenant_id = any($2) and `+q,
					at, pqArray(hidden.id, suspended.id, fine.id))
				for _, id := range ids {
					out[id] = true
				}
				return err
			})
		}))
		return out
	}
	for _, c := range []struct {
		at   time.Time
		want map[uuid.UUID]bool
	}{
		{t0.Add(-time.Second), map[uuid.UUID]bool{hidden.id: true, suspended.id: true, fine.id: true}},
		{t0, map[uuid.UUID]bool{fine.id: true}},
		{t0.Add(7*day - time.Second), map[uuid.UUID]bool{fine.id: true}},
		{t0.Add(7 * day), map[uuid.UUID]bool{hidden.id: true, fine.id: true}},
	} {
		got := visible(c.at)
		if len(got) != len(c.want) || got[hidden.id] != c.want[hidden.id] || got[suspended.id] != c.want[suspended.id] || !got[fine.id] {
			t.Errorf("at %s: visible %v, want %v", rfc(c.at), got, c.want)
		}
	}
}

func pqArray(ids ...uuid.UUID) any { return pq.Array(ids) }
