package datagen

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/lib/pq"

	"tradeguard/tenants"
)

// storeSizes splits orders over n stores by a Zipf-like law (store i gets a share ∝ i^-s), with s chosen so
// that the biggest store holds share of them: a few big stores, a long tail of small ones, as on a marketplace.
func storeSizes(n, orders int, share float64) []int {
	weights := func(s float64) []float64 {
		w := make([]float64, n)
		for i := range w {
			w[i] = math.Pow(float64(i+1), -s)
		}
		return w
	}
	lo, hi := 0.0, 4.0
	for range 60 { // the biggest store's share grows with s
		mid := (lo + hi) / 2
		w := weights(mid)
		sum := 0.0
		for _, x := range w {
			sum += x
		}
		if w[0]/sum < share {
			lo = mid
		} else {
			hi = mid
		}
	}
	w := weights(lo)
	sum := 0.0
	for _, x := range w {
		sum += x
	}
	out := make([]int, n)
	left := orders
	for i := n - 1; i > 0; i-- {
		out[i] = int(math.Round(float64(orders) * w[i] / sum))
		left -= out[i]
	}
	out[0] = left // the rounding's remainder, so the total is exact
	return out
}

// bad reports whether store i (1-based) of n is one of the few (~3%) far worse than the rest.
func bad(i, n int) bool { return i%33 == 5 || (n < 40 && i%33 == 11) }

// zones: most stores in Taipei, some elsewhere (daylight saving time included), so windows are exercised in
// several time zones.
func zone(i int) string {
	switch i % 7 {
	case 0:
		return "America/Los_Angeles"
	case 1:
		return "Europe/Berlin"
	case 2:
		return "UTC"
	}
	return "Asia/Taipei"
}

// stores writes the admins, the stores (with their per-store rates into gen_stores), their owners and the
// buyers. Deterministic ids are md5 of a label and the seed.
func (g *gen) stores(ctx context.Context) error {
	hash, err := tenants.HashPassword(Password) // one hash for every account: hashing is slow on purpose
	if err != nil {
		return err
	}
	// u(k, salt): a uniform number in [0, 1) from the seed, a key and a salt; the whole data set is drawn
	// from it, so it does not depend on the order rows are written in.
	if err := g.exec(ctx, fmt.Sprintf(`create function pg_temp.u(k bigint, salt int) returns float8
		language sql immutable parallel safe as $$ select (hashint8extended(k * 128 + salt, %d) & 2147483647)::float8 / 2147483648 $$`, g.seed)); err != nil {
		return err
	}
	if err := g.exec(ctx, fmt.Sprintf(`create function pg_temp.uid(label text, k bigint) returns uuid
		language sql immutable parallel safe as $$ select md5(label || ':%d:' || k)::uuid $$`, g.seed)); err != nil {
		return err
	}
	n := g.sp.stores
	sizes := storeSizes(n, g.sp.orders, g.sp.biggestShare)
	idx, cnt, first, isBad, tz := make([]int64, n), make([]int64, n), make([]int64, n), make([]bool, n), make([]string, n)
	next := int64(1)
	for i := range n {
		idx[i], cnt[i], first[i], isBad[i], tz[i] = int64(i+1), int64(sizes[i]), next, bad(i+1, n), zone(i+1)
		next += int64(sizes[i])
	}
	buyers := max(50, g.sp.orders/8)
	// Per-store probabilities: healthy stores vary a little around good values; bad ones are far worse.
	if err := g.exec(ctx, `create temp table gen_stores as
		select i, pg_temp.uid('store', i) id, 'gen-' || lpad(i::text, 4, '0') slug, n_orders, first_n, bad, tz,
			pg_temp.uid('owner', i) owner_id, (array['electronics', 'apparel', 'food'])[1 + i % 3] category,
			least(200, 10 + n_orders / 1000)::int n_products,
			case when bad then 0.2 else 0.004 + pg_temp.u(i, 1) * 0.016 end late_p,
			case when bad then 0.04 else 0.001 + pg_temp.u(i, 2) * 0.006 end cancel_p,
			case when bad then 0.06 else 0.003 + pg_temp.u(i, 3) * 0.012 end quality_p,
			case when bad then 0.15 else 0.005 + pg_temp.u(i, 4) * 0.02 end negative_p,
			case when bad then 0.006 else pg_temp.u(i, 5) * 0.001 end chargeback_p
		from unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bool[], $5::text[]) s(i, n_orders, first_n, bad, tz)`,
		pq.Array(idx), pq.Array(cnt), pq.Array(first), pq.Array(isBad), pq.Array(tz)); err != nil {
		return err
	}
	stmts := []string{
		`insert into users (id, email, password_hash, display_name, role, created_at)
			select pg_temp.uid('admin', k), case k when 1 then 'admin@datagen.test' else 'admin2@datagen.test' end, $1,
				'Generated admin ' || k, 'ADMIN', $2::timestamptz - interval '400 days' from generate_series(1, 2) k`,
		`insert into stores (id, slug, name, category, currency, time_zone, created_at)
			select id, slug, 'Generated store ' || i, category, 'TWD', tz, $2::timestamptz - interval '400 days' from gen_stores`,
		`insert into users (id, email, password_hash, display_name, role, created_at, staff_store_id)
			select owner_id, 'owner@' || slug || '.test', $1, 'Owner of ' || slug, 'MERCHANT', $2::timestamptz - interval '400 days', id
			from gen_stores`,
		`insert into store_staff (tenant_id, user_id, staff_role, created_at)
			select id, owner_id, 'OWNER', $2::timestamptz - interval '400 days' from gen_stores`,
		fmt.Sprintf(`insert into users (id, email, password_hash, display_name, role, created_at)
			select pg_temp.uid('buyer', k), 'buyer-' || k || '@datagen.test', $1, 'Buyer ' || k, 'BUYER',
				$2::timestamptz - interval '400 days' from generate_series(1, %d) k`, buyers),
	}
	for _, q := range stmts {
		args := []any{hash, g.now}
		if !strings.Contains(q, "$1") { // only now: it becomes $1
			q, args = strings.ReplaceAll(q, "$2", "$1"), args[1:]
		}
		if _, err := g.conn.ExecContext(ctx, q, args...); err != nil {
			return err
		}
	}
	return g.exec(ctx, fmt.Sprintf(`create temp table gen_params as select %d::bigint buyers`, buyers))
}

// products: each store sells 10 to 200 products of its category.
func (g *gen) products(ctx context.Context) error {
	return g.exec(ctx, `insert into products (tenant_id, id, sku, title, category, price_minor, currency, warranty_days, created_at)
		select s.id, pg_temp.uid('product', s.i * 1000 + j), 'SKU-' || j, 'Product ' || j || ' of ' || s.slug, s.category,
			(100 + floor(pg_temp.u(s.i * 1000 + j, 6) * 500)::int * 10), 'TWD',
			case s.category when 'electronics' then 365 else 90 end, $1::timestamptz - interval '300 days'
		from gen_stores s, generate_series(1, s.n_products) j`, g.now)
}
