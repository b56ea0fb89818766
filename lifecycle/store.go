package lifecycle

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"tradeguard/aftersales"
	"tradeguard/orders"
	"tradeguard/scheduler"
	"tradeguard/tenants"
)

// RequestStoreClose asks to close the owner's store. While any order of the store is unfinished it is refused
// with STORE_HAS_OPEN_BUSINESS and the list of those orders; otherwise the store is CLOSING for CloseWindow
// (no new orders; the owner may withdraw) and the scheduler closes it at closes_at.
func RequestStoreClose(ctx context.Context, s *tenants.Session, now time.Time) (tenants.Store, []Blocker, error) {
	p := s.Principal()
	if err := CanCloseStore(p); err != nil {
		return tenants.Store{}, nil, err
	}
	st, err := tenants.GetStore(ctx, s, p.StoreID)
	if err != nil {
		return tenants.Store{}, nil, err
	}
	if err := mustBeActive(st); err != nil {
		return st, nil, err
	}
	blockers, openOrders, openCases, err := storeBlockers(ctx, s, st.ID)
	if err != nil {
		return st, nil, err
	}
	if len(blockers) > 0 {
		return st, blockers, openBusiness("STORE_HAS_OPEN_BUSINESS", "the store", "it can close", openOrders, openCases)
	}
	closesAt := now.Add(CloseWindow)
	if err := setStoreStatus(ctx, s, st.ID, tenants.StoreActive, tenants.StoreClosing, &closesAt, nil, now); err != nil {
		if errors.Is(err, tenants.ErrConflict) {
			// Someone else changed the store in between: say what it is now.
			if st, err2 := tenants.GetStore(ctx, s, p.StoreID); err2 == nil {
				if err3 := mustBeActive(st); err3 != nil {
					return st, nil, err3
				}
			}
		}
		return st, nil, err
	}
	if err := scheduler.Schedule(ctx, s, scheduler.Deadline{TenantID: &st.ID, Kind: KindStoreClose, SubjectID: st.ID, DueAt: closesAt}, now); err != nil {
		return st, nil, err
	}
	if err := tenants.RecordLifecycleEvent(ctx, s, tenants.LifecycleEvent{StoreID: &st.ID, At: now,
		Action: tenants.ActionCloseRequested, FromStatus: ptr(tenants.StoreActive), ToStatus: ptr(tenants.StoreClosing),
		Reason: ptr("the store closes at " + st.FormatTime(closesAt) + " unless the owner withdraws before then")}); err != nil {
		return st, nil, err
	}
	st, err = tenants.GetStore(ctx, s, st.ID)
	return st, nil, err
}

// WithdrawStoreClose takes back a close request while the store is CLOSING and its closing time has not come.
func WithdrawStoreClose(ctx context.Context, s *tenants.Session, now time.Time) (tenants.Store, error) {
	p := s.Principal()
	if err := CanCloseStore(p); err != nil {
		return tenants.Store{}, err
	}
	st, err := tenants.GetStore(ctx, s, p.StoreID)
	if err != nil {
		return tenants.Store{}, err
	}
	switch {
	case st.Status == tenants.StoreClosed:
		return st, tenants.Refuse("STORE_NOT_CLOSING", "the store has been closed since "+st.FormatTime(deref(st.ClosedAt))+"; there is no close request to withdraw")
	case st.Status != tenants.StoreClosing || st.ClosesAt == nil:
		return st, tenants.Refuse("STORE_NOT_CLOSING", "the store is "+st.Status+"; there is no close request to withdraw")
	case !now.Before(*st.ClosesAt):
		return st, tenants.Refuse("CLOSE_WINDOW_PASSED", "the close request could be withdrawn until "+st.FormatTime(*st.ClosesAt)+"; the store is closing now")
	}
	if err := setStoreStatus(ctx, s, st.ID, tenants.StoreClosing, tenants.StoreActive, nil, nil, now); err != nil {
		return st, err
	}
	if err := scheduler.Cancel(ctx, s, &st.ID, KindStoreClose, st.ID, now); err != nil {
		return st, err
	}
	if err := tenants.RecordLifecycleEvent(ctx, s, tenants.LifecycleEvent{StoreID: &st.ID, At: now,
		Action: tenants.ActionCloseWithdrawn, FromStatus: ptr(tenants.StoreClosing), ToStatus: ptr(tenants.StoreActive)}); err != nil {
		return st, err
	}
	return tenants.GetStore(ctx, s, st.ID)
}

// CloseStore is the handler of "store.close": a store still CLOSING whose closing time has come is CLOSED.
// Anything else (withdrawn, already closed, suspended meanwhile) is a no-op.
func CloseStore(ctx context.Context, s *tenants.Session, d scheduler.Deadline, now time.Time) error {
	var st struct {
		Status   string     `db:"status"`
		ClosesAt *time.Time `db:"closes_at"`
	}
	err := s.Do(ctx, func(tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &st, `select status, closes_at from stores where id = $1 for update`, d.SubjectID)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	if st.Status != tenants.StoreClosing || st.ClosesAt == nil {
		return nil
	}
	if now.Before(*st.ClosesAt) {
		// Fired early (the request was withdrawn and made again): wait for the store's own closing time.
		d.DueAt = *st.ClosesAt
		return scheduler.Schedule(ctx, s, d, now)
	}
	if err := setStoreStatus(ctx, s, d.SubjectID, tenants.StoreClosing, tenants.StoreClosed, st.ClosesAt, &now, now); err != nil {
		return err
	}
	return tenants.RecordLifecycleEvent(ctx, s, tenants.LifecycleEvent{StoreID: &d.SubjectID, At: now,
		Action: tenants.ActionClosed, FromStatus: ptr(tenants.StoreClosing), ToStatus: ptr(tenants.StoreClosed),
		Reason: ptr("the closing window ended at " + utc(*st.ClosesAt))})
}

// setStoreStatus moves a store from one status to another, or fails with ErrConflict if it is no longer in from.
func setStoreStatus(ctx context.Context, s *tenants.Session, id uuid.UUID, from, to string, closesAt, closedAt *time.Time, now time.Time) error {
	return s.Do(ctx, func(tx *sqlx.Tx) error {
		q := `update stores set status = $3, closes_at = $4, closed_at = $5 where id = $1 and status = $2`
		args := []any{id, from, to, closesAt, closedAt}
		if from == tenants.StoreClosing && to == tenants.StoreActive {
			// Withdrawing races the scheduler: only inside the window.
			q += ` and closes_at > $6`
			args = append(args, now)
		}
		res, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return tenants.ErrConflict
		}
		return nil
	})
}

// mustBeActive refuses a close request for a store that is not ACTIVE, saying what it is and since or until when.
func mustBeActive(st tenants.Store) error {
	switch st.Status {
	case tenants.StoreActive:
		return nil
	case tenants.StoreClosing:
		return tenants.Refuse("STORE_NOT_ACTIVE", "closing was already requested: the store closes at "+st.FormatTime(deref(st.ClosesAt))+
			" unless the request is withdrawn before then")
	case tenants.StoreClosed:
		return tenants.Refuse("STORE_NOT_ACTIVE", "the store has been closed since "+st.FormatTime(deref(st.ClosedAt)))
	default:
		return tenants.Refuse("STORE_NOT_ACTIVE", "the store is "+st.Status+" by the platform; it can be closed once an admin has reviewed it")
	}
}

// storeBlockers lists the store's unfinished orders and open cases (up to MaxBlockers, then one MORE) and
// counts them all.
func storeBlockers(ctx context.Context, s *tenants.Session, storeID uuid.UUID) ([]Blocker, int, int, error) {
	f := orders.Filter{Statuses: orders.UnfinishedStatuses, StoreID: &storeID}
	list, more, err := orders.List(ctx, s, f, nil, MaxBlockers)
	if err != nil {
		return nil, 0, 0, err
	}
	total := len(list)
	if more {
		if total, err = orders.Count(ctx, s, f); err != nil {
			return nil, 0, 0, err
		}
	}
	out := make([]Blocker, 0, len(list)+1)
	for _, o := range list {
		out = append(out, Blocker{Kind: BlockerOrder, ID: o.ID, StoreID: o.StoreID, Label: o.Number, Status: string(o.Status)})
	}
	return withCases(ctx, s, out, total, aftersales.Filter{StoreID: &storeID})
}

func ptr[T any](v T) *T { return &v }

func deref(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}
