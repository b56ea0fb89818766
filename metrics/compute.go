package metrics

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"

	"tradeguard/tenants"
)

// Compute is every metric of store as of asOf, in one statement.
func Compute(ctx context.Context, s *tenants.Session, store tenants.Store, asOf time.Time) (Store, error) {
	if err := CanRead(s.Principal(), store.ID); err != nil {
		return Store{}, err
	}
	var out Store
	err := s.DoStale(ctx, func(tx *sqlx.Tx) error {
		var err error
		out, err = compute(ctx, tx, store, asOf)
		return err
	})
	return out, err
}

// responseSQL: the cases opened in the 30-day window from $3, as of $2: the median time to the store's first
// answer among those answered by then.
const responseSQL = `select count(*) response_cases, count(*) filter (where first_response_at <= $2) response_answered,
		coalesce(percentile_cont(0.5) within group (order by extract(epoch from first_response_at - created_at))
			filter (where first_response_at <= $2), 0)::float8 / 3600 response_median_hours
	from cases where tenant_id = $1 and created_at >= $3 and created_at <= $2`

func compute(ctx context.Context, tx *sqlx.Tx, store tenants.Store, asOf time.Time) (Store, error) {
	tz := Location(store)
	day := Day(asOf, tz)
	l, err := readLedger(ctx, tx, store.ID, day, day, asOf, tz, true)
	if err != nil {
		return Store{}, err
	}
	out := Store{StoreID: store.ID, AsOf: asOf.UTC(), Rates: map[string]Rate{}}
	for _, d := range Rates {
		from, to := Window(asOf, tz, d.WindowDays)
		num, den, orders := l.rate(d)
		out.Rates[d.Key] = Rate{Key: d.Key, WindowDays: d.WindowDays, From: from, To: to, Numerator: int(num[0]),
			Denominator: int(den[0]), Orders: int(orders[0]), Insufficient: orders[0] < MinOrders}
	}
	out.Orders30d = out.Rates[Dissatisfaction].Orders
	from, to := Window(asOf, tz, RatingWindowDays)
	sum := func(col string) int64 { return l.series(col, RatingWindowDays)[0] }
	out.Ratings = Ratings{WindowDays: RatingWindowDays, From: from, To: to, Count: int(sum(colRatings)), Negative: int(sum(colNegative))}
	if n := sum(colRatings); n > 0 {
		out.Ratings.Overall, out.Ratings.DescriptionMatch = mean(sum(colOverall), n), mean(sum(colDesc), n)
		out.Ratings.ServiceAttitude, out.Ratings.LogisticsSpeed = mean(sum(colService), n), mean(sum(colLogistics), n)
	}
	out.Ratings.Insufficient = out.Ratings.Count < MinRatings
	from, to = Window(asOf, tz, DefaultWindowDays)
	var rs struct {
		Cases    int     `db:"response_cases"`
		Answered int     `db:"response_answered"`
		Median   float64 `db:"response_median_hours"`
	}
	if err := tx.GetContext(ctx, &rs, responseSQL, store.ID, asOf.UTC(), from); err != nil {
		return Store{}, err
	}
	out.Response = Response{WindowDays: DefaultWindowDays, From: from, To: to, Cases: rs.Cases, Answered: rs.Answered, MedianHours: rs.Median}
	out.Response.Insufficient = out.Response.Answered == 0 || out.Orders30d < MinOrders
	return out, nil
}

// mean of n values summing to sum (float64 division is correctly rounded, as PostgreSQL's avg then float8).
func mean(sum, n int64) float64 { return float64(sum) / float64(n) }
