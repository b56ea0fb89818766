package violations_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"tradeguard/demo"
	"tradeguard/internal/testdb"
	"tradeguard/scheduler"
	"tradeguard/tenants"
	"tradeguard/violations"
)

// These tests run against a real PostgreSQL database, migrated as the server does it, with the demo data,
// connected as the server's own role (row-level security applies). Every test works on stores it creates
// itself, so the tests do not see each other's violations and penalties.

func TestMain(m *testing.M) { testdb.Main(m) }

var demoNow = time.Date(2026, 6, 15, 2, 0, 0, 0, time.UTC)

var (
	dbOnce  sync.Once
	dbErr   error
	ownerDB *sqlx.DB
	appDB   *sqlx.DB
)

// keepAlive lets the package-wide connections outlive the first test that opened them.
type keepAlive struct{ testing.TB }

func (keepAlive) Cleanup(func()) {}

type env struct {
	t     *testing.T
	ctx   context.Context
	owner *sqlx.DB
	app   *sqlx.DB
	admin tenants.Principal
	buyer tenants.Principal
}

func newEnv(t *testing.T) *env {
	t.Helper()
	dbOnce.Do(func() {
		ownerDB, appDB = testdb.Migrated(keepAlive{t})
		_, dbErr = demo.Load(context.Background(), appDB, demoNow)
	})
	if dbErr != nil || appDB == nil {
		t.Fatalf("demo database: %v", dbErr)
	}
	e := &env{t: t, ctx: context.Background(), owner: ownerDB, app: appDB}
	e.admin = tenants.Principal{Role: tenants.RoleAdmin, UserID: e.userID("admin@tradeguard.test")}
	e.buyer = tenants.Principal{Role: tenants.RoleBuyer, UserID: e.userID("buyer1@tradeguard.test")}
	return e
}

// system runs fn as the schema owner with the SYSTEM context (row-level security is forced on the owner too).
func (e *env) system(fn func(tx *sqlx.Tx) error) {
	e.t.Helper()
	tx, err := e.owner.Beginx()
	if err != nil {
		e.t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.Exec(`select set_config('app.role', 'system', true)`); err != nil {
		e.t.Fatal(err)
	}
	if err := fn(tx); err != nil {
		e.t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) userID(email string) uuid.UUID {
	e.t.Helper()
	var id uuid.UUID
	e.system(func(tx *sqlx.Tx) error { return tx.Get(&id, `select id from users where email = $1`, email) })
	return id
}

// as runs fn in a session of p (the app role, as the server does) and commits it if fn succeeds.
func (e *env) as(p tenants.Principal, fn func(s *tenants.Session) error) error {
	e.t.Helper()
	s := tenants.NewSession(e.app, p, false)
	if err := fn(s); err != nil {
		_ = s.Rollback()
		return err
	}
	if err := s.Commit(); err != nil {
		e.t.Fatalf("commit: %v", err)
	}
	return nil
}

// must fails the test on err.
func (e *env) must(err error) {
	e.t.Helper()
	if err != nil {
		e.t.Fatal(err)
	}
}

type store struct {
	id    uuid.UUID
	slug  string
	owner tenants.Principal
	agent tenants.Principal
}

// newStore writes a store with an owner and an agent, as the system.
func (e *env) newStore() store {
	e.t.Helper()
	st := store{id: uuid.New(), slug: "viol-" + strings.ReplaceAll(uuid.NewString(), "-", "")[:12]}
	ownerID, agentID := uuid.New(), uuid.New()
	e.system(func(tx *sqlx.Tx) error {
		if _, err := tx.Exec(`insert into stores (id, slug, name, category, currency) values ($1, $2, $3, 'electronics', 'TWD')`,
			st.id, st.slug, "Store "+st.slug); err != nil {
			return err
		}
		for _, u := range []struct {
			id   uuid.UUID
			role string
		}{{ownerID, "OWNER"}, {agentID, "AGENT"}} {
			if _, err := tx.Exec(`insert into users (id, email, password_hash, display_name, role, staff_store_id)
				values ($1, $2, 'x', $3, 'MERCHANT', $4)`, u.id, strings.ToLower(u.role)+"@"+st.slug+".test", u.role+" of "+st.slug, st.id); err != nil {
				return err
			}
			if _, err := tx.Exec(`insert into store_staff (tenant_id, user_id, staff_role) values ($1, $2, $3)`, st.id, u.id, u.role); err != nil {
				return err
			}
		}
		return nil
	})
	st.owner = tenants.Principal{Role: tenants.RoleMerchant, UserID: ownerID, StoreID: st.id, StaffRole: tenants.StaffOwner}
	st.agent = tenants.Principal{Role: tenants.RoleMerchant, UserID: agentID, StoreID: st.id, StaffRole: tenants.StaffAgent}
	return st
}

// issue has the admin issue a violation of code with the given points (0: the code's default) at `at`.
func (e *env) issue(st store, code string, points int, at time.Time) violations.Violation {
	e.t.Helper()
	in := violations.IssueInput{StoreID: st.id, Code: code, Evidence: "https://evidence.test/" + code, Note: "test"}
	if points > 0 {
		in.Points = &points
	}
	var v violations.Violation
	e.must(e.as(e.admin, func(s *tenants.Session) (err error) {
		v, err = violations.Issue(e.ctx, s, in, at)
		return err
	}))
	return v
}

// revoke has the store's owner appeal v and the admin revoke it, both at `at`.
func (e *env) revoke(st store, v violations.Violation, at time.Time) {
	e.t.Helper()
	e.must(e.as(st.owner, func(s *tenants.Session) error {
		_, err := violations.Appeal(e.ctx, s, violations.KeyOf(v), "not us", at)
		return err
	}))
	e.must(e.as(e.admin, func(s *tenants.Session) error {
		_, err := violations.Decide(e.ctx, s, violations.KeyOf(v), false, "the evidence does not hold", at)
		return err
	}))
}

// points reads the store's active points at `at` as its owner.
func (e *env) points(st store, at time.Time) (general, serious int) {
	e.t.Helper()
	e.must(e.as(st.owner, func(s *tenants.Session) (err error) {
		general, serious, err = violations.ActivePointsOf(e.ctx, s, st.id, at)
		return err
	}))
	return general, serious
}

// inForce reads the store's penalties in force at `at` as a buyer (anyone may).
func (e *env) inForce(st store, at time.Time) []tenants.Penalty {
	e.t.Helper()
	var ps []tenants.Penalty
	e.must(e.as(e.buyer, func(s *tenants.Session) (err error) {
		ps, err = tenants.ActivePenalties(e.ctx, s, st.id, at)
		return err
	}))
	return ps
}

// all reads every penalty of the store, newest first, as the admin.
func (e *env) all(st store) []tenants.Penalty {
	e.t.Helper()
	var ps []tenants.Penalty
	e.must(e.as(e.admin, func(s *tenants.Session) (err error) {
		ps, err = violations.Penalties(e.ctx, s, st.id, nil)
		return err
	}))
	return ps
}

// check runs tenants.CheckPenalty for kind at `at` as p.
func (e *env) check(p tenants.Principal, st store, kind string, at time.Time) error {
	e.t.Helper()
	var out error
	e.must(e.as(p, func(s *tenants.Session) error {
		out = tenants.CheckPenalty(e.ctx, s, st.id, kind, at)
		return nil
	}))
	return out
}

// recomputeDue is the store's pending violations.recompute deadline (nil if none), as the admin sees it.
func (e *env) recomputeDue(st store) *time.Time {
	e.t.Helper()
	var due *time.Time
	e.must(e.as(e.admin, func(s *tenants.Session) error {
		ds, err := scheduler.Pending(e.ctx, s, st.id)
		for _, d := range ds {
			if d.Kind == violations.KindRecompute {
				due = &d.DueAt
			}
		}
		return err
	}))
	return due
}

// runDue runs the scheduler at `at` with this package's handlers, as the server does. (Deadlines of other
// kinds that happen to be due, e.g. the demo orders', fail for want of a handler; the tests do not look at them.)
func (e *env) runDue(at time.Time) {
	e.t.Helper()
	r := &scheduler.Runner{DB: e.app, Now: func() time.Time { return at }, Handlers: violations.Handlers(),
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if _, err := r.RunDue(e.ctx); err != nil {
		e.t.Fatalf("RunDue at %s: %v", at, err)
	}
}

// ruleCode is the code and message of a single rule refusal; it fails the test for anything else.
func ruleCode(t *testing.T, err error) (code, msg string) {
	t.Helper()
	rules, ok := tenants.AsRuleErrors(err)
	if !ok || len(rules) != 1 {
		t.Fatalf("want one rule refusal, got %v", err)
	}
	return rules[0].Code, rules[0].Message
}

func codes(t *testing.T, err error) map[string]string {
	t.Helper()
	rules, ok := tenants.AsRuleErrors(err)
	if !ok {
		t.Fatalf("want rule refusals, got %v", err)
	}
	out := map[string]string{}
	for _, r := range rules {
		out[r.Code] = strings.Join(r.Field, ".")
	}
	return out
}

func isErr(err, target error) bool { return errors.Is(err, target) }

func rfc(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func describe(ps []tenants.Penalty) string {
	var b strings.Builder
	for _, p := range ps {
		fmt.Fprintf(&b, "[%s %s %d from %s to %v lifted %v] ", p.Kind, p.Track, p.Threshold, rfc(p.StartsAt), p.EndsAt, p.LiftedAt)
	}
	return b.String()
}
