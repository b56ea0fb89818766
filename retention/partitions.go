// Package retention keeps the fastest-growing history tables (order_events) in monthly partitions: a daily
// platform job makes the months ahead and detaches the months past their retention into schema archive
// (migration 00019's maintain_time_partitions, which says which tables and for how long).
package retention

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"tradeguard/scheduler"
	"tradeguard/tenants"
)

// KindPartitions is the scheduler kind of the daily partition maintenance.
const KindPartitions = "retention.partitions"

// Every is how often the maintenance runs: months are made three ahead, so a missed day costs nothing.
const Every = 24 * time.Hour

// Subject is the fixed subject id of the job's one deadline row, which belongs to no store and no person.
var Subject = uuid.NewSHA1(uuid.NameSpaceURL, []byte("urn:tradeguard:retention.partitions"))

// Maintain makes the months ahead of now and detaches the months past retention, as of now; it returns what
// it did ("created order_events_202703", "detached order_events_202211"). The system only.
func Maintain(ctx context.Context, s *tenants.Session, now time.Time) ([]string, error) {
	if !s.Principal().Is(tenants.RoleSystem) {
		return nil, tenants.ErrForbidden
	}
	var actions []string
	err := s.Do(ctx, func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &actions, `select * from maintain_time_partitions($1)`, now)
	})
	return actions, err
}

// Ensure makes sure the maintenance is scheduled (right away if it was not, then every day): call it at
// start-up as the system. Several processes and restarts may call it; a pending run keeps its time.
func Ensure(ctx context.Context, s *tenants.Session, now time.Time) error {
	if !s.Principal().Is(tenants.RoleSystem) {
		return tenants.ErrForbidden
	}
	return scheduler.Ensure(ctx, s, scheduler.Deadline{Kind: KindPartitions, SubjectID: Subject, DueAt: now}, now)
}

// Handlers is the scheduler's action of this package: Maintain, then the next run a day later.
func Handlers() map[string]scheduler.Handler {
	return map[string]scheduler.Handler{
		KindPartitions: func(ctx context.Context, s *tenants.Session, d scheduler.Deadline, now time.Time) error {
			if _, err := Maintain(ctx, s, now); err != nil {
				return err
			}
			return scheduler.Schedule(ctx, s, scheduler.Deadline{Kind: KindPartitions, SubjectID: Subject, DueAt: now.Add(Every)}, now)
		},
	}
}
