package metrics

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"

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

// Trend is every rate's daily series over days (from TrendDays): for each day, the counts as of the end of
// that day, or of now for today. Key → points in day order.
func Trend(ctx context.Context, s *tenants.Session, store tenants.Store, days []time.Time, now time.Time) (map[string][]Point, error) {
	if err := CanRead(s.Principal(), store.ID); err != nil {
		return nil, err
	}
	out := map[string][]Point{}
	if len(days) == 0 {
		return out, nil
	}
	tz := Location(store)
	first, last := days[0], days[len(days)-1]
	asOf := EndOfDay(last, tz)
	if asOf.After(now) {
		asOf = now.UTC()
	}
	var l ledger
	err := s.DoStale(ctx, func(tx *sqlx.Tx) error {
		var err error
		l, err = readLedger(ctx, tx, store.ID, first, last, asOf, tz, false)
		return err
	})
	if err != nil {
		return nil, err
	}
	for _, d := range Rates {
		num, den, orders := l.rate(d)
		for i := range l.n {
			out[d.Key] = append(out[d.Key], Point{Day: first.AddDate(0, 0, i), Numerator: int(num[i]), Denominator: int(den[i]),
				Orders: int(orders[i]), Insufficient: orders[i] < MinOrders})
		}
	}
	return out, nil
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
