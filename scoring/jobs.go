package scoring

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"tradeguard/metrics"
	"tradeguard/scheduler"
	"tradeguard/tenants"
)

// Job is an on-demand recomputation of every store's score for one day.
type Job struct {
	ID          uuid.UUID  `db:"id"`
	AsOf        time.Time  `db:"as_of"`
	Status      string     `db:"status"`
	Total       int        `db:"total"`
	Done        int        `db:"done"`
	Failed      int        `db:"failed"`
	Error       *string    `db:"error"`
	RequestedBy *uuid.UUID `db:"requested_by"`
	CreatedAt   time.Time  `db:"created_at"`
	FinishedAt  *time.Time `db:"finished_at"`
}

const jobColumns = `id, as_of, status, total, done, failed, error, requested_by, created_at, finished_at`

// RecomputeWorkers score stores side by side (each store is one short transaction).
const RecomputeWorkers = 2

// StartRecompute records a job for asOf (committed at once, apart from the request's transaction, so the job
// is visible while it runs) and runs it in the background on db (the app role) as the system; its progress is
// read with GetJob. Admins only.
func StartRecompute(ctx context.Context, p tenants.Principal, db *sqlx.DB, asOf time.Time, now func() time.Time, log *slog.Logger) (Job, error) {
	if !p.Is(tenants.RoleAdmin) {
		return Job{}, tenants.ErrForbidden
	}
	if asOf.After(now()) {
		return Job{}, tenants.Refuse("AS_OF_IN_FUTURE", "scores are computed for today or a past day", "input", "asOf")
	}
	if asOf.Before(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)) {
		return Job{}, tenants.Refuse("AS_OF_TOO_EARLY", "scores are computed for days from 2000-01-01 on", "input", "asOf")
	}
	by := p.UserID
	job := Job{ID: uuid.New(), AsOf: asOf.UTC(), Status: "RUNNING", RequestedBy: &by, CreatedAt: now()}
	err := tenants.Run(ctx, db, tenants.System, func(tx *sqlx.Tx) error {
		_, err := tx.NamedExecContext(ctx, `insert into score_jobs (id, as_of, status, requested_by, created_at)
			values (:id, :as_of, :status, :requested_by, :created_at)`, job)
		return err
	})
	if err != nil {
		return Job{}, err
	}
	go func() { // outlives the request
		if _, err := Recompute(context.WithoutCancel(ctx), db, job.ID, asOf, now, nil); err != nil {
			log.Error("score recompute failed", "job", job.ID, "error", err)
		}
	}()
	return job, nil
}

// GetJob reads a job. Admins only.
func GetJob(ctx context.Context, s *tenants.Session, id uuid.UUID) (Job, error) {
	if !s.Principal().Is(tenants.RoleAdmin, tenants.RoleSystem) {
		return Job{}, tenants.ErrNotFound
	}
	var j Job
	err := s.Do(ctx, func(tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &j, `select `+jobColumns+` from score_jobs where id = $1`, id)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return Job{}, tenants.ErrNotFound
	}
	return j, err
}

// Progress is told how far a recompute is.
type Progress func(done, failed, total int)

// Recompute snapshots every store that existed at asOf for asOf's day (in each store's time zone), on db as
// the system, each store in its own transaction. jobID (uuid.Nil: none) is kept up to date with the progress.
// A store that fails is counted and the rest go on; the job fails if any store did.
func Recompute(ctx context.Context, db *sqlx.DB, jobID uuid.UUID, asOf time.Time, now func() time.Time, progress Progress) (Job, error) {
	var stores []tenants.Store
	err := tenants.Run(ctx, db, tenants.System, func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &stores, `select id, slug, name, category, currency, time_zone, status, created_at,
			closes_at, closed_at from stores where created_at <= $1 order by id`, asOf)
	})
	if err != nil {
		return Job{}, finishJob(ctx, db, jobID, 0, 0, 0, err, now())
	}
	total := len(stores)
	_ = updateJob(ctx, db, jobID, 0, 0, total)
	var (
		mu           sync.Mutex
		done, failed int
		firstErr     error
		wg           sync.WaitGroup
		next         = make(chan tenants.Store)
	)
	for range RecomputeWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for st := range next {
				err := tenants.Run(ctx, db, tenants.System, func(tx *sqlx.Tx) error {
					_, err := SnapshotDay(ctx, tenants.Attach(tx, tenants.System), st, metrics.Day(asOf, metrics.Location(st)), now())
					return err
				})
				mu.Lock()
				done++
				if err != nil {
					failed++
					if firstErr == nil {
						firstErr = fmt.Errorf("store %s: %w", st.Slug, err)
					}
				}
				d, f := done, failed
				mu.Unlock()
				if d%25 == 0 || d == total {
					_ = updateJob(ctx, db, jobID, d, f, total)
				}
				if progress != nil {
					progress(d, f, total)
				}
			}
		}()
	}
	for _, st := range stores {
		next <- st
	}
	close(next)
	wg.Wait()
	j := Job{ID: jobID, AsOf: asOf, Status: "SUCCEEDED", Total: total, Done: done, Failed: failed}
	if firstErr != nil {
		j.Status = "FAILED"
	}
	return j, finishJob(ctx, db, jobID, done, failed, total, firstErr, now())
}

func updateJob(ctx context.Context, db *sqlx.DB, id uuid.UUID, done, failed, total int) error {
	if id == uuid.Nil {
		return nil
	}
	return tenants.Run(ctx, db, tenants.System, func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, `update score_jobs set done = $2, failed = $3, total = $4 where id = $1`, id, done, failed, total)
		return err
	})
}

func finishJob(ctx context.Context, db *sqlx.DB, id uuid.UUID, done, failed, total int, cause error, at time.Time) error {
	if id == uuid.Nil {
		return cause
	}
	status, msg := "SUCCEEDED", (*string)(nil)
	if cause != nil {
		status = "FAILED"
		m := cause.Error()
		msg = &m
	}
	err := tenants.Run(ctx, db, tenants.System, func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, `update score_jobs set status = $2, done = $3, failed = $4, total = $5, error = $6,
			finished_at = $7 where id = $1`, id, status, done, failed, total, msg, at)
		return err
	})
	return errors.Join(cause, err)
}

// KindDaily is the scheduler kind of the daily snapshots.
const KindDaily = "scores.snapshot"

// DailyEvery: stores' days end at different hours (their time zones), so the job looks every hour for
// stores whose yesterday has no final snapshot yet.
const DailyEvery = time.Hour

// DailySubject is the fixed subject of the job's one deadline row (a platform job: no store, no person).
var DailySubject = uuid.NewSHA1(uuid.NameSpaceURL, []byte("urn:tradeguard:scores.snapshot"))

// Handlers are the scheduler's actions of this package: scores.snapshot snapshots, once, each store's day
// that ended (its yesterday, in its time zone) and has no final snapshot, then runs again DailyEvery later.
// One deadline row claimed with SKIP LOCKED: with several processes, one of them does a day's work.
func Handlers() map[string]scheduler.Handler {
	return map[string]scheduler.Handler{
		KindDaily: func(ctx context.Context, s *tenants.Session, d scheduler.Deadline, now time.Time) error {
			if err := SnapshotEndedDays(ctx, s, now); err != nil {
				return err
			}
			return scheduler.Schedule(ctx, s, scheduler.Deadline{Kind: KindDaily, SubjectID: DailySubject, DueAt: now.Add(DailyEvery)}, now)
		},
	}
}

// EnsureDaily makes sure the daily snapshots are scheduled: due now if they were not, else left as they are
// (once per database, whatever the number of processes and restarts).
func EnsureDaily(ctx context.Context, s *tenants.Session, now time.Time) error {
	if !s.Principal().Is(tenants.RoleSystem) {
		return tenants.ErrForbidden
	}
	return scheduler.Ensure(ctx, s, scheduler.Deadline{Kind: KindDaily, SubjectID: DailySubject, DueAt: now}, now)
}

// SnapshotEndedDays writes the final snapshot of every store's yesterday that lacks one.
func SnapshotEndedDays(ctx context.Context, s *tenants.Session, now time.Time) error {
	var stores []tenants.Store
	err := s.Do(ctx, func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &stores, `select id, slug, name, category, currency, time_zone, status, created_at,
			closes_at, closed_at from stores s where created_at <= $1 and not exists (select 1 from score_snapshots ss
			where ss.tenant_id = s.id and ss.day = ($1::timestamptz at time zone s.time_zone)::date - 1
			and ss.as_of >= ($1::timestamptz at time zone s.time_zone)::date::timestamp at time zone s.time_zone - interval '1 microsecond')
			order by id`, now)
	})
	if err != nil {
		return err
	}
	for _, st := range stores {
		yesterday := metrics.Day(now, metrics.Location(st)).AddDate(0, 0, -1)
		if _, err := SnapshotDay(ctx, s, st, yesterday, now); err != nil {
			return fmt.Errorf("store %s: %w", st.Slug, err)
		}
	}
	return nil
}
