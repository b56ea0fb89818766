package migrations_test

// The isolation guarantee as PostgreSQL itself states it: the catalog (RLS enabled and forced everywhere, an app
// role that is powerless and owns nothing, policies that read the context through wrapped STABLE helpers) and
// raw SQL as the app role (no context ⇒ no rows; the context dies with its transaction).

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"tradeguard/demo"
	"tradeguard/internal/testdb"
	"tradeguard/migrations"
)

func TestMain(m *testing.M) { testdb.Main(m) }

var demoNow = time.Date(2026, 6, 15, 2, 0, 0, 0, time.UTC)

// loaded returns owner and app connections on the migrated test database with the demo data in it.
func loaded(t *testing.T) (owner, app *sqlx.DB) {
	t.Helper()
	owner, app = testdb.Migrated(t)
	if _, err := demo.Load(context.Background(), app, demoNow); err != nil {
		t.Fatalf("demo data: %v", err)
	}
	return owner, app
}

// publicTables lists the ordinary and partitioned tables of schema public, from the catalog. Partitions are
// left out: they are reached through their parent, whose policies apply (TestPartitionsAreSealed).
func publicTables(t *testing.T, db *sqlx.DB) []string {
	t.Helper()
	var names []string
	if err := db.Select(&names, `select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
		where n.nspname = 'public' and c.relkind in ('r', 'p') and not c.relispartition order by c.relname`); err != nil {
		t.Fatal(err)
	}
	if len(names) == 0 {
		t.Fatal("the catalog lists no table in schema public")
	}
	return names
}

const setContext = `select set_config('app.role', $1, true), set_config('app.user_id', $2, true),
	set_config('app.tenant_id', $3, true)`

func count(t *testing.T, q interface {
	Get(dest any, query string, args ...any) error
}, table string) int {
	t.Helper()
	var n int
	if err := q.Get(&n, `select count(*) from `+pq.QuoteIdentifier(table)); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

func TestEveryPublicTableHasRowLevelSecurityEnabledAndForced(t *testing.T) {
	owner, _ := loaded(t)
	var rows []struct {
		Name   string `db:"relname"`
		Enable bool   `db:"relrowsecurity"`
		Force  bool   `db:"relforcerowsecurity"`
	}
	if err := owner.Select(&rows, `select c.relname, c.relrowsecurity, c.relforcerowsecurity
		from pg_class c join pg_namespace n on n.oid = c.relnamespace
		where n.nspname = 'public' and c.relkind in ('r', 'p') order by c.relname`); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range rows {
		names = append(names, r.Name)
		if !r.Enable || !r.Force {
			t.Errorf("table %s: row security enabled=%v forced=%v, want both", r.Name, r.Enable, r.Force)
		}
	}
	for _, want := range []string{"stores", "users", "orders", "order_items", "products", "api_tokens",
		"refresh_tokens", "store_staff", "categories"} {
		if !slices.Contains(names, want) {
			t.Errorf("table %s missing from schema public (have %v)", want, names)
		}
	}
}

func TestAppRoleIsPowerlessAndOwnsNothing(t *testing.T) {
	owner, app := loaded(t)
	var who string
	if err := app.Get(&who, `select current_user`); err != nil || who != migrations.AppRole {
		t.Fatalf("app connection is %q (%v), want %s", who, err, migrations.AppRole)
	}
	var role struct {
		Super  bool `db:"rolsuper"`
		Bypass bool `db:"rolbypassrls"`
	}
	if err := owner.Get(&role, `select rolsuper, rolbypassrls from pg_roles where rolname = $1`, migrations.AppRole); err != nil {
		t.Fatalf("role %s: %v", migrations.AppRole, err)
	}
	if role.Super || role.Bypass {
		t.Fatalf("%s: rolsuper=%v rolbypassrls=%v, want both false", migrations.AppRole, role.Super, role.Bypass)
	}
	for _, c := range []struct{ what, q string }{
		{"relations and sequences", `select coalesce(string_agg(relname, ', '), '') from pg_class where relowner = (select oid from pg_roles where rolname = $1)`},
		{"schemas", `select coalesce(string_agg(nspname, ', '), '') from pg_namespace where nspowner = (select oid from pg_roles where rolname = $1)`},
		{"functions", `select coalesce(string_agg(proname, ', '), '') from pg_proc where proowner = (select oid from pg_roles where rolname = $1)`},
		{"types", `select coalesce(string_agg(typname, ', '), '') from pg_type where typowner = (select oid from pg_roles where rolname = $1)`},
		{"databases", `select coalesce(string_agg(datname, ', '), '') from pg_database where datdba = (select oid from pg_roles where rolname = $1)`},
	} {
		var owned string
		if err := owner.Get(&owned, c.q, migrations.AppRole); err != nil {
			t.Fatalf("%s: %v", c.what, err)
		}
		if owned != "" {
			t.Errorf("%s owns %s: %s", migrations.AppRole, c.what, owned)
		}
	}
	// Control: the same query does find what the schema owner owns, so the empty answers above mean something.
	var ownerTables int
	if err := owner.Get(&ownerTables, `select count(*) from pg_class where relowner = (select oid from pg_roles where rolname = $1)`,
		migrations.OwnerRole); err != nil || ownerTables == 0 {
		t.Fatalf("owner role owns %d relations (%v)", ownerTables, err)
	}
}

// helperCall is a call of a context helper in a policy expression as pg_get_expr renders it.
var helperCall = regexp.MustCompile(`app\.([a-z_]+)\(\)`)

func TestPoliciesReadTheContextThroughWrappedStableHelpers(t *testing.T) {
	owner, _ := loaded(t)
	var policies []struct {
		Table     string  `db:"tablename"`
		Name      string  `db:"policyname"`
		Qual      *string `db:"qual"`
		WithCheck *string `db:"with_check"`
		OwnerOnly bool    `db:"owner_only"`
	}
	// A policy for the schema owner alone (what a SECURITY DEFINER helper reads) never applies to the app.
	if err := owner.Select(&policies, `select tablename, policyname, qual, with_check,
			roles = array[current_user]::name[] owner_only from pg_policies
		where schemaname = 'public' order by tablename, policyname`); err != nil {
		t.Fatal(err)
	}
	if len(policies) == 0 {
		t.Fatal("no policies in schema public")
	}
	covered := map[string]bool{}
	for _, p := range policies {
		covered[p.Table] = true
		if p.OwnerOnly {
			continue
		}
		if p.Qual == nil {
			t.Errorf("policy %s on %s has no USING expression", p.Name, p.Table)
			continue
		}
		for _, e := range []struct {
			kind string
			expr *string
		}{{"USING", p.Qual}, {"WITH CHECK", p.WithCheck}} {
			if e.expr == nil {
				continue
			}
			calls := helperCall.FindAllStringSubmatchIndex(*e.expr, -1)
			if len(calls) == 0 {
				t.Errorf("policy %s on %s (%s) reads no request context: %s", p.Name, p.Table, e.kind, *e.expr)
			}
			for _, m := range calls {
				name := (*e.expr)[m[2]:m[3]]
				wrapped := strings.HasSuffix((*e.expr)[:m[0]], "( SELECT ") &&
					strings.HasPrefix((*e.expr)[m[1]:], " AS "+name+")")
				if !wrapped {
					t.Errorf("policy %s on %s (%s) calls app.%s() bare, not as (select app.%s()): %s",
						p.Name, p.Table, e.kind, name, name, *e.expr)
				}
			}
		}
	}
	for _, table := range publicTables(t, owner) {
		if !covered[table] {
			t.Errorf("table %s has no policy", table)
		}
	}

	var helpers []struct {
		Name       string `db:"proname"`
		Volatility string `db:"provolatile"`
	}
	if err := owner.Select(&helpers, `select p.proname, p.provolatile::text provolatile from pg_proc p
		join pg_namespace n on n.oid = p.pronamespace where n.nspname = 'app' order by p.proname`); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range helpers {
		names = append(names, f.Name)
		if f.Volatility != "s" {
			t.Errorf("helper app.%s has volatility %q, want STABLE (s)", f.Name, f.Volatility)
		}
	}
	for _, want := range []string{"role", "user_id", "tenant_id", "is_platform"} {
		if !slices.Contains(names, want) {
			t.Errorf("helper app.%s missing (have %v)", want, names)
		}
	}
}

func TestNoContextMeansNoRows(t *testing.T) {
	owner, app := loaded(t)
	ctx := context.Background()
	tables := publicTables(t, owner)

	// The data is there: the owner, with the system context set, sees it.
	otx, err := owner.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer otx.Rollback()
	if _, err := otx.Exec(setContext, "system", "", ""); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"stores", "users", "orders", "order_items", "products"} {
		if n := count(t, otx, table); n == 0 {
			t.Errorf("owner with system context sees no rows in %s; the demo data should be there", table)
		}
	}

	// The app role without any context sees nothing, in every table.
	atx, err := app.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer atx.Rollback()
	var role *string
	if err := atx.Get(&role, `select app.role()`); err != nil || role != nil {
		t.Fatalf("fresh app transaction has app.role() = %v (%v), want NULL", role, err)
	}
	for _, table := range tables {
		if n := count(t, atx, table); n != 0 {
			t.Errorf("app role without context: %s has %d visible rows, want 0", table, n)
		}
	}

	// FORCE: the owner without context sees nothing either.
	if n := count(t, owner, "orders"); n != 0 {
		t.Errorf("owner without context sees %d orders", n)
	}

	// A merchant context without a tenant sees no store's rows.
	mtx, err := app.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer mtx.Rollback()
	if _, err := mtx.Exec(setContext, "merchant", "", ""); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"orders", "order_items", "store_staff", "api_tokens"} {
		if n := count(t, mtx, table); n != 0 {
			t.Errorf("merchant with an empty tenant id sees %d rows of %s", n, table)
		}
	}
	var archived int
	if err := mtx.Get(&archived, `select count(*) from products where status = 'ARCHIVED'`); err != nil || archived != 0 {
		t.Errorf("merchant with an empty tenant id sees %d archived products (%v)", archived, err)
	}
}

func TestContextIsTransactionLocal(t *testing.T) {
	owner, app := loaded(t)
	ctx := context.Background()
	var lotus string
	func() {
		tx, err := owner.BeginTxx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		if _, err := tx.Exec(setContext, "system", "", ""); err != nil {
			t.Fatal(err)
		}
		if err := tx.Get(&lotus, `select id::text from stores where slug = 'lotus-electronics'`); err != nil {
			t.Fatal(err)
		}
	}()

	conn, err := app.Connx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()

	var pid1, pid2, n int
	tx, err := conn.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(setContext, "merchant", "", lotus); err != nil {
		t.Fatal(err)
	}
	if err := tx.Get(&n, `select count(*) from orders`); err != nil || n == 0 {
		t.Fatalf("merchant of lotus sees %d orders (%v); want its orders", n, err)
	}
	if err := tx.Get(&pid1, `select pg_backend_pid()`); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}

	tx, err = conn.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if err := tx.Get(&pid2, `select pg_backend_pid()`); err != nil {
		t.Fatal(err)
	}
	if pid1 != pid2 {
		t.Fatalf("backend changed between transactions (%d, %d); the test needs one connection", pid1, pid2)
	}
	var tenant *string
	if err := tx.Get(&tenant, `select app.tenant_id()::text`); err != nil || tenant != nil {
		t.Fatalf("after commit app.tenant_id() = %v (%v), want NULL", tenant, err)
	}
	if err := tx.Get(&n, `select count(*) from orders`); err != nil || n != 0 {
		t.Fatalf("a new transaction on the same connection sees %d orders (%v), want 0", n, err)
	}
}

// TestPartitionsAreSealed: a partition (order_events and case_events by month) is reached only through its parent: the app
// role has no privilege on it, and its row security is forced with no policy, so even a grant would show
// nothing. Every month the maintenance made is there, with the default partition.
func TestPartitionsAreSealed(t *testing.T) {
	owner, app := loaded(t)
	var parts []struct {
		Name  string `db:"relname"`
		Force bool   `db:"relforcerowsecurity"`
	}
	for _, parent := range []string{"order_events", "case_events"} {
		var of []struct {
			Name  string `db:"relname"`
			Force bool   `db:"relforcerowsecurity"`
		}
		if err := owner.Select(&of, `select c.relname, c.relforcerowsecurity from pg_inherits i
			join pg_class c on c.oid = i.inhrelid where i.inhparent = $1::regclass order by c.relname`, parent); err != nil {
			t.Fatal(err)
		}
		if len(of) < 5 { // the default and at least this month and three ahead
			t.Fatalf("%s has %d partitions: %+v", parent, len(of), of)
		}
		parts = append(parts, of...)
	}
	for _, p := range parts {
		if !p.Force {
			t.Errorf("partition %s: row security not forced", p.Name)
		}
		var n int
		err := app.Get(&n, `select count(*) from `+pq.QuoteIdentifier(p.Name))
		if err == nil || !strings.Contains(err.Error(), "permission denied") {
			t.Errorf("app role reading partition %s directly: %d rows, %v; want permission denied", p.Name, n, err)
		}
	}
}
