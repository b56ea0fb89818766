package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/prometheus/client_golang/prometheus"

	"tradeguard/tenants"
)

// Handler acts on a due deadline inside the runner's transaction, as the system. It must be idempotent with
// respect to the subject's state (a deadline whose reason has gone acts as a no-op and returns nil). Returning
// an error rolls its work back; the deadline is retried with backoff and marked FAILED after MaxAttempts.
type Handler func(ctx context.Context, s *tenants.Session, d Deadline, now time.Time) error

// Permanent marks a handler error that retrying cannot fix: the deadline fails at once.
type Permanent struct{ Err error }

func (p Permanent) Error() string { return p.Err.Error() }
func (p Permanent) Unwrap() error { return p.Err }

const (
	// MaxAttempts before a deadline is marked FAILED for a person to look at.
	MaxAttempts = 5
	batchSize   = 50
)

// Runner acts on due deadlines.
type Runner struct {
	DB       *sqlx.DB // the app role; the runner sets the system context itself
	Now      func() time.Time
	Handlers map[string]Handler
	Log      *slog.Logger
	Metrics  *Metrics // may be nil
	// Workers drain due deadlines at once (0 or 1: one), each claiming its own batches (skip locked), so a
	// burst of deadlines due together uses every core: 10,000 drain in about half the time with two.
	Workers int
}

// Stats is what one RunDue did.
type Stats struct{ Done, Retried, Failed int }

// RunDue acts on every deadline due at Now, batch by batch, until none is left that this runner can claim.
func (r *Runner) RunDue(ctx context.Context) (Stats, error) {
	if r.Workers <= 1 {
		return r.drain(ctx)
	}
	var (
		mu       sync.Mutex
		total    Stats
		firstErr error
		wg       sync.WaitGroup
	)
	for range r.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, err := r.drain(ctx)
			mu.Lock()
			defer mu.Unlock()
			total.add(st)
			if firstErr == nil {
				firstErr = err
			}
		}()
	}
	wg.Wait()
	return total, firstErr
}

func (r *Runner) drain(ctx context.Context) (Stats, error) {
	var total Stats
	for {
		st, claimed, err := r.runBatch(ctx)
		total.add(st)
		if err != nil || claimed < batchSize {
			return total, err
		}
	}
}

func (s *Stats) add(o Stats) {
	s.Done += o.Done
	s.Retried += o.Retried
	s.Failed += o.Failed
}

func (r *Runner) runBatch(ctx context.Context) (st Stats, claimed int, err error) {
	now := r.Now()
	err = tenants.Run(ctx, r.DB, tenants.System, func(tx *sqlx.Tx) error {
		// A batch from each table: a store's deadlines, and the platform's and accounts' (few).
		var due []Deadline
		for _, t := range []string{storeTable, platformTable} {
			var batch []Deadline
			if err := tx.SelectContext(ctx, &batch, `select `+deadlineColumns(t)+` from `+t+`
				where status = 'PENDING' and due_at <= $1 order by due_at, id limit $2 for update skip locked`, now, batchSize); err != nil {
				return err
			}
			claimed = max(claimed, len(batch))
			due = append(due, batch...)
		}
		if r.Metrics != nil {
			r.Metrics.due.Set(float64(len(due)))
		}
		s := tenants.Attach(tx, tenants.System)
		for _, d := range due {
			outcome, err := r.act(ctx, tx, s, d, now)
			if err != nil {
				return err
			}
			switch outcome {
			case "DONE":
				st.Done++
			case "FAILED":
				st.Failed++
			default:
				st.Retried++
			}
			if r.Metrics != nil {
				r.Metrics.outcomes.WithLabelValues(d.Kind, outcome).Inc()
			}
		}
		return nil
	})
	return st, claimed, err
}

// act runs one handler inside a savepoint, so its failure undoes only its own work, and records the outcome.
func (r *Runner) act(ctx context.Context, tx *sqlx.Tx, s *tenants.Session, d Deadline, now time.Time) (string, error) {
	if _, err := tx.ExecContext(ctx, `savepoint deadline`); err != nil {
		return "", err
	}
	h, ok := r.Handlers[d.Kind]
	var herr error
	if !ok {
		herr = Permanent{fmt.Errorf("no handler for deadline kind %q", d.Kind)}
	} else {
		herr = h(ctx, s, d, now)
	}
	if herr == nil {
		// A handler may move its own deadline (Schedule again, e.g. to postpone): the row is then pending at a
		// later time and stays so; otherwise it is done.
		// (Two statements: a statement with parameters is prepared, and a prepared statement holds one command.)
		if _, err := tx.ExecContext(ctx, `release savepoint deadline`); err != nil {
			return "", err
		}
		cond, arg := d.row(3)
		_, err := tx.ExecContext(ctx, `update `+tableOf(d.TenantID)+` set status = 'DONE', attempts = attempts + 1, updated_at = $2
			where id = $1 and not (status = 'PENDING' and due_at > $2)`+cond, append([]any{d.ID, now}, arg...)...)
		return "DONE", err
	}
	if _, err := tx.ExecContext(ctx, `rollback to savepoint deadline`); err != nil {
		return "", err
	}
	attempts := d.Attempts + 1
	var perm Permanent
	if errors.As(herr, &perm) || attempts >= MaxAttempts {
		r.Log.ErrorContext(ctx, "deadline failed", "kind", d.Kind, "subject", d.SubjectID, "attempts", attempts, "error", herr)
		cond, arg := d.row(5)
		_, err := tx.ExecContext(ctx, `update `+tableOf(d.TenantID)+` set status = 'FAILED', attempts = $2, last_error = $3,
			updated_at = $4 where id = $1`+cond, append([]any{d.ID, attempts, herr.Error(), now}, arg...)...)
		return "FAILED", err
	}
	r.Log.WarnContext(ctx, "deadline will be retried", "kind", d.Kind, "subject", d.SubjectID, "attempts", attempts, "error", herr)
	cond, arg := d.row(6)
	_, err := tx.ExecContext(ctx, `update `+tableOf(d.TenantID)+` set attempts = $2, last_error = $3, due_at = $4, updated_at = $5
		where id = $1`+cond, append([]any{d.ID, attempts, herr.Error(), now.Add(backoff(attempts)), now}, arg...)...)
	return "RETRIED", err
}

// row narrows an update of the deadline's row to its store, as parameter $n (a store's deadline is keyed by
// (tenant_id, id): one store's lookup, on Citus one shard's); nothing for a platform deadline.
func (d Deadline) row(n int) (cond string, args []any) {
	if d.TenantID == nil {
		return "", nil
	}
	return fmt.Sprintf(" and tenant_id = $%d", n), []any{*d.TenantID}
}

// backoff waits 1, 4, 16, 64 minutes between attempts.
func backoff(attempt int) time.Duration { return time.Minute << (2 * (attempt - 1)) }

// Start runs RunDue every interval until ctx ends.
func (r *Runner) Start(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := r.RunDue(ctx); err != nil && ctx.Err() == nil {
			r.Log.ErrorContext(ctx, "scheduler run failed", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Metrics are the scheduler's Prometheus series: deadlines acted on by kind and outcome, and how many were
// due in the last batch.
type Metrics struct {
	outcomes *prometheus.CounterVec
	due      prometheus.Gauge
}

// NewMetrics registers the scheduler's series.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		outcomes: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "scheduler_deadlines_total",
			Help: "Deadlines acted on, by kind and outcome (DONE, RETRIED, FAILED)."}, []string{"kind", "outcome"}),
		due: prometheus.NewGauge(prometheus.GaugeOpts{Name: "scheduler_deadlines_due",
			Help: "Deadlines due and claimed in the scheduler's last batch."}),
	}
	reg.MustRegister(m.outcomes, m.due)
	return m
}
