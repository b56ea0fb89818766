package datagen

import "context"

// orders draws every order of every store into gen_orders (its whole life, then cut at now: what had not
// happened by now has not happened), its items into gen_items, and writes both. Orders are paid over the
// last 180 days; 1% are never paid (cancelled after 30 min); merchants cancel some; late ones ship 49 to 108 h
// after payment, and a fifth of the late ones never ship (the system cancels them at ship-by + 72 h).
func (g *gen) orders(ctx context.Context) error {
	stmts := []string{
		`create temp table gen_orders as
		with base as (
			select n, s.i, s.id tenant_id, s.bad, s.late_p, s.cancel_p, s.n_products,
				pg_temp.uid('order', n) id, pg_temp.uid('buyer', 1 + (hashint8extended(n, 7) & 2147483647) % p.buyers) buyer_id,
				$1::timestamptz - make_interval(secs => pg_temp.u(n, 1) * 180 * 86400) created_at,
				pg_temp.u(n, 2) r_kind, pg_temp.u(n, 3) r_late, pg_temp.u(n, 4) r_ship, pg_temp.u(n, 5) r_deliv, pg_temp.u(n, 8) r_conf
			from gen_stores s cross join gen_params p, generate_series(s.first_n, s.first_n + s.n_orders - 1) n),
		kinds as (
			select b.*, case when r_kind < 0.01 then 'UNPAID' when r_kind < 0.01 + cancel_p then 'MERCHANT_CANCEL'
					when r_late < late_p and r_ship < 0.2 then 'NOT_SHIPPED' else 'SHIPS' end kind,
				r_late < late_p late,
				case when r_kind >= 0.01 then created_at + interval '3 minutes' end paid_at0
			from base b),
		life as (
			select k.*, paid_at0 + interval '48 hours' ship_by0,
				case when kind = 'SHIPS' then paid_at0 + case when late then interval '49 hours' + r_ship * interval '60 hours'
					else interval '2 hours' + r_ship * interval '45 hours' end end shipped0,
				case kind when 'UNPAID' then created_at + interval '30 minutes'
					when 'MERCHANT_CANCEL' then paid_at0 + interval '1 hour' + r_ship * interval '30 hours'
					when 'NOT_SHIPPED' then paid_at0 + interval '120 hours' end cancelled0
			from kinds k),
		dated as (
			select l.*, shipped0 + interval '1 day' + r_deliv * interval '3 days' delivered0 from life l)
		select d.*, case when paid_at0 <= $1 then paid_at0 end paid_at, case when paid_at0 <= $1 then ship_by0 end ship_by,
			case when shipped0 <= $1 then shipped0 end shipped_at,
			case when delivered0 <= $1 then delivered0 end delivered_at,
			case when delivered0 + case when r_conf < 0.6 then interval '1 day' + r_conf * interval '8 days' else interval '10 days' end <= $1
				then delivered0 + case when r_conf < 0.6 then interval '1 day' + r_conf * interval '8 days' else interval '10 days' end end completed_at,
			case when cancelled0 <= $1 then cancelled0 end cancelled_at
		from dated d`,
		`create temp table gen_items as
		select o.n, o.tenant_id, o.buyer_id, o.id order_id, pos, pg_temp.uid('item', o.n * 4 + pos) id,
			pg_temp.uid('product', o.i * 1000 + 1 + floor(pg_temp.u(o.n * 4 + pos, 9) * o.n_products)::int) product_id,
			1 + (pg_temp.u(o.n * 4 + pos, 10) < 0.15)::int quantity
		from gen_orders o, generate_series(1, 1 + (pg_temp.u(o.n, 11) < 0.3)::int + (pg_temp.u(o.n, 12) < 0.1)::int) pos`,
		`create temp table gen_totals as
		select i.n, sum(i.quantity * p.price_minor)::bigint subtotal, min(p.title) title
		from gen_items i join products p on p.tenant_id = i.tenant_id and p.id = i.product_id group by i.n`,
		`create unique index on gen_totals (n)`,
		`insert into orders (tenant_id, id, number, buyer_id, status, currency, subtotal_minor, shipping_minor, total_minor,
			paid_minor, refunded_minor, payment_method, buyer_name, ship_name, ship_phone, ship_address, created_at, paid_at,
			ship_by, shipped_at, carrier, tracking_number, delivered_at, completed_at, cancelled_at, cancelled_by, cancel_reason, cancel_kind)
		select o.tenant_id, o.id, 'G-' || o.n, o.buyer_id,
			case when o.cancelled_at is not null then 'CANCELLED' when o.completed_at is not null then 'COMPLETED'
				when o.delivered_at is not null then 'DELIVERED' when o.shipped_at is not null then 'SHIPPED'
				when o.paid_at is not null then 'PAID' else 'PENDING_PAYMENT' end,
			'TWD', t.subtotal, 60, t.subtotal + 60,
			case when o.paid_at is not null then t.subtotal + 60 else 0 end,
			-- a cancelled paid order is refunded in full
			case when o.cancelled_at is not null and o.paid_at is not null then t.subtotal + 60 else 0 end,
			case when o.paid_at is not null then (array['CARD', 'WALLET', 'BANK_TRANSFER'])[1 + o.n % 3] end,
			'Buyer', 'Buyer', '0900000000', 'Generated address ' || o.n, o.created_at, o.paid_at, o.ship_by,
			o.shipped_at, case when o.shipped_at is not null then 'Generated Express' end,
			case when o.shipped_at is not null then 'GT' || o.n end, o.delivered_at, o.completed_at, o.cancelled_at,
			case when o.cancelled_at is null then null when o.kind = 'MERCHANT_CANCEL' then 'MERCHANT' else 'SYSTEM' end,
			case o.kind when 'MERCHANT_CANCEL' then 'Out of stock' when 'NOT_SHIPPED' then 'Not shipped in time'
				when 'UNPAID' then 'Not paid in time' end,
			case when o.cancelled_at is null then null when o.kind = 'MERCHANT_CANCEL' then 'MERCHANT'
				when o.kind = 'NOT_SHIPPED' then 'NOT_SHIPPED' else 'PAYMENT_TIMEOUT' end
		from gen_orders o join gen_totals t using (n)
		where o.created_at <= $1`,
		`insert into order_items (tenant_id, id, order_id, buyer_id, product_id, position, title, quantity, unit_price_minor)
		select i.tenant_id, i.id, i.order_id, i.buyer_id, i.product_id, i.pos, p.title, i.quantity, p.price_minor
		from gen_items i join products p on p.tenant_id = i.tenant_id and p.id = i.product_id`,
		`create unique index on gen_orders (n)`,
		`analyze gen_orders`,
	}
	for _, q := range stmts {
		if err := g.exec(ctx, q, g.now); err != nil {
			return err
		}
	}
	return nil
}
