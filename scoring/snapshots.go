package scoring

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"tradeguard/metrics"
	"tradeguard/tenants"
)

// explanation is what a snapshot keeps of a score besides its columns.
type explanation struct {
	Result
	GeneralPoints int `json:"generalPoints"`
	SeriousPoints int `json:"seriousPoints"`
}

type snapshotRow struct {
	StoreID       uuid.UUID `db:"tenant_id"`
	Day           time.Time `db:"day"`
	AsOf          time.Time `db:"as_of"`
	PolicyVersion int       `db:"policy_version"`
	Score         float64   `db:"score"`
	Level         string    `db:"level"`
	Orders30d     int       `db:"orders_30d"`
	Metrics       []byte    `db:"metrics"`
	Explanation   []byte    `db:"explanation"`
	ComputedAt    time.Time `db:"computed_at"`
}

const snapshotColumns = `tenant_id, day, as_of, policy_version, score, level, orders_30d, metrics, explanation, computed_at`

func (r snapshotRow) score() (Score, error) {
	sc := Score{StoreID: r.StoreID, Day: r.Day, AsOf: r.AsOf, PolicyVersion: r.PolicyVersion, Orders30d: r.Orders30d, ComputedAt: r.ComputedAt}
	var e explanation
	if err := json.Unmarshal(r.Explanation, &e); err != nil {
		return sc, fmt.Errorf("scoring: snapshot explanation: %w", err)
	}
	if err := json.Unmarshal(r.Metrics, &sc.Metrics); err != nil {
		return sc, fmt.Errorf("scoring: snapshot metrics: %w", err)
	}
	sc.Result, sc.GeneralPoints, sc.SeriousPoints = e.Result, e.GeneralPoints, e.SeriousPoints
	sc.Score, sc.Level = r.Score, r.Level
	return sc, nil
}

// SnapshotDay computes store's score of day (a date in the store's time zone, midnight UTC) as of the end of
// that day, or of now while the day lasts, stores it (replacing an earlier one of the same day) and tells the
// store of every metric that became AT_RISK or FAILING and of a level change since the day before. The system
// only.
func SnapshotDay(ctx context.Context, s *tenants.Session, store tenants.Store, day, now time.Time) (Score, error) {
	if !s.Principal().Is(tenants.RoleSystem) {
		return Score{}, tenants.ErrForbidden
	}
	asOf := metrics.EndOfDay(day, metrics.Location(store))
	if asOf.After(now) {
		asOf = now
	}
	sc, err := Live(ctx, s, store, asOf, now)
	if err != nil {
		return Score{}, err
	}
	sc.Day = day
	err = s.Do(ctx, func(tx *sqlx.Tx) error {
		prev, err := snapshotOn(ctx, tx, store.ID, day.AddDate(0, 0, -1))
		if err != nil {
			return err
		}
		same, err := snapshotOn(ctx, tx, store.ID, day)
		if err != nil {
			return err
		}
		if err := saveSnapshot(ctx, tx, sc); err != nil {
			return err
		}
		return notify(ctx, tx, store, prev, same, sc, now)
	})
	return sc, err
}

func saveSnapshot(ctx context.Context, tx *sqlx.Tx, sc Score) error {
	m, err := json.Marshal(sc.Metrics)
	if err != nil {
		return err
	}
	e, err := json.Marshal(explanation{Result: sc.Result, GeneralPoints: sc.GeneralPoints, SeriousPoints: sc.SeriousPoints})
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `insert into score_snapshots (`+snapshotColumns+`)
		values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		on conflict (tenant_id, day) do update set as_of = excluded.as_of, policy_version = excluded.policy_version,
			score = excluded.score, level = excluded.level, orders_30d = excluded.orders_30d, metrics = excluded.metrics,
			explanation = excluded.explanation, computed_at = excluded.computed_at`,
		sc.StoreID, sc.Day.Format(time.DateOnly), sc.AsOf, sc.PolicyVersion, sc.Score, sc.Level, sc.Orders30d, m, e, sc.ComputedAt)
	return err
}

func snapshotOn(ctx context.Context, tx *sqlx.Tx, storeID uuid.UUID, day time.Time) (*Score, error) {
	var r snapshotRow
	err := tx.GetContext(ctx, &r, `select `+snapshotColumns+` from score_snapshots where tenant_id = $1 and day = $2`,
		storeID, day.Format(time.DateOnly))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	sc, err := r.score()
	return &sc, err
}

// MaxHistoryDays bounds a score history.
const MaxHistoryDays = 366

// History is store's daily snapshots from from's day to to's day (store time zone), oldest first.
func History(ctx context.Context, s *tenants.Session, store tenants.Store, from, to time.Time) ([]Score, error) {
	if err := metrics.CanRead(s.Principal(), store.ID); err != nil {
		return nil, err
	}
	tz := metrics.Location(store)
	first, last := metrics.Day(from, tz), metrics.Day(to, tz)
	if last.Before(first) {
		return nil, tenants.Refuse("INVALID_RANGE", "a history runs from a day to the same or a later day", "to")
	}
	if n := int(last.Sub(first).Hours()/24) + 1; n > MaxHistoryDays {
		return nil, tenants.Refuse("RANGE_TOO_LONG", fmt.Sprintf("a history covers at most %d days (asked for %d)", MaxHistoryDays, n), "from")
	}
	var rows []snapshotRow
	err := s.DoStale(ctx, func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &rows, `select `+snapshotColumns+` from score_snapshots
			where tenant_id = $1 and day between $2 and $3 order by day`, store.ID, first.Format(time.DateOnly), last.Format(time.DateOnly))
	})
	if err != nil {
		return nil, err
	}
	out := make([]Score, len(rows))
	for i, r := range rows {
		if out[i], err = r.score(); err != nil {
			return nil, err
		}
	}
	return out, nil
}
