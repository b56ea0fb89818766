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
// TenantID, BuyerID and UserID say whose it is (row-level security lets them schedule and see it).
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

// Schedule sets the deadline of kind for the subject, in the caller's transaction: it is created, or moved
// (and made pending again) if that kind already has one for the subject.
func Schedule(ctx context.Context, s *tenants.Session, d Deadline, now time.Time) error {
	return upsert(ctx, s, d, now, "")
}

// Ensure makes sure a recurring job's deadline exists: it is created due at d.DueAt, or restarted then if it
// was done, failed or cancelled; a pending one is left as it is. Every process calls it at start-up, so a
// restart must not pull the next run forward (Schedule would: each start would run the job again).
func Ensure(ctx context.Context, s *tenants.Session, d Deadline, now time.Time) error {
	return upsert(ctx, s, d, now, "where deadlines.status <> 'PENDING'")
}

// upsert inserts the deadline or, on conflict, makes the existing one pending at d.DueAt; where (a constant
// written in this file, never input) limits which existing rows are changed.
func upsert(ctx context.Context, s *tenants.Session, d Deadline, now time.Time, where string) error {
	return s.Do(ctx, func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, `insert into deadlines (id, tenant_id, buyer_id, user_id, kind, subject_id, due_at,
				status, attempts, created_at, updated_at)
			values ($1, $2, $3, $4, $5, $6, $7, 'PENDING', 0, $8, $8)
			on conflict (kind, subject_id) do update set due_at = excluded.due_at, status = 'PENDING', attempts = 0,
				last_error = null, updated_at = excluded.updated_at `+where,
			uuid.New(), d.TenantID, d.BuyerID, d.UserID, d.Kind, d.SubjectID, d.DueAt, now)
		return err
	})
}

// Cancel drops the pending deadline of kind for the subject (the awaited thing happened in time).
func Cancel(ctx context.Context, s *tenants.Session, kind string, subject uuid.UUID, now time.Time) error {
	return s.Do(ctx, func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, `update deadlines set status = 'CANCELLED', updated_at = $3
			where kind = $1 and subject_id = $2 and status = 'PENDING'`, kind, subject, now)
		return err
	})
}

// Pending returns the subject's pending deadlines, soonest first.
func Pending(ctx context.Context, s *tenants.Session, subject uuid.UUID) ([]Deadline, error) {
	var out []Deadline
	err := s.Do(ctx, func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &out, `select id, tenant_id, buyer_id, user_id, kind, subject_id, due_at, status,
			attempts, last_error from deadlines where subject_id = $1 and status = 'PENDING' order by due_at`, subject)
	})
	return out, err
}
