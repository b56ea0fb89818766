package metrics

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"tradeguard/tenants"
)

// Signal is one reason an order counts in a metric.
type Signal struct {
	StoreID  uuid.UUID  `db:"-"`
	OrderID  uuid.UUID  `db:"order_id"`
	Kind     string     `db:"signal"`
	At       time.Time  `db:"at"`
	Source   *string    `db:"source"`    // CASE, RATING, CHARGEBACK; nil for what the order itself shows
	SourceID *uuid.UUID `db:"source_id"` // the case, rating or chargeback
}

// CountedOrder is an order a metric counted, with why.
type CountedOrder struct {
	StoreID uuid.UUID
	OrderID uuid.UUID `db:"order_id"`
	PaidAt  time.Time `db:"paid_at"`
	Signals []Signal
}

// Cursor of a drill-down page: the last order's payment time and id (newest first).
type Cursor struct {
	PaidAt time.Time
	ID     uuid.UUID
}

// drillSQL lists the orders a rate counts as of $3 over the window from $2, newest paid first, after the
// cursor ($4, $5), at most $6 orders; each row is one (order, reason), with the reason's time and source.
func drillSQL(d Def) string {
	page := func(id string) string {
		return "(paid_at, " + id + ") < ($4, $5) and paid_at >= $2 and paid_at <= $3"
	}
	switch d.Kind {
	case FromLateShipment:
		return `select id order_id, paid_at, case when shipped_at <= $3 then 'SHIPPED_LATE' else 'NOT_SHIPPED' end signal,
			case when shipped_at <= $3 then shipped_at else ship_by end at, null::text source, null::uuid source_id
			from orders where tenant_id = $1 and ` + page("id") + ` and ship_by < $3
			and not (shipped_at is null and coalesce(cancelled_at < ship_by, false)) and (shipped_at is null or shipped_at > ship_by)
			order by paid_at desc, id desc limit $6`
	case FromCancellation:
		return `select id order_id, paid_at, 'CANCELLED_' || cancel_kind signal, cancelled_at at, null::text source, null::uuid source_id
			from orders where tenant_id = $1 and ` + page("id") + ` and counts_as_merchant_cancellation and cancelled_at <= $3
			order by paid_at desc, id desc limit $6`
	}
	flagged := ""
	if d.Key == Dissatisfaction {
		flagged = " and not app.buyer_flagged(buyer_id, $3)"
	}
	active := fmt.Sprintf(`tenant_id = $1 and metric = '%s' and effective_at <= $3 and (revoked_at is null or revoked_at > $3)%s`, d.Key, flagged)
	return `with page as (select order_id, paid_at from metric_signals where ` + active + ` and ` + page("order_id") + `
			group by order_id, paid_at order by paid_at desc, order_id desc limit $6)
		select s.order_id, s.paid_at, s.signal, s.effective_at at, s.source, s.source_id
		from metric_signals s join page p on p.order_id = s.order_id
		where s.` + active + ` order by s.paid_at desc, s.order_id desc, s.effective_at`
}

// Orders lists the orders metric key counts as of asOf, newest paid first: at most limit, and whether more follow.
func Orders(ctx context.Context, s *tenants.Session, store tenants.Store, key string, asOf time.Time, after *Cursor, limit int) ([]CountedOrder, bool, error) {
	if err := CanRead(s.Principal(), store.ID); err != nil {
		return nil, false, err
	}
	d, ok := DefOf(key)
	if !ok {
		return nil, false, fmt.Errorf("metrics: no rate %q", key)
	}
	from, to := Window(asOf, Location(store), d.WindowDays)
	cur := Cursor{PaidAt: to.Add(time.Microsecond), ID: uuid.Max}
	if after != nil {
		cur = *after
	}
	var rows []struct {
		Signal
		PaidAt time.Time `db:"paid_at"`
	}
	err := s.DoStale(ctx, func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &rows, drillSQL(d), store.ID, from, to, cur.PaidAt, cur.ID, limit+1)
	})
	if err != nil {
		return nil, false, err
	}
	var out []CountedOrder
	for _, r := range rows {
		r.Signal.StoreID = store.ID
		if len(out) == 0 || out[len(out)-1].OrderID != r.OrderID {
			out = append(out, CountedOrder{StoreID: store.ID, OrderID: r.OrderID, PaidAt: r.PaidAt})
		}
		out[len(out)-1].Signals = append(out[len(out)-1].Signals, r.Signal)
	}
	more := len(out) > limit
	if more {
		out = out[:limit]
	}
	return out, more, nil
}
