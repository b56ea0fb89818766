package demo_test

import (
	"context"
	"database/sql"
	"slices"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"tradeguard/demo"
	"tradeguard/internal/testdb"
	"tradeguard/migrations"
	"tradeguard/tenants"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// open connects to dbname on the test cluster as user (trust authentication).
func open(t *testing.T, user, dbname string) *sqlx.DB {
	t.Helper()
	cfg, err := pq.NewConfig(testdb.DSNFor(t, user))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Database = dbname
	conn, err := pq.NewConnectorConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	db := sqlx.NewDb(sql.OpenDB(conn), "postgres")
	t.Cleanup(func() { db.Close() })
	return db
}

// prepare bootstraps and migrates dbname the way the server does and returns a superuser connection (which
// bypasses row-level security, for the checks) and an app-role connection (for Load).
func prepare(t *testing.T, dbname string) (super, app *sqlx.DB) {
	t.Helper()
	ctx := context.Background()
	super = open(t, "postgres", dbname)
	if err := migrations.Bootstrap(ctx, super.DB, dbname); err != nil {
		t.Fatal(err)
	}
	if err := migrations.Up(ctx, open(t, migrations.OwnerRole, dbname).DB); err != nil {
		t.Fatal(err)
	}
	return super, open(t, migrations.AppRole, dbname)
}

// secondDB creates another empty database on the cluster, dropped when the test ends.
func secondDB(t *testing.T, first *sqlx.DB, name string) {
	t.Helper()
	q := pq.QuoteIdentifier(name)
	if _, err := first.Exec("create database " + q); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := first.Exec("drop database if exists " + q + " with (force)"); err != nil {
			t.Log(err)
		}
	})
}

func counts(t *testing.T, db *sqlx.DB) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, table := range []string{"stores", "users", "store_staff", "products", "orders", "order_items", "ratings", "cases"} {
		var n int
		if err := db.Get(&n, "select count(*) from "+table); err != nil {
			t.Fatal(err)
		}
		out[table] = n
	}
	return out
}

// fingerprint digests every order (id, number, status, amounts, times), every line and every case.
func fingerprint(t *testing.T, db *sqlx.DB) string {
	t.Helper()
	var s string
	err := db.Get(&s, `select md5(
		(select string_agg(concat_ws('|', id, number, buyer_id, status, total_minor, paid_minor, refunded_minor,
			extract(epoch from created_at), extract(epoch from paid_at), extract(epoch from shipped_at),
			extract(epoch from delivered_at), extract(epoch from completed_at), extract(epoch from cancelled_at),
			tracking_number), ',' order by id)
		 from orders) ||
		(select string_agg(concat_ws('|', id, order_id, product_id, quantity, unit_price_minor, gift_of,
			declared_value_minor), ',' order by id) from order_items) ||
		(select string_agg(concat_ws('|', number, order_id, type, status, reason, requested_minor, refunded_minor,
			extract(epoch from created_at), extract(epoch from updated_at)), ',' order by number) from cases))`)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// zero runs a query that counts violations and fails the test if there are any.
func zero(t *testing.T, db *sqlx.DB, what, query string, args ...any) {
	t.Helper()
	var n int
	if err := db.Get(&n, query, args...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if n != 0 {
		t.Errorf("%s: %d violations", what, n)
	}
}

func TestLoad(t *testing.T) {
	ctx := context.Background()
	super0 := sqlx.MustOpen("postgres", testdb.New(t))
	defer super0.Close()
	var dbname string
	if err := super0.Get(&dbname, "select current_database()"); err != nil {
		t.Fatal(err)
	}
	super, app := prepare(t, dbname)

	now := time.Now()
	start := time.Now()
	loaded, err := demo.Load(ctx, app, now)
	if err != nil || !loaded {
		t.Fatalf("first Load: loaded=%v err=%v", loaded, err)
	}
	t.Logf("first load took %v", time.Since(start))
	before := counts(t, super)
	t.Logf("rows: %v", before)

	loaded, err = demo.Load(ctx, app, now.Add(time.Hour))
	if err != nil || loaded {
		t.Fatalf("second Load: loaded=%v err=%v", loaded, err)
	}
	if after := counts(t, super); !mapsEqual(before, after) {
		t.Errorf("second Load changed the data: %v → %v", before, after)
	}

	t.Run("accounts", func(t *testing.T) { checkAccounts(t, super, app) })
	t.Run("orders", func(t *testing.T) { checkOrders(t, super, now, before) })
	t.Run("story", func(t *testing.T) { checkStory(t, super, app, now) })

	t.Run("deterministic", func(t *testing.T) {
		other := dbname + "_again"
		secondDB(t, super, other)
		super2, app2 := prepare(t, other)
		if loaded, err := demo.Load(ctx, app2, now); err != nil || !loaded {
			t.Fatalf("Load in a second database: loaded=%v err=%v", loaded, err)
		}
		if a, b := fingerprint(t, super), fingerprint(t, super2); a != b {
			t.Errorf("same now, different data: %s vs %s", a, b)
		}
	})
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func checkAccounts(t *testing.T, super, app *sqlx.DB) {
	logins := demo.Logins()
	if len(logins) != 26 {
		t.Errorf("Logins: %d accounts, want 26", len(logins))
	}
	c := counts(t, super)
	if c["users"] != 26 || c["stores"] != 3 || c["store_staff"] != 4 {
		t.Errorf("counts %v: want 26 users, 3 stores, 4 staff", c)
	}
	for _, l := range logins {
		var u struct {
			Role  string         `db:"role"`
			Hash  string         `db:"password_hash"`
			Staff sql.NullString `db:"staff_role"`
			Store sql.NullString `db:"slug"`
		}
		err := super.Get(&u, `select u.role, u.password_hash, ss.staff_role, s.slug from users u
			left join store_staff ss on ss.user_id = u.id left join stores s on s.id = ss.tenant_id
			where lower(u.email) = lower($1)`, l.Email)
		if err != nil {
			t.Fatalf("%s: %v", l.Email, err)
		}
		if u.Role != l.Role || u.Store.String != l.Store {
			t.Errorf("%s: role %s store %q, Logins says %s %q", l.Email, u.Role, u.Store.String, l.Role, l.Store)
		}
		if want := map[string]string{"owner@": "OWNER", "agent@": "AGENT"}[l.Email[:6]]; u.Staff.String != want {
			t.Errorf("%s: staff role %q, want %q", l.Email, u.Staff.String, want)
		}
	}
	zero(t, super, "shared password hashes", `select count(*) - count(distinct password_hash) from users`)
	// the login path (app role, row-level security) finds the account and the password matches
	var hash string
	err := tenants.Run(context.Background(), app, tenants.System, func(tx *sqlx.Tx) error {
		return tx.Get(&hash, `select password_hash from users where email = 'buyer7@tradeguard.test'`)
	})
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := tenants.CheckPassword(hash, demo.Password); !ok || err != nil {
		t.Errorf("demo password does not match: %v %v", ok, err)
	}
}

func checkOrders(t *testing.T, db *sqlx.DB, now time.Time, c map[string]int) {
	if c["orders"] != 1070 {
		t.Errorf("%d orders, want 1070", c["orders"])
	}
	// every state in every store
	var rows []struct {
		Slug     string         `db:"slug"`
		Statuses pq.StringArray `db:"statuses"`
		N        int            `db:"n"`
		Products int            `db:"products"`
		Archived int            `db:"archived"`
	}
	if err := db.Select(&rows, `select s.slug, array_agg(distinct o.status order by o.status) statuses, count(*) n,
			(select count(*) from products p where p.tenant_id = s.id) products,
			(select count(*) from products p where p.tenant_id = s.id and p.status = 'ARCHIVED') archived
		from stores s join orders o on o.tenant_id = s.id group by s.id, s.slug order by s.slug`); err != nil {
		t.Fatal(err)
	}
	all := []string{"CANCELLED", "COMPLETED", "DELIVERED", "PAID", "PENDING_PAYMENT", "SHIPPED"}
	for _, r := range rows {
		if !slices.Equal([]string(r.Statuses), all) {
			t.Errorf("%s: statuses %v, want all of %v", r.Slug, r.Statuses, all)
		}
		if r.Products < 8 || r.Products > 12 || r.Archived != 1 {
			t.Errorf("%s: %d products, %d archived", r.Slug, r.Products, r.Archived)
		}
		t.Logf("%s: %d orders", r.Slug, r.N)
	}
	if len(rows) != 3 {
		t.Errorf("orders in %d stores, want 3", len(rows))
	}

	zero(t, db, "total = lines + shipping", `select count(*) from orders o where total_minor <> shipping_minor +
		(select sum(quantity * unit_price_minor) from order_items i where i.tenant_id = o.tenant_id and i.order_id = o.id)`)
	zero(t, db, "times after now", `select count(*) from orders where greatest(created_at, paid_at, shipped_at,
		delivered_at, completed_at, cancelled_at) > $1`, now)
	zero(t, db, "other rows after now", `select (select count(*) from stores where created_at > $1) +
		(select count(*) from users where created_at > $1) + (select count(*) from products where created_at > $1)`, now)
	zero(t, db, "ship_by = paid_at + 48h", `select count(*) from orders
		where ship_by is distinct from paid_at + interval '48 hours'`)
	zero(t, db, "events out of order", `select count(*) from orders where (
		paid_at between created_at + interval '1 minute' and created_at + interval '20 minutes'
		and shipped_at > paid_at and delivered_at >= shipped_at + interval '1 day'
		and delivered_at <= shipped_at + interval '4 days' and completed_at > delivered_at
		and completed_at <= delivered_at + interval '10 days') is false`)
	zero(t, db, "state fields", `select count(*) from orders where not case status
		when 'PENDING_PAYMENT' then paid_at is null and paid_minor = 0 and created_at > $1::timestamptz - interval '30 minutes'
		when 'PAID' then paid_at is not null and shipped_at is null and cancelled_at is null and paid_minor = total_minor
		when 'SHIPPED' then shipped_at is not null and carrier is not null and tracking_number is not null and delivered_at is null
		when 'DELIVERED' then delivered_at > $1::timestamptz - interval '10 days' and completed_at is null
		when 'COMPLETED' then completed_at is not null and paid_minor = total_minor and refunded_minor <= paid_minor
		when 'CANCELLED' then cancelled_at is not null and cancelled_by is not null and shipped_at is null
			and refunded_minor = paid_minor
			and (paid_at is not null or (cancelled_by = 'SYSTEM' and cancelled_at = created_at + interval '30 minutes'))
		end or (version <> 1 and not exists (select 1 from cases c where c.tenant_id = orders.tenant_id and c.order_id = orders.id))`, now)
	zero(t, db, "system cancellation for not shipping", `select count(*) from orders where status = 'CANCELLED'
		and cancel_kind = 'NOT_SHIPPED' and (cancelled_by <> 'SYSTEM' or cancelled_at <> ship_by + interval '72 hours')`)
	zero(t, db, "merchant cancellation without reason", `select count(*) from orders
		where cancelled_by = 'MERCHANT' and coalesce(cancel_reason, '') = ''`)
	zero(t, db, "gifts", `select count(*) from order_items g left join order_items p
			on p.tenant_id = g.tenant_id and p.id = g.gift_of and p.order_id = g.order_id
		where g.gift_of is not null and (p.id is null or p.gift_of is not null or p.unit_price_minor = 0
			or g.unit_price_minor <> 0 or g.declared_value_minor = 0)`)
	zero(t, db, "buyers in fewer than 2 stores", `select count(*) from users u where role = 'BUYER'
		and (select count(distinct tenant_id) from orders o where o.buyer_id = u.id) < 2`)

	var n struct {
		Shipped, Late, Gifts, Pending, PaidOverdue, Partial, Cancelled int
		ByCancel                                                       pq.StringArray
	}
	if err := db.QueryRow(`select
			(select count(*) from orders where shipped_at is not null),
			(select count(*) from orders where shipped_at > ship_by),
			(select count(*) from order_items where gift_of is not null),
			(select count(*) from orders where status = 'PENDING_PAYMENT'),
			(select count(*) from orders where status = 'PAID' and ship_by < $1),
			(select count(*) from orders where status = 'COMPLETED' and refunded_minor > 0),
			(select count(*) from orders where status = 'CANCELLED'),
			(select array_agg(by || '=' || n) from (select cancel_kind by,
				count(*) n from orders where status = 'CANCELLED' group by 1 order by 1) x)`, now).Scan(
		&n.Shipped, &n.Late, &n.Gifts, &n.Pending, &n.PaidOverdue, &n.Partial, &n.Cancelled, &n.ByCancel); err != nil {
		t.Fatal(err)
	}
	t.Logf("shipped %d (late %d), gifts %d, pending %d, paid past ship-by %d, partial refunds %d, cancelled %d %v",
		n.Shipped, n.Late, n.Gifts, n.Pending, n.PaidOverdue, n.Partial, n.Cancelled, n.ByCancel)
	if n.Late == 0 || n.Late*100 > n.Shipped*15 {
		t.Errorf("%d of %d shipments late, want a few", n.Late, n.Shipped)
	}
	if n.Gifts == 0 {
		t.Error("no gifts")
	}
	for _, by := range []string{"BUYER", "MERCHANT", "NOT_SHIPPED", "PAYMENT_TIMEOUT"} {
		found := false
		for _, s := range n.ByCancel {
			found = found || len(s) > len(by) && s[:len(by)+1] == by+"="
		}
		if !found {
			t.Errorf("no cancellation by %s (%v)", by, n.ByCancel)
		}
	}
}
