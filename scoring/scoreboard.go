package scoring

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"tradeguard/internal/sqlq"
	"tradeguard/tenants"
)

// Levels from the best, as the scoreboard sorts them.
var Levels = []string{"S", "A", "B", "C", "D", Unrated}

// Board sort fields besides the metric keys (Metrics).
const (
	SortScore = "SCORE"
	SortLevel = "LEVEL"
	SortName  = "STORE_NAME"
)

// BoardFilter narrows the scoreboard.
type BoardFilter struct {
	Levels        []string
	FailingMetric string // a metric key: only stores whose metric is FAILING
	Search        string // part of the store's name or slug
}

// BoardOrder sorts the scoreboard: by SortScore, SortLevel, SortName or a metric key's value.
type BoardOrder struct {
	Field string
	Desc  bool
}

// BoardRow is one store with its latest score at or before the as-of day (nil: never scored by then).
type BoardRow struct {
	Store tenants.Store
	Score *Score
}

// boardSQL: each store with its latest snapshot on or before the as-of day in its own time zone ($1), filtered
// ($2 levels, $3 failing metric, $4 search) and sorted; stores never scored sort last.
func boardSQL(o BoardOrder, tail string) (string, error) {
	var key string
	switch {
	case o.Field == "" || o.Field == SortScore:
		key = "x.score"
	case o.Field == SortLevel:
		key = "array_position(array['S', 'A', 'B', 'C', 'D', 'UNRATED'], x.level)"
	case o.Field == SortName:
		key = "s.name"
	case slices.Contains(Metrics, o.Field):
		key = fmt.Sprintf("(x.metrics->'%s'->>'value')::float8", o.Field) // a known key: no injection
	default:
		return "", tenants.Refuse("INVALID_SORT", "sort by SCORE, LEVEL, STORE_NAME or a metric", "orderBy", "field")
	}
	dir := "asc"
	if o.Desc {
		dir = "desc"
	}
	return `select s.id, s.slug, s.name, s.category, s.currency, s.time_zone, s.status, s.created_at, s.closes_at, s.closed_at,
			x.tenant_id "x.tenant_id", x.day "x.day", x.as_of "x.as_of", x.policy_version "x.policy_version", x.score "x.score",
			x.level "x.level", x.orders_30d "x.orders_30d", x.metrics "x.metrics", x.explanation "x.explanation",
			x.computed_at "x.computed_at"
		from stores s left join lateral (select * from score_snapshots ss where ss.tenant_id = s.id
			and ss.day <= ($1::timestamptz at time zone s.time_zone)::date order by ss.day desc limit 1) x on true
		where ($2::text[] is null or x.level = any($2)) and ($3 = '' or x.metrics->$3->>'status' = 'FAILING')
			and ($4 = '' or s.name ilike $4 or s.slug ilike $4)
		order by ` + key + ` ` + dir + ` nulls last, s.id ` + tail, nil
}

type boardRow struct {
	tenants.Store
	X struct {
		TenantID      *string    `db:"tenant_id"`
		Day           *time.Time `db:"day"`
		AsOf          *time.Time `db:"as_of"`
		PolicyVersion *int       `db:"policy_version"`
		Score         *float64   `db:"score"`
		Level         *string    `db:"level"`
		Orders30d     *int       `db:"orders_30d"`
		Metrics       []byte     `db:"metrics"`
		Explanation   []byte     `db:"explanation"`
		ComputedAt    *time.Time `db:"computed_at"`
	} `db:"x"`
}

func (r boardRow) row() (BoardRow, error) {
	out := BoardRow{Store: r.Store}
	if r.X.Day == nil {
		return out, nil
	}
	sc, err := snapshotRow{StoreID: r.Store.ID, Day: *r.X.Day, AsOf: *r.X.AsOf, PolicyVersion: *r.X.PolicyVersion,
		Score: *r.X.Score, Level: *r.X.Level, Orders30d: *r.X.Orders30d, Metrics: r.X.Metrics,
		Explanation: r.X.Explanation, ComputedAt: *r.X.ComputedAt}.score()
	out.Score = &sc
	return out, err
}

func boardArgs(asOf time.Time, f BoardFilter) ([]any, error) {
	for _, l := range f.Levels {
		if !slices.Contains(Levels, l) {
			return nil, tenants.Refuse("INVALID_LEVEL", "levels are "+strings.Join(Levels, ", "), "filter", "level")
		}
	}
	if f.FailingMetric != "" && !slices.Contains(Metrics, f.FailingMetric) {
		return nil, tenants.Refuse("INVALID_METRIC", "metrics are "+strings.Join(Metrics, ", "), "filter", "failingMetric")
	}
	var levels any
	if len(f.Levels) > 0 {
		levels = pq.Array(f.Levels)
	}
	search := ""
	if s := strings.TrimSpace(f.Search); s != "" {
		search = sqlq.Contains(s)
	}
	return []any{asOf, levels, f.FailingMetric, search}, nil
}

// Scoreboard is one page of every store's latest score at or before asOf's day: offset rows skipped, at most
// limit, whether more follow. Admins only.
func Scoreboard(ctx context.Context, s *tenants.Session, asOf time.Time, f BoardFilter, o BoardOrder, offset, limit int) ([]BoardRow, bool, error) {
	var out []BoardRow
	more := false
	err := eachBoardRow(ctx, s, asOf, f, o, fmt.Sprintf("limit %d offset %d", limit+1, offset), func(r BoardRow) error {
		if len(out) == limit {
			more = true
			return nil
		}
		out = append(out, r)
		return nil
	})
	return out, more, err
}

// ScoreboardCount is how many stores the filter leaves.
func ScoreboardCount(ctx context.Context, s *tenants.Session, asOf time.Time, f BoardFilter) (int, error) {
	if !s.Principal().Is(tenants.RoleAdmin, tenants.RoleSystem) {
		return 0, tenants.ErrForbidden
	}
	args, err := boardArgs(asOf, f)
	if err != nil {
		return 0, err
	}
	q, _ := boardSQL(BoardOrder{}, "")
	var n int
	err = s.DoStale(ctx, func(tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &n, `select count(*) from (`+q+`) b`, args...)
	})
	return n, err
}

// EachScoreboardRow streams every row of the scoreboard to fn (the CSV export). Admins only.
func EachScoreboardRow(ctx context.Context, s *tenants.Session, asOf time.Time, f BoardFilter, o BoardOrder, fn func(BoardRow) error) error {
	return eachBoardRow(ctx, s, asOf, f, o, "", fn)
}

func eachBoardRow(ctx context.Context, s *tenants.Session, asOf time.Time, f BoardFilter, o BoardOrder, tail string, fn func(BoardRow) error) error {
	if !s.Principal().Is(tenants.RoleAdmin, tenants.RoleSystem) {
		return tenants.ErrForbidden
	}
	args, err := boardArgs(asOf, f)
	if err != nil {
		return err
	}
	q, err := boardSQL(o, tail)
	if err != nil {
		return err
	}
	return s.DoStale(ctx, func(tx *sqlx.Tx) error {
		rows, err := tx.QueryxContext(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var r boardRow
			if err := rows.StructScan(&r); err != nil {
				return err
			}
			br, err := r.row()
			if err != nil {
				return err
			}
			if err := fn(br); err != nil {
				return err
			}
		}
		return rows.Err()
	})
}
