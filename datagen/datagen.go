// Package datagen fills a migrated database with a realistic, deterministic data set (stores, buyers,
// products, orders over 180 days, after-sales cases, ratings, chargebacks, abuse flags, violations) for
// benchmarks and for the metrics recount test. It is set-based SQL run as the owner role in the system context:
// the facts are inserted, and the database's own triggers write metric_signals from them, exactly as they do
// for facts recorded through the domain functions (migrations/00010_metrics.sql).
package datagen

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// Size names a data set's scale.
type Size string

const (
	Tiny  Size = "tiny"  // tests: ~12 stores, ~6,000 orders
	Small Size = "small" // ~50 stores, ~100,000 orders
	Large Size = "large" // 1,000 stores, 1,000,000 orders; the biggest store ~100,000
)

// spec is what a size means.
type spec struct {
	stores, orders int
	biggestShare   float64 // the biggest store's share of the orders (the skew of the distribution)
}

var specs = map[Size]spec{
	Tiny:  {12, 6000, 0.25},
	Small: {50, 100000, 0.15},
	Large: {1000, 1000000, 0.10},
}

// ParseSize reads tiny, small or large.
func ParseSize(s string) (Size, error) {
	if _, ok := specs[Size(s)]; !ok {
		return "", fmt.Errorf("datagen: size is tiny, small or large, not %q", s)
	}
	return Size(s), nil
}

// AdminEmail and Password: the generated admin logs in with them (every generated account shares the
// password, so a store's owner or a buyer can log in too). Development data only.
const (
	AdminEmail = "admin@datagen.test"
	Password   = "datagen-password"
)

// StoreRef names one generated store.
type StoreRef struct {
	ID     string
	Slug   string
	Orders int
}

// Summary is what Generate wrote.
type Summary struct {
	Stores, Orders, Cases, Ratings, Chargebacks, Violations, AbuseFlags, Signals int
	Biggest, Median                                                              StoreRef
	Elapsed                                                                      time.Duration
}

// ErrAlreadyGenerated: the database holds generated data already (generating twice would collide).
var ErrAlreadyGenerated = fmt.Errorf("datagen: this database already holds generated data (%s exists); use a fresh database", AdminEmail)

// Generate writes a data set of size into db (a connection as the schema's owner role), as it stands at now,
// from seed: the same seed, size and now give the same rows. progress, if not nil, hears each stage.
func Generate(ctx context.Context, db *sql.DB, size Size, seed int64, now time.Time, progress func(stage string, done, total int)) (Summary, error) {
	sp, ok := specs[size]
	if !ok {
		return Summary{}, fmt.Errorf("datagen: unknown size %q", size)
	}
	started := time.Now()
	// One connection: the temporary tables and the session's system context live on it.
	conn, err := db.Conn(ctx)
	if err != nil {
		return Summary{}, err
	}
	defer conn.Close()
	// Row-level security is forced on the owner too; bulk data is disposable until it is all written. The
	// metrics rollup is built once at the end, set-based, rather than by its triggers statement by statement.
	for _, q := range []string{`select set_config('app.role', 'system', false)`, `set synchronous_commit = off`,
		`select set_config('app.metric_rollup', 'deferred', false)`,
		`set work_mem = '256MB'`} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return Summary{}, err
		}
	}
	var exists bool
	if err := conn.QueryRowContext(ctx, `select exists (select 1 from users where lower(email) = $1)`, AdminEmail).Scan(&exists); err != nil {
		return Summary{}, err
	}
	if exists {
		return Summary{}, ErrAlreadyGenerated
	}
	g := &gen{conn: conn, seed: seed, now: now.UTC(), sp: sp}
	stages := []struct {
		name string
		run  func(context.Context) error
	}{
		{"accounts and stores", g.stores},
		{"products", g.products},
		{"orders and items", g.orders},
		{"after-sales cases", g.cases},
		{"ratings", g.ratings},
		{"chargebacks, abuse flags, violations", g.others},
		{"metrics rollup", g.rollup},
	}
	for i, st := range stages {
		if progress != nil {
			progress(st.name, i, len(stages))
		}
		if err := st.run(ctx); err != nil {
			return Summary{}, fmt.Errorf("datagen: %s: %w", st.name, err)
		}
	}
	if progress != nil {
		progress("vacuum and analyze", len(stages), len(stages))
	}
	// Fresh statistics (the metrics' plans depend on them) and the visibility map: without a vacuum, the
	// metrics' index-only scans of bulk-loaded orders visit the heap (measured: 57 -> 35 ms for the biggest
	// store's metrics at large).
	for _, t := range []string{"stores", "users", "store_staff", "products", "orders", "order_items", "cases", "case_events",
		"refunds", "ratings", "chargebacks", "buyer_abuse_flags", "violations", "metric_signals",
		"metric_steps", "metric_daily"} {
		if _, err := conn.ExecContext(ctx, "vacuum (analyze) "+t); err != nil {
			return Summary{}, err
		}
	}
	sum, err := g.summary(ctx)
	sum.Elapsed = time.Since(started)
	return sum, err
}

// rollup builds the metrics' daily rollup of everything written (migrations/00011_metric_rollup.sql).
func (g *gen) rollup(ctx context.Context) error {
	if err := g.exec(ctx, `select set_config('app.metric_rollup', 'immediate', false)`); err != nil {
		return err
	}
	return g.exec(ctx, `select metric_rollup_rebuild()`)
}

// gen carries one generation's settings.
type gen struct {
	conn *sql.Conn
	seed int64
	now  time.Time
	sp   spec
}

// exec runs one statement; the stages pass now as $1 to every statement, used or not.
func (g *gen) exec(ctx context.Context, q string, args ...any) error {
	if !strings.Contains(q, "$1") {
		args = nil
	}
	_, err := g.conn.ExecContext(ctx, q, args...)
	return err
}

func (g *gen) summary(ctx context.Context) (Summary, error) {
	var s Summary
	err := g.conn.QueryRowContext(ctx, `select
		(select count(*) from stores where slug like 'gen-%'), (select count(*) from orders), (select count(*) from cases),
		(select count(*) from ratings), (select count(*) from chargebacks), (select count(*) from violations),
		(select count(*) from buyer_abuse_flags), (select count(*) from metric_signals)`).Scan(&s.Stores, &s.Orders,
		&s.Cases, &s.Ratings, &s.Chargebacks, &s.Violations, &s.AbuseFlags, &s.Signals)
	if err != nil {
		return s, err
	}
	pick := func(q string) (r StoreRef, err error) {
		err = g.conn.QueryRowContext(ctx, q).Scan(&r.ID, &r.Slug, &r.Orders)
		return r, err
	}
	if s.Biggest, err = pick(`select id::text, slug, n_orders::int from gen_stores order by n_orders desc limit 1`); err != nil {
		return s, err
	}
	s.Median, err = pick(`select id::text, slug, n_orders::int from gen_stores order by n_orders desc offset (select count(*) / 2 from gen_stores) limit 1`)
	return s, err
}
