package datagen

import "context"

// cases draws at most one after-sales case per delivered order: quality returns/refunds/exchanges (the
// store's quality rate), no-reason returns (3%), late-delivery refunds and complaints. Each case's whole
// story is drawn (answer, rejection, escalation, ruling, appeal, refund), then cut at now. Inserting the
// case with its history lets the cases trigger write the same signals as the step-by-step domain functions.
func (g *gen) cases(ctx context.Context) error {
	stmts := []string{
		`create temp table gen_cases as
		with pick as (
			select o.n, o.tenant_id, o.id order_id, o.buyer_id, o.delivered_at, s.quality_p, pg_temp.u(o.n, 20) r
			from gen_orders o join gen_stores s on s.i = o.i where o.delivered_at is not null),
		kinds as (
			select p.*, case when r < quality_p then 'QUALITY' when r < quality_p + 0.03 then 'NO_REASON'
					when r < quality_p + 0.034 then 'FULFILMENT' when r < quality_p + 0.038 then 'COMPLAINT' end kind,
				delivered_at + interval '2 hours' + pg_temp.u(n, 21) * interval '6 days' created0,
				pg_temp.u(n, 22) r_out, pg_temp.u(n, 23) r_type
			from pick p),
		story as (
			select k.*, case when kind = 'COMPLAINT' then case when r_out < 0.35 then 'PRICE_DIFFERENCE' when r_out < 0.6 then 'EXCHANGE' else 'REJECTED' end
					when kind = 'NO_REASON' or r_out < 0.65 then 'APPROVE' when r_out < 0.85 then 'REJECT_ESCALATE'
					when r_out < 0.92 then 'REJECT_CLOSE' else 'NO_ANSWER_ESCALATE' end path,
				case when kind = 'COMPLAINT' then 'COMPLAINT' when kind = 'FULFILMENT' then 'REFUND_ONLY'
					when kind = 'NO_REASON' or r_type < 0.6 then 'RETURN_REFUND' when r_type < 0.85 then 'REFUND_ONLY' else 'EXCHANGE' end type,
				case when pg_temp.u(n, 25) < 0.6 then 'FOR_BUYER' else 'FOR_MERCHANT' end first_ruling,
				pg_temp.u(n, 26) < 0.15 appealed, pg_temp.u(n, 27) < 0.5 overturned
			from kinds k where kind is not null and created0 <= $1),
		times as (
			select s.*, case when path <> 'NO_ANSWER_ESCALATE' then created0 + interval '1 hour' + pg_temp.u(n, 24) * interval '40 hours' end resp0
			from story s),
		times2 as (
			select t.*, case path when 'REJECT_ESCALATE' then resp0 + interval '1 day' + pg_temp.u(n, 28) * interval '2 days'
					when 'NO_ANSWER_ESCALATE' then created0 + interval '49 hours' + pg_temp.u(n, 28) * interval '1 day' end esc0
			from times t),
		times3 as (
			select t.*, esc0 + interval '3 days' + pg_temp.u(n, 29) * interval '2 days' rule0 from times2 t),
		times4 as (
			select t.*, case when appealed then rule0 + interval '1 day' end appeal0,
				case when appealed then rule0 + interval '4 days' end decided0,
				case when appealed and overturned then case first_ruling when 'FOR_BUYER' then 'FOR_MERCHANT' else 'FOR_BUYER' end
					else first_ruling end final_ruling
			from times3 t)
		select t.*,
			case when path = 'APPROVE' then resp0 + interval '1 day' + pg_temp.u(n, 30) * interval '4 days'
				when path = 'PRICE_DIFFERENCE' then resp0
				when esc0 is not null and final_ruling = 'FOR_BUYER' then coalesce(decided0, rule0) + interval '1 hour' end refund0
		from times4 t`,
		// Cut at now and derive each case's state from what had happened.
		`create temp table gen_cases_now as
		select c.*, case when c.resp0 <= $1 then c.resp0 end resp, case when c.esc0 <= $1 then c.esc0 end esc,
			case when c.rule0 <= $1 then c.rule0 end ruled, case when c.appeal0 <= $1 then c.appeal0 end appeal,
			case when c.decided0 <= $1 then c.decided0 end decided, case when c.refund0 <= $1 then c.refund0 end refund,
			case when c.path = 'REJECT_CLOSE' and c.resp0 + interval '7 days' <= $1 then c.resp0 + interval '7 days' end closed7
		from gen_cases c`,
		`insert into cases (tenant_id, id, number, order_id, buyer_id, type, status, reason, reason_category, currency,
			requested_minor, approved_minor, refunded_minor, rejection_reason, respond_by, approved_at, rejected_at,
			first_response_at, escalated_at, escalated_by, refunded_at, complaint_outcome, ruling, liability, ruled_at, ruled_by,
			appeal_by, appealed_at, appeal_reason, appeal_decided_at, appeal_decided_by, appeal_outcome,
			created_at, updated_at, closed_at)
		select c.tenant_id, pg_temp.uid('case', c.n), 'GC-' || c.n, c.order_id, c.buyer_id, c.type, st.status,
			case c.kind when 'QUALITY' then (array['QUALITY_DEFECT', 'NOT_AS_DESCRIBED', 'DAMAGED_IN_TRANSIT', 'WRONG_ITEM'])[1 + c.n % 4]
				when 'NO_REASON' then 'NO_REASON' when 'FULFILMENT' then 'LATE_DELIVERY' else 'SERVICE_ATTITUDE' end,
			case c.kind when 'QUALITY' then 'QUALITY' when 'NO_REASON' then 'BUYER' when 'FULFILMENT' then 'FULFILMENT' else 'COMPLAINT' end,
			'TWD', m.amount,
			case when (c.path = 'APPROVE' and c.resp is not null) or (c.path = 'PRICE_DIFFERENCE' and c.resp is not null)
				or st.standing = 'FOR_BUYER' then m.amount end,
			case when c.refund is not null and c.type <> 'EXCHANGE' then m.amount else 0 end,
			case when c.path like 'REJECT%' and c.resp is not null then 'Not a defect' end,
			c.created0 + interval '5 days',
			case when c.path in ('APPROVE', 'PRICE_DIFFERENCE', 'EXCHANGE') then c.resp end,
			case when c.path like 'REJECT%' then c.resp end,
			c.resp, c.esc, case when c.esc is not null then 'BUYER' end,
			case when c.type <> 'EXCHANGE' then c.refund end,
			case when c.kind = 'COMPLAINT' and c.resp is not null then c.path end,
			st.standing, case st.standing when 'FOR_BUYER' then 'MERCHANT' when 'FOR_MERCHANT' then 'BUYER' end,
			c.ruled, case when c.ruled is not null then pg_temp.uid('admin', 1) end,
			case when c.appeal is not null then case c.first_ruling when 'FOR_BUYER' then 'MERCHANT' else 'BUYER' end end,
			c.appeal, case when c.appeal is not null then 'The ruling is wrong' end,
			c.decided, case when c.decided is not null then pg_temp.uid('admin', 2) end,
			case when c.decided is not null then case when c.overturned then 'OVERTURNED' else 'UPHELD' end end,
			c.created0, greatest(c.created0, c.resp, c.esc, c.ruled, c.appeal, c.decided, c.refund, c.closed7),
			case when st.status in ('REFUNDED', 'CLOSED', 'CLOSED_FOR_MERCHANT', 'COMPLETED')
				then greatest(c.created0, c.resp, c.esc, c.ruled, c.appeal, c.decided, c.refund, c.closed7) end
		from gen_cases_now c join gen_totals t using (n)
		cross join lateral (select case when c.kind = 'COMPLAINT' then greatest(1, (t.subtotal + 60) / 10) else t.subtotal + 60 end amount) m
		cross join lateral (select case when c.decided is not null then c.final_ruling when c.ruled is not null then c.first_ruling end standing) r
		cross join lateral (select r.standing, case
				when c.kind = 'COMPLAINT' then case when c.resp is null then 'REQUESTED' when c.path = 'REJECTED' then 'CLOSED'
					when c.path = 'EXCHANGE' then 'COMPLETED' else 'REFUNDED' end
				when c.path = 'APPROVE' then case when c.resp is null then 'REQUESTED' when c.refund is not null then
					case when c.type = 'EXCHANGE' then 'COMPLETED' else 'REFUNDED' end
					when c.type = 'REFUND_ONLY' then 'REFUNDING' else 'AWAITING_RETURN' end
				when c.path = 'REJECT_CLOSE' then case when c.resp is null then 'REQUESTED' when c.closed7 is not null then 'CLOSED' else 'REJECTED' end
				else case when c.esc is null then case when c.resp is null then 'REQUESTED' else 'REJECTED' end
					when r.standing is null then 'IN_ARBITRATION' when r.standing = 'FOR_MERCHANT' then 'CLOSED_FOR_MERCHANT'
					when c.refund is not null then 'REFUNDED' else 'REFUNDING' end end status) st`,
		// The history of each case as events, and its refund with the order's refunded total.
		`insert into case_events (tenant_id, id, case_id, buyer_id, at, actor, actor_id, action)
		select c.tenant_id, pg_temp.uid('event' || e.k, c.n), pg_temp.uid('case', c.n), c.buyer_id, e.at, e.actor,
			case when e.actor = 'ADMIN' then pg_temp.uid('admin', case when e.action = 'DECIDE_APPEAL' then 2 else 1 end) end, e.action
		from gen_cases_now c cross join lateral (values
			(1, c.created0, 'BUYER', 'OPEN'),
			(2, c.resp, 'MERCHANT', case when c.kind = 'COMPLAINT' then 'RESOLVE_COMPLAINT' when c.path like 'REJECT%' then 'REJECT' else 'APPROVE' end),
			(3, c.esc, 'BUYER', 'ESCALATE'), (4, c.ruled, 'ADMIN', 'RULE'),
			(5, c.appeal, case when c.first_ruling = 'FOR_BUYER' then 'MERCHANT' else 'BUYER' end, 'APPEAL'),
			(6, c.decided, 'ADMIN', 'DECIDE_APPEAL'),
			(7, case when c.type <> 'EXCHANGE' then c.refund end, 'SYSTEM', 'REFUND_SUCCEEDED'),
			(8, c.closed7, 'SYSTEM', 'CLOSE')) e(k, at, actor, action)
		where e.at is not null`,
		`insert into refunds (tenant_id, id, case_id, order_id, buyer_id, amount_minor, currency, route, payment_method,
			status, attempts, idempotency_key, created_at, updated_at)
		select c.tenant_id, pg_temp.uid('refund', substr(c.number, 4)::bigint), c.id, c.order_id, c.buyer_id, c.refunded_minor, 'TWD', 'ORIGINAL',
			o.payment_method, 'SUCCEEDED', 1, 'datagen', c.refunded_at, c.refunded_at
		from cases c join orders o on o.tenant_id = c.tenant_id and o.id = c.order_id where c.refunded_minor > 0`,
		`update orders o set refunded_minor = o.refunded_minor + r.amount
		from (select tenant_id, order_id, sum(amount_minor) amount from refunds group by 1, 2) r
		where o.tenant_id = r.tenant_id and o.id = r.order_id`,
	}
	for _, q := range stmts {
		if err := g.exec(ctx, q, g.now); err != nil {
			return err
		}
	}
	return nil
}
