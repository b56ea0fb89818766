package metrics

import (
	"fmt"
	"strings"
)

// countsSQL is the one definition of every rate's numerator and denominator: a single-row select of the
// columns named by countColumns, for the store tenant, the window ends t, and the window starts from(days)
// (SQL expressions, so the same text serves one as-of instant or, laterally joined, a day series).
//
// Signals count when in force at t (effective_at <= t, not revoked by t), once per order, over the orders
// paid in the window; buyers flagged as abusive at t leave the dissatisfaction rate. Late shipment: among
// the window's orders whose ship-by had passed by t (ship_by < t: at the ship-by instant itself an order may
// still ship on time, as orders.Order.ShippedLate says; leaving out those cancelled before it), those shipped
// after it or not at all — an order is late from its ship-by on, whatever happens later. Cancellation:
// the window's orders cancelled by t by the merchant or for not shipping.
func countsSQL(tenant, t string, from func(days int) string) string {
	widest := 0
	for _, d := range Rates {
		widest = max(widest, d.WindowDays)
	}
	var sig, ord []string
	for _, d := range Rates {
		inWindow := fmt.Sprintf("paid_at >= %s", from(d.WindowDays))
		switch d.Kind {
		case FromSignals:
			cond := fmt.Sprintf("metric = '%s' and %s", d.Key, inWindow)
			if d.Key == Dissatisfaction {
				cond += fmt.Sprintf(" and not app.buyer_flagged(buyer_id, %s)", t)
			}
			sig = append(sig, fmt.Sprintf("count(distinct order_id) filter (where %s) %s_num", cond, col(d.Key)))
			ord = append(ord, fmt.Sprintf("count(*) filter (where %s) %s_den", inWindow, col(d.Key)))
		case FromLateShipment:
			due := fmt.Sprintf("%s and ship_by < %s and not (shipped_at is null and coalesce(cancelled_at < ship_by, false))", inWindow, t)
			ord = append(ord, fmt.Sprintf("count(*) filter (where %s and (shipped_at is null or shipped_at > ship_by)) %s_num", due, col(d.Key)),
				fmt.Sprintf("count(*) filter (where %s) %s_den", due, col(d.Key)))
		case FromCancellation:
			ord = append(ord, fmt.Sprintf("count(*) filter (where %s and counts_as_merchant_cancellation and cancelled_at <= %s) %s_num", inWindow, t, col(d.Key)),
				fmt.Sprintf("count(*) filter (where %s) %s_den", inWindow, col(d.Key)))
		}
		ord = append(ord, fmt.Sprintf("count(*) filter (where %s) %s_orders", inWindow, col(d.Key)))
	}
	keys := make([]string, 0, len(Rates))
	for _, d := range Rates {
		if d.Kind == FromSignals {
			keys = append(keys, "'"+d.Key+"'")
		}
	}
	return fmt.Sprintf(`select * from
		(select %s from metric_signals where tenant_id = %s and metric in (%s)
			and paid_at >= %s and paid_at <= %s and effective_at <= %s and (revoked_at is null or revoked_at > %s)) sig,
		(select %s from orders where tenant_id = %s and paid_at >= %s and paid_at <= %s) ord`,
		strings.Join(sig, ", "), tenant, strings.Join(keys, ", "), from(widest), t, t, t,
		strings.Join(ord, ", "), tenant, from(widest), t)
}

// col is a metric key as a column name prefix.
func col(key string) string { return strings.ToLower(key) }

// counts is one row of countsSQL, scanned column by column.
type counts map[string]int

func countColumns() []string {
	var out []string
	for _, d := range Rates {
		out = append(out, col(d.Key)+"_num", col(d.Key)+"_den", col(d.Key)+"_orders")
	}
	return out
}

// rate reads one metric out of a row of counts.
func (c counts) rate(d Def) (num, den, orders int) {
	return c[col(d.Key)+"_num"], c[col(d.Key)+"_den"], c[col(d.Key)+"_orders"]
}
