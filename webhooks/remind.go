package webhooks

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"tradeguard/tenants"
)

// MerchantDeadlines are the case deadlines a store must act before (aftersales.Deadline* actions whose
// lapse goes against the store): case.deadline_near reminds of these.
var MerchantDeadlines = []string{"AUTO_APPROVE", "TO_PLATFORM", "AUTO_RECEIVE", "CONVERT_TO_REFUND"}

// Remind writes case.deadline_near for every open case whose merchant deadline is within 24 hours (window
// "24h") or within one hour ("1h"), once per case, deadline and window; a case first seen inside the hour
// gets only the "1h" reminder. It returns how many it wrote. The outbox fans them out like any event.
func (d *Deliverer) Remind(ctx context.Context) (int, error) {
	now := d.Now()
	var n int64
	err := tenants.Run(ctx, d.DB, tenants.System, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `insert into outbox_events (tenant_id, id, topic, subject_id, payload, occurred_at)
			select c.tenant_id, gen_random_uuid(), 'case.deadline_near', c.id, jsonb_build_object('caseId', c.id,
				'number', c.number, 'orderId', c.order_id, 'status', c.status, 'deadlineAt', c.deadline_at,
				'action', c.deadline_action, 'window', w.name), $1
			from cases c join (values ('24h', interval '24 hours', interval '1 hour'), ('1h', interval '1 hour', interval '0'))
				w(name, span, inner_span) on c.deadline_at > $1::timestamptz + w.inner_span and c.deadline_at <= $1::timestamptz + w.span
			where c.closed_at is null and c.deadline_at > $1::timestamptz and c.deadline_at <= $1::timestamptz + interval '24 hours'
			  and c.deadline_action = any($2)
			on conflict (tenant_id, subject_id, (payload->>'deadlineAt'), (payload->>'window')) where topic = 'case.deadline_near'
			do nothing`, now, pq.Array(MerchantDeadlines))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}

// remindEvery is how often Run scans for deadlines (the reminders are about hours, not seconds).
const remindEvery = time.Minute
