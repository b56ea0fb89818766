package demo

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"

	"tradeguard/orders"
	"tradeguard/tenants"
)

// insertHistory gives the demo orders what real ones get as they go: a timeline of events read off their
// timestamps, and the pending deadline their state calls for (so the scheduler acts on them too).
func insertHistory(ctx context.Context, tx *sqlx.Tx, now time.Time) error {
	// Event ids are derived from the order id and the step, so the same data gives the same ids.
	if _, err := tx.ExecContext(ctx, `
		insert into order_events (tenant_id, id, order_id, buyer_id, at, actor, action, from_status, to_status, reason)
		select tenant_id, md5(id::text || step)::uuid, id, buyer_id, at, actor, step, from_status, to_status, reason
		from (
			select o.*, 'CREATE' step, created_at at, 'BUYER' actor, null from_status, 'PENDING_PAYMENT' to_status, null reason
			from orders o
			union all
			select o.*, 'PAY', paid_at, 'BUYER', 'PENDING_PAYMENT', 'PAID', null from orders o where paid_at is not null
			union all
			select o.*, 'SHIP', shipped_at, 'MERCHANT', 'PAID', 'SHIPPED', null from orders o where shipped_at is not null
			union all
			select o.*, 'MARK_DELIVERED', delivered_at, 'MERCHANT', 'SHIPPED', 'DELIVERED', null from orders o where delivered_at is not null
			union all
			select o.*, case when completed_at >= delivered_at + interval '10 days' then 'COMPLETE' else 'CONFIRM_RECEIPT' end,
				completed_at, case when completed_at >= delivered_at + interval '10 days' then 'SYSTEM' else 'BUYER' end,
				'DELIVERED', 'COMPLETED', null from orders o where completed_at is not null
			union all
			select o.*, 'CANCEL', cancelled_at, cancelled_by, case when paid_at is null then 'PENDING_PAYMENT' else 'PAID' end,
				'CANCELLED', cancel_reason from orders o where cancelled_at is not null
		) steps`); err != nil {
		return err
	}
	s := tenants.Attach(tx, tenants.System)
	var all []orders.Order
	for {
		var after *orders.Cursor
		if n := len(all); n > 0 {
			after = &orders.Cursor{CreatedAt: all[n-1].CreatedAt, ID: all[n-1].ID}
		}
		page, more, err := orders.List(ctx, s, orders.Filter{}, after, 500)
		if err != nil {
			return err
		}
		all = append(all, page...)
		if !more {
			break
		}
	}
	for _, o := range all {
		if err := orders.EnsureDeadlines(ctx, s, o, now); err != nil {
			return err
		}
	}
	return nil
}
