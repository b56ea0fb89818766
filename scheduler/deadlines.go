// Package scheduler is the one mechanism behind every deadline in tradeguard: deadlines are rows written in
// the same transaction as the change that starts them, and a Runner acts on the due ones as the system.
// Several server processes may run Runners at once: rows are claimed with FOR UPDATE SKIP LOCKED and marked
// done in the transaction that acted, so each deadline acts once.
package scheduler

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"tradeguard/tenants"
)

// Deadline is one pending consequence: when DueAt passes, the handler registered for Kind acts on SubjectID.
// TenantID, BuyerID and UserID say whose it is (row-level security lets them schedule and see it). A store's
// deadline (TenantID set) is a row of deadlines; one without a store (a platform job, an account's deletion)
// is a row of platform_deadlines (migration 00022): tableOf says which.
type Deadline struct {
	ID        uuid.UUID  `db:"id"`
	TenantID  *uuid.UUID `db:"tenant_id"`
	BuyerID   *uuid.UUID `db:"buyer_id"`
	UserID    *uuid.UUID `db:"user_id"`
	Kind      string     `db:"kind"`
	SubjectID uuid.UUID  `db:"subject_id"`
	DueAt     time.Time  `db:"due_at"`
	Status    string     `db:"status"`
	Attempts  int        `db:"attempts"`
	LastError *string    `db:"last_error"`
}

const (
	storeTable    = "deadlines"
	platformTable = "platform_deadlines"
)

// tableOf is the table of a deadline of store tenant (nil: none).
func tableOf(tenant *uuid.UUID) string {
	if tenant == nil {
		return platformTable
	}
	return storeTable
}

// deadlineColumns reads either table as a Deadline (platform deadlines have neither store nor buyer).
func deadlineColumns(table string) string {
	if table == platformTable {
		return `id, null::uuid tenant_id, null::uuid buyer_id, user_id, kind, subject_id, due_at, status, attempts, last_error`
	}
	return `id, tenant_id, buyer_id, user_id, kind, subject_id, due_at, status, attempts, last_error`
}

// Schedule sets the deadline of kind for the subject, in the caller's transaction: it is created, or moved
// (and made pending again) if that kind already has one for the subject.
func Schedule(ctx context.Context, s *tenants.Session, d Deadline, now time.Time) error {
	return upsert(ctx, s, d, now, false)
}

// Ensure makes sure a recurring job's deadline exists: it is created due at d.DueAt, or restarted then if it
// was done, failed or cancelled; a pending one is left as it is. Every process calls it at start-up, so a
// restart must not pull the next run forward (Schedule would: each start would run the job again).
func Ensure(ctx context.Context, s *tenants.Session, d Deadline, now time.Time) error {
	return upsert(ctx, s, d, now, true)
}

// upsert inserts the deadline or, on conflict, makes the existing one pending at d.DueAt (keepPending: only
// if it is not pending already).
func upsert(ctx context.Context, s *tenants.Session, d Deadline, now time.Time, keepPending bool) error {
	t := tableOf(d.TenantID)
	where := ""
	if keepPending {
		where = ` where ` + t + `.status <> 'PENDING'`
	}
	set := ` do update set due_at = excluded.due_at, status = 'PENDING', attempts = 0, last_error = null,
		updated_at = excluded.updated_at` + where
	return s.Do(ctx, func(tx *sqlx.Tx) error {
		var err error
		if t == storeTable {
			_, err = tx.ExecContext(ctx, `insert into deadlines (id, tenant_id, buyer_id, user_id, kind, subject_id, due_at,
					status, attempts, created_at, updated_at)
				values ($1, $2, $3, $4, $5, $6, $7, 'PENDING', 0, $8, $8)
				on conflict (tenant_id, kind, subject_id)`+set,
				uuid.New(), d.TenantID, d.BuyerID, d.UserID, d.Kind, d.SubjectID, d.DueAt, now)
		} else {
			_, err = tx.ExecContext(ctx, `insert into platform_deadlines (id, user_id, kind, subject_id, due_at,
					status, attempts, created_at, updated_at)
				values ($1, $2, $3, $4, $5, 'PENDING', 0, $6, $6)
				on conflict (kind, subject_id)`+set,
				uuid.New(), d.UserID, d.Kind, d.SubjectID, d.DueAt, now)
		}
		return err
	})
}

// Cancel drops the pending deadline of kind for the subject of store tenant (nil: a deadline without a
// store), because the awaited thing happened in time.
func Cancel(ctx context.Context, s *tenants.Session, tenant *uuid.UUID, kind string, subject uuid.UUID, now time.Time) error {
	return s.Do(ctx, func(tx *sqlx.Tx) error {
		var err error
		if tenant != nil {
			_, err = tx.ExecContext(ctx, `update deadlines set status = 'CANCELLED', updated_at = $4
				where tenant_id = $1 and kind = $2 and subject_id = $3 and status = 'PENDING'`, tenant, kind, subject, now)
		} else {
			_, err = tx.ExecContext(ctx, `update platform_deadlines set status = 'CANCELLED', updated_at = $3
				where kind = $1 and subject_id = $2 and status = 'PENDING'`, kind, subject, now)
		}
		return err
	})
}

// Pending returns the subject's pending deadlines, soonest first, from both tables.
func Pending(ctx context.Context, s *tenants.Session, subject uuid.UUID) ([]Deadline, error) {
	var out []Deadline
	err := s.Do(ctx, func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &out, `select * from (
				select `+deadlineColumns(storeTable)+` from deadlines where subject_id = $1 and status = 'PENDING'
				union all
				select `+deadlineColumns(platformTable)+` from platform_deadlines where subject_id = $1 and status = 'PENDING') d
			order by due_at`, subject)
	})
	return out, err
}
