package violations

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"tradeguard/scheduler"
	"tradeguard/tenants"
)

// KindRecompute is the scheduler kind that recomputes a store's penalties when its points may change by
// themselves: one row per store (subject = the store's id), kept at the next violation expiry or penalty end.
const KindRecompute = "violations.recompute"

// Recompute brings the store's penalties in line with its violations at now, on each track (see Due for the
// rules): it lifts (lifted_at = now) the penalties in force whose threshold the points fell under, starts the
// penalties of a newly crossed threshold (starts_at = now, ends_at from the table), and moves the store's
// violations.recompute deadline to the next instant anything may change by itself (NextChange), or cancels it.
// It runs after every issue and decision, and from that deadline. Platform only; idempotent: a second call at
// the same now writes nothing new. Concurrent calls for one store are serialized by a transaction-level
// advisory lock on the store.
func Recompute(ctx context.Context, s *tenants.Session, storeID uuid.UUID, now time.Time) error {
	if !s.Principal().Is(tenants.RoleAdmin, tenants.RoleSystem) {
		return tenants.ErrForbidden
	}
	var next time.Time
	var hasNext bool
	err := s.Do(ctx, func(tx *sqlx.Tx) error {
		if err := lockStore(ctx, tx, storeID); err != nil {
			return err
		}
		var vs []Violation
		if err := tx.SelectContext(ctx, &vs, `select `+columns+` from violations where tenant_id = $1`, storeID); err != nil {
			return err
		}
		var ps []tenants.Penalty
		if err := tx.SelectContext(ctx, &ps, `select `+tenants.PenaltyColumns+` from store_penalties where tenant_id = $1`, storeID); err != nil {
			return err
		}
		for _, track := range []string{General, Serious} {
			lift, start, points := Due(vs, ps, track, now)
			for _, p := range lift {
				why := fmt.Sprintf("the store's %s points fell to %d, under the %d-point threshold", track, points, p.Threshold)
				if _, err := tx.ExecContext(ctx, `update store_penalties set lifted_at = $3, lift_reason = $4
					where tenant_id = $1 and id = $2 and lifted_at is null`, storeID, p.ID, now, why); err != nil {
					return err
				}
			}
			for _, sp := range start {
				p := tenants.Penalty{StoreID: storeID, ID: uuid.New(), Kind: sp.Kind, Track: sp.Track, Threshold: sp.Threshold,
					Points: points, ClosureReview: sp.ClosureReview, StartsAt: sp.StartsAt, EndsAt: sp.EndsAt}
				p.Reason = fmt.Sprintf("%d active points on the %s violation track reached the %d-point threshold", points, track, sp.Threshold)
				if _, err := tx.NamedExecContext(ctx, `insert into store_penalties (tenant_id, id, kind, track, threshold, points,
						closure_review, starts_at, ends_at, reason)
					values (:tenant_id, :id, :kind, :track, :threshold, :points, :closure_review, :starts_at, :ends_at, :reason)`, p); err != nil {
					return err
				}
			}
		}
		ps = nil // read again: with what was just lifted and started
		if err := tx.SelectContext(ctx, &ps, `select `+tenants.PenaltyColumns+` from store_penalties where tenant_id = $1`, storeID); err != nil {
			return err
		}
		next, hasNext = NextChange(vs, ps, now)
		return nil
	})
	if err != nil {
		return err
	}
	if !hasNext {
		return scheduler.Cancel(ctx, s, &storeID, KindRecompute, storeID, now)
	}
	return scheduler.Schedule(ctx, s, scheduler.Deadline{TenantID: &storeID, Kind: KindRecompute, SubjectID: storeID, DueAt: next}, now)
}

// lockStore serializes the violation bookkeeping of one store until the transaction ends (a transaction-level
// advisory lock; taking it again in the same transaction is free).
func lockStore(ctx context.Context, tx *sqlx.Tx, storeID uuid.UUID) error {
	_, err := tx.ExecContext(ctx, `select pg_advisory_xact_lock(hashtextextended('violations:' || $1::text, 0))`, storeID)
	return err
}

// PenaltyKey names a penalty inside its store.
type PenaltyKey struct {
	StoreID uuid.UUID
	ID      uuid.UUID
}

// Penalties returns the store's penalties, newest first: every one ever (inForceAt nil) or those in force at a
// time. The platform and the store's staff read them (CanRead); the public only meets their effects.
func Penalties(ctx context.Context, s *tenants.Session, storeID uuid.UUID, inForceAt *time.Time) ([]tenants.Penalty, error) {
	m, denied, err := PenaltiesOf(ctx, s, []uuid.UUID{storeID}, inForceAt)
	if e := denied[storeID]; e != nil {
		return nil, e
	}
	return m[storeID], err
}

// PenaltiesOf is Penalties of several stores in one statement: each store the caller may not read gets
// CanRead's error in errs, the others their penalties (perhaps none).
func PenaltiesOf(ctx context.Context, s *tenants.Session, storeIDs []uuid.UUID, inForceAt *time.Time) (out map[uuid.UUID][]tenants.Penalty, errs map[uuid.UUID]error, err error) {
	out, errs = map[uuid.UUID][]tenants.Penalty{}, map[uuid.UUID]error{}
	var ids []uuid.UUID
	for _, id := range storeIDs {
		if e := CanRead(s.Principal(), id); e != nil {
			errs[id] = e
			continue
		}
		ids = append(ids, id)
		out[id] = []tenants.Penalty{}
	}
	if len(ids) == 0 {
		return out, errs, nil
	}
	var rows []tenants.Penalty
	err = s.Do(ctx, func(tx *sqlx.Tx) error {
		q := `select ` + tenants.PenaltyColumns + ` from store_penalties where tenant_id = any($1)`
		args := []any{pq.Array(ids)}
		if inForceAt != nil {
			q += ` and lifted_at is null and starts_at <= $2 and (ends_at is null or ends_at > $2)`
			args = append(args, *inForceAt)
		}
		return tx.SelectContext(ctx, &rows, q+` order by starts_at desc, id desc`, args...)
	})
	for _, r := range rows {
		out[r.StoreID] = append(out[r.StoreID], r)
	}
	return out, errs, err
}

// ReviewQueue is the platform's queue of penalties that last until an admin reviews them (store suspensions
// at 48 points), oldest first, across stores. Admins only.
func ReviewQueue(ctx context.Context, s *tenants.Session, limit int) ([]tenants.Penalty, error) {
	if !s.Principal().Is(tenants.RoleAdmin) {
		return nil, tenants.ErrForbidden
	}
	var out []tenants.Penalty
	err := s.Do(ctx, func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &out, `select `+tenants.PenaltyColumns+` from store_penalties
			where ends_at is null and lifted_at is null order by starts_at, id limit $1`, limit)
	})
	return out, err
}

// LiftPenalty is an admin's review ending a penalty in force at now (PENALTY_NOT_IN_FORCE otherwise), with a note
// (1 to 2000 characters) that the store's staff see. The threshold's crossing stays answered: the store is
// penalized again only when its points fall under the threshold and cross it again (see Due).
func LiftPenalty(ctx context.Context, s *tenants.Session, k PenaltyKey, note string, now time.Time) (tenants.Penalty, error) {
	p := s.Principal()
	if !p.Is(tenants.RoleAdmin) || p.UserID == uuid.Nil {
		return tenants.Penalty{}, tenants.ErrForbidden
	}
	note = strings.TrimSpace(note)
	if n := utf8.RuneCountInString(note); n == 0 || n > maxNoteRunes {
		return tenants.Penalty{}, tenants.Refuse("NOTE_REQUIRED", fmt.Sprintf(
			"give the review's reasons (1 to %d characters); the store sees them", maxNoteRunes), "input", "note")
	}
	var out tenants.Penalty
	err := s.Do(ctx, func(tx *sqlx.Tx) error {
		if err := lockStore(ctx, tx, k.StoreID); err != nil {
			return err
		}
		err := tx.GetContext(ctx, &out, `select `+tenants.PenaltyColumns+` from store_penalties where tenant_id = $1 and id = $2`, k.StoreID, k.ID)
		if errors.Is(err, sql.ErrNoRows) {
			return tenants.ErrNotFound
		}
		if err != nil {
			return err
		}
		if !out.InForce(now) {
			return tenants.Refuse("PENALTY_NOT_IN_FORCE", "the penalty is not in force: "+notInForce(out, now))
		}
		return tx.GetContext(ctx, &out, `update store_penalties set lifted_at = $3, lifted_by = $4, lift_reason = $5
			where tenant_id = $1 and id = $2 returning `+tenants.PenaltyColumns, k.StoreID, k.ID, now, p.UserID, note)
	})
	if err != nil {
		return tenants.Penalty{}, err
	}
	return out, Recompute(ctx, s, k.StoreID, now)
}

func notInForce(p tenants.Penalty, now time.Time) string {
	switch {
	case p.LiftedAt != nil:
		return "it was lifted at " + p.LiftedAt.UTC().Format(time.RFC3339)
	case now.Before(p.StartsAt):
		return "it starts at " + p.StartsAt.UTC().Format(time.RFC3339)
	default:
		return "it ended at " + p.EndsAt.UTC().Format(time.RFC3339)
	}
}
