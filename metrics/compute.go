package metrics

import (
	"context"
	"fmt"
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
	err := s.Do(ctx, func(tx *sqlx.Tx) error {
		var err error
		out, err = compute(ctx, tx, store, asOf)
		return err
	})
	return out, err
}

// windowArgs are the bind parameters of a statement over store's windows as of asOf: $1 the store, $2 the
// as-of instant, then the start of each window length in windowLengths' order.
var windowLengths = []int{30, 60, RatingWindowDays}

func windowArgs(store tenants.Store, asOf time.Time) []any {
	args := []any{store.ID, asOf.UTC()}
	for _, days := range windowLengths {
		from, _ := Window(asOf, Location(store), days)
		args = append(args, from)
	}
	return args
}

func windowParam(days int) string {
	for i, d := range windowLengths {
		if d == days {
			return fmt.Sprintf("$%d::timestamptz", i+3)
		}
	}
	panic(fmt.Sprintf("metrics: no window of %d days", days))
}

var computeSQL = `select * from (` + countsSQL("$1::uuid", "$2::timestamptz", windowParam) + `) c,
	-- ratings given in the window, as they stood at its end (a revision counts from when it was made)
	(select count(*) rating_count, count(*) filter (where o <= 2) rating_negative,
		coalesce(avg(o), 0)::float8 rating_overall, coalesce(avg(d), 0)::float8 rating_description,
		coalesce(avg(sa), 0)::float8 rating_service, coalesce(avg(ls), 0)::float8 rating_logistics
	 from (select case when revised_at <= $2 then overall else initial_overall end o,
			case when revised_at <= $2 then description_match else initial_description_match end d,
			case when revised_at <= $2 then service_attitude else initial_service_attitude end sa,
			case when revised_at <= $2 then logistics_speed else initial_logistics_speed end ls
		from ratings where tenant_id = $1 and created_at >= ` + windowParam(RatingWindowDays) + ` and created_at <= $2) r) rt,
	-- cases opened in the window: the median time to the store's first answer, among those answered by then
	(select count(*) response_cases, count(*) filter (where first_response_at <= $2) response_answered,
		coalesce(percentile_cont(0.5) within group (order by extract(epoch from first_response_at - created_at))
			filter (where first_response_at <= $2), 0)::float8 / 3600 response_median_hours
	 from cases where tenant_id = $1 and created_at >= ` + windowParam(30) + ` and created_at <= $2) rs`

func compute(ctx context.Context, tx *sqlx.Tx, store tenants.Store, asOf time.Time) (Store, error) {
	row := map[string]any{}
	if err := tx.QueryRowxContext(ctx, computeSQL, windowArgs(store, asOf)...).MapScan(row); err != nil {
		return Store{}, err
	}
	c := counts{}
	for _, name := range countColumns() {
		c[name] = int(row[name].(int64))
	}
	out := Store{StoreID: store.ID, AsOf: asOf.UTC(), Rates: map[string]Rate{}}
	tz := Location(store)
	for _, d := range Rates {
		from, to := Window(asOf, tz, d.WindowDays)
		num, den, orders := c.rate(d)
		out.Rates[d.Key] = Rate{Key: d.Key, WindowDays: d.WindowDays, From: from, To: to, Numerator: num,
			Denominator: den, Orders: orders, Insufficient: orders < MinOrders}
	}
	out.Orders30d = out.Rates[Dissatisfaction].Orders
	from, to := Window(asOf, tz, RatingWindowDays)
	out.Ratings = Ratings{WindowDays: RatingWindowDays, From: from, To: to, Count: int(row["rating_count"].(int64)),
		Negative: int(row["rating_negative"].(int64)), Overall: row["rating_overall"].(float64),
		DescriptionMatch: row["rating_description"].(float64), ServiceAttitude: row["rating_service"].(float64),
		LogisticsSpeed: row["rating_logistics"].(float64)}
	out.Ratings.Insufficient = out.Ratings.Count < MinRatings
	from, to = Window(asOf, tz, DefaultWindowDays)
	out.Response = Response{WindowDays: DefaultWindowDays, From: from, To: to, Cases: int(row["response_cases"].(int64)),
		Answered: int(row["response_answered"].(int64)), MedianHours: row["response_median_hours"].(float64)}
	out.Response.Insufficient = out.Response.Answered == 0 || out.Orders30d < MinOrders
	return out, nil
}
