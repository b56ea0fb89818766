package metrics

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// The counts the rates are made of, read from the daily rollup (migrations/00011_metric_rollup.sql), which
// decomposes each into steps in time. Over the orders paid in the window, as of t:
//   - a signal metric's numerator: the orders with one of its signals in force at t (effective_at <= t, not
//     revoked by t), once per order; for dissatisfaction, not those whose buyer was flagged as abusive at t;
//   - late shipment: among the orders whose ship-by had passed by t (ship_by < t: at the ship-by instant
//     itself an order may still ship on time, as orders.Order.ShippedLate says; leaving out those cancelled
//     before it), those shipped after it or not at all — an order is late from its ship-by on, whatever
//     happens later;
//   - cancellation: the orders cancelled by t by the merchant or for not shipping;
//   - the denominators and the sufficiency test: the orders paid by t.
//
// The ratings given in the rating window are counted (and their stars summed) as they stood at t.
const (
	colPaid       = "paid"
	colLateDen    = "late_den"
	colLateNum    = "late_num"
	colCancelNum  = "cancel_num"
	colRatings    = "rating_count"
	colNegative   = "rating_negative"
	colOverall    = "rating_overall"
	colDesc       = "rating_description"
	colService    = "rating_service"
	colLogistics  = "rating_logistics"
	widestRateDay = 60 // the longest rate window (order defect)
)

var ratingCols = []string{colRatings, colNegative, colOverall, colDesc, colService, colLogistics}

// rateCols are the columns of the rates: the orders' own and one per signal metric.
func rateCols() []string {
	out := []string{colPaid, colLateDen, colLateNum, colCancelNum}
	for _, d := range Rates {
		if d.Kind == FromSignals {
			out = append(out, d.Key)
		}
	}
	return out
}

// cols are the columns of a rate: numerator, denominator, and the orders of the sufficiency test.
func (d Def) cols() (num, den, orders string) {
	switch d.Kind {
	case FromLateShipment:
		return colLateNum, colLateDen, colPaid
	case FromCancellation:
		return colCancelNum, colPaid, colPaid
	}
	return d.Key, colPaid, colPaid
}

// rollupSQL reads the cells that can count at the points of a series ending at day $4 (as of $6, from $5 the
// start of that day): the daily sums of the whole days before $4, for the rate columns ($2) of the days from
// $3 and the rating columns ($7) of the days from $8, and $4's own steps up to $6.
const rollupSQL = `select col, day, at_day, total from metric_daily
		where tenant_id = $1 and col = any($2) and day >= $3 and day <= $4 and at_day < $4
	union all select col, day, at_day, total from metric_daily
		where tenant_id = $1 and col = any($7) and day >= $8 and day <= $4 and at_day < $4
	union all select col, day, $4::date, sum(delta)::bigint from metric_steps
		where tenant_id = $1 and at >= $5 and at <= $6 and day >= least($3, $8) group by col, day`

// cell is the change of a column of the orders (or ratings) of day, on at_day.
type cell struct {
	Col   string    `db:"col"`
	Day   time.Time `db:"day"`
	AtDay time.Time `db:"at_day"`
	N     int64     `db:"total"`
}

// ledger is the cells of a run of consecutive days (the points), first..first+n-1.
type ledger struct {
	first time.Time
	n     int
	cells []cell
}

// readLedger reads the ledger of the points first..last (dates) as of asOf (within last's day, in tz), for the
// rates and, with ratings, the rating averages of the last point.
func readLedger(ctx context.Context, tx *sqlx.Tx, store uuid.UUID, first, last time.Time, asOf time.Time, tz *time.Location, ratings bool) (ledger, error) {
	l := ledger{first: first, n: dayIndex(first, last) + 1}
	rCols, rFrom := []string{}, last
	if ratings {
		rCols, rFrom = ratingCols, last.AddDate(0, 0, -(RatingWindowDays-1))
	}
	start := time.Date(last.Year(), last.Month(), last.Day(), 0, 0, 0, 0, tz)
	err := tx.SelectContext(ctx, &l.cells, rollupSQL, store, pq.Array(rateCols()), first.AddDate(0, 0, -(widestRateDay-1)),
		last, start.UTC(), asOf.UTC(), pq.Array(rCols), rFrom)
	return l, err
}

// series is col summed over a window of days days at each point: a cell counts at a point on or after both
// its day and its at_day, and within days days of its day. O(cells + points) by a difference array.
func (l ledger) series(col string, days int) []int64 {
	diff := make([]int64, l.n+1)
	for _, c := range l.cells {
		if c.Col != col {
			continue
		}
		d := dayIndex(l.first, c.Day)
		lo, hi := max(d, dayIndex(l.first, c.AtDay), 0), min(d+days-1, l.n-1)
		if lo > hi {
			continue
		}
		diff[lo] += c.N
		diff[hi+1] -= c.N
	}
	out := make([]int64, l.n)
	var run int64
	for i := range out {
		run += diff[i]
		out[i] = run
	}
	return out
}

// dayIndex is the number of days from first to d (both dates at midnight UTC).
func dayIndex(first, d time.Time) int {
	return int(d.Sub(first).Round(24*time.Hour) / (24 * time.Hour))
}

// rate is a rate's numerator, denominator and orders at each point.
func (l ledger) rate(d Def) (num, den, orders []int64) {
	n, dn, o := d.cols()
	return l.series(n, d.WindowDays), l.series(dn, d.WindowDays), l.series(o, d.WindowDays)
}
