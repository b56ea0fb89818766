package tenants

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Actions of the lifecycle history (table lifecycle_events): what happened to a store or an account.
const (
	ActionStoreCreated       = "STORE_CREATED"
	ActionStaffInvited       = "STAFF_INVITED"
	ActionStaffInviteRevoked = "STAFF_INVITE_REVOKED"
	ActionStaffJoined        = "STAFF_JOINED"
	ActionStaffRemoved       = "STAFF_REMOVED"
	ActionCloseRequested     = "CLOSE_REQUESTED"
	ActionCloseWithdrawn     = "CLOSE_WITHDRAWN"
	ActionClosed             = "CLOSED"
	ActionDeletionRequested  = "DELETION_REQUESTED"
	ActionDeletionWithdrawn  = "DELETION_WITHDRAWN"
	ActionDeletionPostponed  = "DELETION_POSTPONED"
	ActionDeleted            = "DELETED"
)

// LifecycleEvent is one entry of the append-only history of a store (StoreID) or an account (UserID), or both
// (a staff member joining or leaving a store). It never holds personal data: a reason names orders by number
// and people by nothing, so anonymizing an account leaves its history readable.
type LifecycleEvent struct {
	ID         uuid.UUID  `db:"id"`
	StoreID    *uuid.UUID `db:"tenant_id"`
	UserID     *uuid.UUID `db:"user_id"`
	Seq        int64      `db:"seq"`
	At         time.Time  `db:"at"`
	Actor      string     `db:"actor"` // BUYER, MERCHANT, ADMIN or SYSTEM
	ActorID    *uuid.UUID `db:"actor_id"`
	Action     string     `db:"action"`
	FromStatus *string    `db:"from_status"`
	ToStatus   *string    `db:"to_status"`
	Reason     *string    `db:"reason"`
}

const lifecycleEventColumns = `id, tenant_id, user_id, seq, at, actor, actor_id, action, from_status, to_status, reason`

// ActorOf is how a principal appears in histories: its role and, for people, its account.
func ActorOf(p Principal) (actor string, actorID *uuid.UUID) {
	if p.UserID != uuid.Nil {
		id := p.UserID
		actorID = &id
	}
	switch p.role() {
	case RoleBuyer:
		return "BUYER", actorID
	case RoleMerchant:
		return "MERCHANT", actorID
	case RoleAdmin:
		return "ADMIN", actorID
	default:
		return "SYSTEM", actorID
	}
}

// RecordLifecycleEvent appends e to the history, in the session's transaction. ID is generated; an empty
// Actor is filled in from the session's principal.
func RecordLifecycleEvent(ctx context.Context, s *Session, e LifecycleEvent) error {
	if e.Actor == "" {
		e.Actor, e.ActorID = ActorOf(s.Principal())
	}
	return s.Do(ctx, func(tx *sqlx.Tx) error { return insertLifecycleEvent(ctx, tx, e) })
}

// insertLifecycleEvent writes a store's event to lifecycle_events and an account's to account_events; one of
// both (staff joining or leaving a store) goes to each, with the same id.
func insertLifecycleEvent(ctx context.Context, tx *sqlx.Tx, e LifecycleEvent) error {
	id := uuid.New()
	if e.StoreID != nil {
		if _, err := tx.ExecContext(ctx, `insert into lifecycle_events (id, tenant_id, user_id, at, actor, actor_id, action,
				from_status, to_status, reason) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			id, e.StoreID, e.UserID, e.At, e.Actor, e.ActorID, e.Action, e.FromStatus, e.ToStatus, e.Reason); err != nil {
			return err
		}
	}
	if e.UserID != nil {
		return InsertAccountEvent(ctx, tx, id, e)
	}
	return nil
}

// InsertAccountEvent writes an account's event (e.UserID; e.StoreID the store it concerns, if any) with id.
func InsertAccountEvent(ctx context.Context, tx *sqlx.Tx, id uuid.UUID, e LifecycleEvent) error {
	_, err := tx.ExecContext(ctx, `insert into account_events (id, user_id, store_id, at, actor, actor_id, action,
			from_status, to_status, reason) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		id, e.UserID, e.StoreID, e.At, e.Actor, e.ActorID, e.Action, e.FromStatus, e.ToStatus, e.Reason)
	return err
}

// StoreHistory is a store's lifecycle, oldest first: its staff and admins see it.
func StoreHistory(ctx context.Context, s *Session, storeID uuid.UUID) ([]LifecycleEvent, error) {
	if !canReadStoreHistory(s.Principal(), storeID) {
		return nil, ErrForbidden
	}
	m, err := StoreHistories(ctx, s, []uuid.UUID{storeID})
	return m[storeID], err
}

// StoreHistories is StoreHistory of several stores in one statement; the stores the caller may not read are
// left out of the map.
func StoreHistories(ctx context.Context, s *Session, storeIDs []uuid.UUID) (map[uuid.UUID][]LifecycleEvent, error) {
	var ids []uuid.UUID
	for _, id := range storeIDs {
		if canReadStoreHistory(s.Principal(), id) {
			ids = append(ids, id)
		}
	}
	out := map[uuid.UUID][]LifecycleEvent{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []LifecycleEvent
	err := s.Do(ctx, func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &rows, `select `+lifecycleEventColumns+` from lifecycle_events
			where tenant_id = any($1) order by at, seq`, pq.Array(ids))
	})
	for _, id := range ids {
		out[id] = []LifecycleEvent{}
	}
	for _, r := range rows {
		out[*r.StoreID] = append(out[*r.StoreID], r)
	}
	return out, err
}

func canReadStoreHistory(p Principal, storeID uuid.UUID) bool {
	return p.Is(RoleAdmin, RoleSystem) || (p.Is(RoleMerchant) && p.StoreID == storeID && p.StaffRole != StaffAPI)
}

// AccountHistory is an account's lifecycle, oldest first: the person and admins see it.
func AccountHistory(ctx context.Context, s *Session, userID uuid.UUID) ([]LifecycleEvent, error) {
	p := s.Principal()
	if !p.Is(RoleAdmin, RoleSystem) && (p.UserID == uuid.Nil || p.UserID != userID) {
		return nil, ErrForbidden
	}
	var out []LifecycleEvent
	err := s.Do(ctx, func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &out, `select id, store_id tenant_id, user_id, seq, at, actor, actor_id, action,
				from_status, to_status, reason from account_events where user_id = $1 order by at, seq`, userID)
	})
	return out, err
}

func ptr[T any](v T) *T { return &v }
