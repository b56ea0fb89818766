package datagen

import "context"

// ratings: 45% of delivered orders are rated 1 to 10 days after delivery, mostly 5 and 4 stars, the store's
// share of them 1–2 stars. A third of the negative ratings are revised up to 4 stars within 20 days, and 1% of
// the 5-star ones down to 2 (a revision counts from when it was made).
func (g *gen) ratings(ctx context.Context) error {
	return g.exec(ctx, `insert into ratings (tenant_id, id, order_id, buyer_id, overall, description_match, service_attitude,
			logistics_speed, comment, initial_overall, initial_description_match, initial_service_attitude,
			initial_logistics_speed, initial_comment, created_at, revised_at)
		with pick as (
			select o.n, o.tenant_id, o.id order_id, o.buyer_id, o.delivered_at + interval '1 hour' + pg_temp.u(o.n, 41) * interval '10 days' rated_at,
				case when pg_temp.u(o.n, 42) < s.negative_p then 1 + (pg_temp.u(o.n, 44) < 0.5)::int
					when pg_temp.u(o.n, 42) < s.negative_p + 0.04 then 3 when pg_temp.u(o.n, 42) < 0.3 then 4 else 5 end first
			from gen_orders o join gen_stores s on s.i = o.i
			where o.delivered_at is not null and pg_temp.u(o.n, 40) < 0.45),
		revised as (
			select p.*, case when (first <= 2 and pg_temp.u(n, 43) < 0.33) or (first = 5 and pg_temp.u(n, 43) < 0.01)
					then rated_at + interval '1 hour' + pg_temp.u(n, 45) * interval '20 days' end rev0
			from pick p where rated_at <= $1),
		stars as (
			select r.*, case when rev0 <= $1 then rev0 end rev,
				case when rev0 <= $1 then case when first <= 2 then 4 else 2 end else first end overall
			from revised r)
		select tenant_id, pg_temp.uid('rating', n), order_id, buyer_id, overall,
			greatest(1, least(5, overall + (array[-1, 0, 0, 1])[1 + n % 4])), greatest(1, least(5, overall + (array[0, -1, 0, 1])[1 + n % 4])),
			greatest(1, least(5, overall + (array[0, 0, 1, -1])[1 + n % 4])), '',
			first, greatest(1, least(5, first + (array[-1, 0, 0, 1])[1 + n % 4])), greatest(1, least(5, first + (array[0, -1, 0, 1])[1 + n % 4])),
			greatest(1, least(5, first + (array[0, 0, 1, -1])[1 + n % 4])), '', rated_at, rev
		from stars`, g.now)
}

// others: chargebacks on paid orders (10 to 40 days after payment), abuse flags on 1% of the buyers (a third
// of them cleared 20 days later), and a few violations: two on each bad store, one on 15% of the others.
func (g *gen) others(ctx context.Context) error {
	stmts := []string{
		`insert into chargebacks (tenant_id, id, order_id, buyer_id, amount_minor, currency, reason, provider_ref, reported_by, reported_at)
		select o.tenant_id, pg_temp.uid('chargeback', o.n), o.id, o.buyer_id, t.subtotal + 60, 'TWD', 'Disputed by the card holder',
			'gen-' || o.n, 'PAYMENT_ADAPTER', o.paid_at + interval '10 days' + pg_temp.u(o.n, 51) * interval '30 days'
		from gen_orders o join gen_stores s on s.i = o.i join gen_totals t using (n)
		where o.paid_at is not null and pg_temp.u(o.n, 50) < s.chargeback_p
			and o.paid_at + interval '10 days' + pg_temp.u(o.n, 51) * interval '30 days' <= $1`,
		`insert into buyer_abuse_flags (id, buyer_id, reason, flagged_at, flagged_by, cleared_at, cleared_by, clear_reason)
		select pg_temp.uid('flag', k), pg_temp.uid('buyer', k), 'Serial refund requests', f.flagged_at, pg_temp.uid('admin', 1),
			case when f.clear then f.flagged_at + interval '20 days' end, case when f.clear then pg_temp.uid('admin', 1) end,
			case when f.clear then 'Reviewed: not abusive' end
		from gen_params p, generate_series(1, p.buyers) k
		cross join lateral (select $1::timestamptz - pg_temp.u(k, 61) * interval '150 days' flagged_at) a
		cross join lateral (select a.flagged_at, pg_temp.u(k, 62) < 0.33 and a.flagged_at + interval '20 days' <= $1 clear) f
		where pg_temp.u(k, 60) < 0.01`,
		`insert into violations (tenant_id, id, code, track, points, issued_at, expires_at, issued_by, issuer_id, note, evidence)
		select s.id, pg_temp.uid('violation' || v.k, s.i), v.code, c.track, c.default_points, v.issued_at, v.issued_at + interval '8760 hours',
			'ADMIN', pg_temp.uid('admin', 1), 'Generated', 'Generated evidence'
		from gen_stores s cross join lateral (values
			(1, 'FAKE_TRACKING', $1::timestamptz - interval '20 days', s.bad or pg_temp.u(s.i, 70) < 0.15),
			(2, 'FALSE_ADVERTISING', $1::timestamptz - interval '50 days', s.bad)) v(k, code, issued_at, given)
		join violation_codes c on c.code = v.code where v.given`,
	}
	for _, q := range stmts {
		if err := g.exec(ctx, q, g.now); err != nil {
			return err
		}
	}
	return nil
}
