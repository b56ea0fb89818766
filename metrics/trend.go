package metrics

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"tradeguard/tenants"
)

// MaxTrendDays bounds a trend: a year of days, each one window count.
const MaxTrendDays = 366

// Point is one day of a rate's trend: the metric as it stood at the end of that day (or at now, today).
type Point struct {
	Day                    time.Time // the date, midnight UTC
	Numerator, Denominator int
	Orders                 int
	Insufficient           bool
}

// Rate of the point (0 with no denominator).
func (p Point) Rate() float64 {
	if p.Denominator == 0 {
		return 0
	}
	return float64(p.Numerator) / float64(p.Denominator)
}

// TrendDays are the days of a trend from from's day to to's day in tz, none after now's day.
func TrendDays(from, to, now time.Time, tz *time.Location) ([]time.Time, error) {
	first, last := Day(from, tz), Day(to, tz)
	if today := Day(now, tz); last.After(today) {
		last = today
	}
	if last.Before(first) {
		return nil, tenants.Refuse("INVALID_RANGE", "a trend runs from a day to the same or a later day, not after today", "to")
	}
	n := int(last.Sub(first).Hours()/24) + 1
	if n > MaxTrendDays {
		return nil, tenants.Refuse("RANGE_TOO_LONG", fmt.Sprintf("a trend covers at most %d days (asked for %d)", MaxTrendDays, n), "from")
	}
	days := make([]time.Time, n)
	for i := range days {
		days[i] = first.AddDate(0, 0, i)
	}
	return days, nil
}

var trendSQL = `select w.day, c.* from unnest($2::date[], $3::timestamptz[], $4::timestamptz[], $5::timestamptz[]) w(day, t, f30, f60)
	cross join lateral (` + countsSQL("$1::uuid", "w.t", func(days int) string { return fmt.Sprintf("w.f%d", days) }) + `) c
	order by w.day`

// Trend is every rate's daily series over days (from TrendDays): for each day, the counts as of the end of
// that day, or of now for today. Key → points in day order.
func Trend(ctx context.Context, s *tenants.Session, store tenants.Store, days []time.Time, now time.Time) (map[string][]Point, error) {
	if err := CanRead(s.Principal(), store.ID); err != nil {
		return nil, err
	}
	tz := Location(store)
	var ts, f30, f60 []time.Time
	for _, d := range days {
		t := EndOfDay(d, tz)
		if t.After(now) {
			t = now.UTC()
		}
		a, _ := Window(t, tz, 30)
		b, _ := Window(t, tz, 60)
		ts, f30, f60 = append(ts, t), append(f30, a), append(f60, b)
	}
	out := map[string][]Point{}
	err := s.Do(ctx, func(tx *sqlx.Tx) error {
		rows, err := tx.QueryxContext(ctx, trendSQL, store.ID, pq.Array(dates(days)), pq.Array(ts), pq.Array(f30), pq.Array(f60))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			row := map[string]any{}
			if err := rows.MapScan(row); err != nil {
				return err
			}
			c := counts{}
			for _, name := range countColumns() {
				c[name] = int(row[name].(int64))
			}
			day := row["day"].(time.Time)
			for _, d := range Rates {
				num, den, orders := c.rate(d)
				out[d.Key] = append(out[d.Key], Point{Day: day, Numerator: num, Denominator: den, Orders: orders, Insufficient: orders < MinOrders})
			}
		}
		return rows.Err()
	})
	return out, err
}

func dates(days []time.Time) []string {
	out := make([]string, len(days))
	for i, d := range days {
		out[i] = d.Format(time.DateOnly)
	}
	return out
}

// TrendCache remembers the trends of one store over day ranges, so the metrics of one response that each ask
// for the same range share one statement. Safe for concurrent use.
type TrendCache struct {
	mu   sync.Mutex
	runs map[[2]time.Time]*trendRun
}

type trendRun struct {
	once   sync.Once
	points map[string][]Point
	err    error
}

// Get is Trend over days, computed once per first and last day.
func (c *TrendCache) Get(ctx context.Context, s *tenants.Session, store tenants.Store, days []time.Time, now time.Time) (map[string][]Point, error) {
	if len(days) == 0 {
		return map[string][]Point{}, nil
	}
	k := [2]time.Time{days[0], days[len(days)-1]}
	c.mu.Lock()
	if c.runs == nil {
		c.runs = map[[2]time.Time]*trendRun{}
	}
	r, ok := c.runs[k]
	if !ok {
		r = &trendRun{}
		c.runs[k] = r
	}
	c.mu.Unlock()
	r.once.Do(func() { r.points, r.err = Trend(ctx, s, store, days, now) })
	return r.points, r.err
}
