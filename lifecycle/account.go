package lifecycle

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"tradeguard/aftersales"
	"tradeguard/orders"
	"tradeguard/scheduler"
	"tradeguard/tenants"
)

type accountState struct {
	Status    string     `db:"status"`
	DeletesAt *time.Time `db:"deletes_at"`
}

func readAccount(ctx context.Context, s *tenants.Session, id uuid.UUID, lock bool) (accountState, error) {
	var a accountState
	q := `select status, deletes_at from users where id = $1`
	if lock {
		q += ` for update`
	}
	err := s.Do(ctx, func(tx *sqlx.Tx) error { return tx.GetContext(ctx, &a, q, id) })
	if errors.Is(err, sql.ErrNoRows) {
		return a, tenants.ErrNotFound
	}
	return a, err
}

// RequestAccountDeletion asks to delete the buyer's own account. While any of its orders (in any store) is
// unfinished it is refused with ACCOUNT_HAS_OPEN_BUSINESS and the list of those orders; otherwise the account
// is DELETION_PENDING for DeletionWindow (it still signs in, to withdraw) and then anonymized by the scheduler.
func RequestAccountDeletion(ctx context.Context, s *tenants.Session, now time.Time) (time.Time, []Blocker, error) {
	p := s.Principal()
	if err := CanDeleteAccount(p); err != nil {
		return time.Time{}, nil, err
	}
	a, err := readAccount(ctx, s, p.UserID, false)
	if err != nil {
		return time.Time{}, nil, err
	}
	switch a.Status {
	case tenants.AccountActive:
	case tenants.AccountDeletionPending:
		return deref(a.DeletesAt), nil, tenants.Refuse("DELETION_ALREADY_REQUESTED",
			"deletion was already requested: the account will be deleted at "+utc(deref(a.DeletesAt))+" unless the request is withdrawn before then")
	default:
		return time.Time{}, nil, tenants.Refuse("ACCOUNT_NOT_ACTIVE", "the account is "+a.Status+"; only an active account can ask to be deleted")
	}
	blockers, openOrders, openCases, err := buyerBlockers(ctx, s, p.UserID)
	if err != nil {
		return time.Time{}, nil, err
	}
	if len(blockers) > 0 {
		return time.Time{}, blockers, openBusiness("ACCOUNT_HAS_OPEN_BUSINESS", "the account", "it can be deleted", openOrders, openCases)
	}
	deletesAt := now.Add(DeletionWindow)
	err = s.Do(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `update users set status = 'DELETION_PENDING', deletes_at = $2 where id = $1 and status = 'ACTIVE'`,
			p.UserID, deletesAt)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return tenants.ErrConflict
		}
		return nil
	})
	if err != nil {
		return time.Time{}, nil, err
	}
	if err := scheduler.Schedule(ctx, s, scheduler.Deadline{UserID: &p.UserID, Kind: KindAccountDelete, SubjectID: p.UserID, DueAt: deletesAt}, now); err != nil {
		return time.Time{}, nil, err
	}
	if err := tenants.RecordLifecycleEvent(ctx, s, tenants.LifecycleEvent{UserID: &p.UserID, At: now,
		Action: tenants.ActionDeletionRequested, FromStatus: ptr(tenants.AccountActive), ToStatus: ptr(tenants.AccountDeletionPending),
		Reason: ptr("the account's personal data is erased at " + utc(deletesAt) + " unless the request is withdrawn before then")}); err != nil {
		return time.Time{}, nil, err
	}
	return deletesAt, nil, nil
}

// WithdrawAccountDeletion takes back a deletion request before its time has come: the account is ACTIVE again.
func WithdrawAccountDeletion(ctx context.Context, s *tenants.Session, now time.Time) error {
	p := s.Principal()
	if err := CanDeleteAccount(p); err != nil {
		return err
	}
	a, err := readAccount(ctx, s, p.UserID, true)
	if err != nil {
		return err
	}
	if a.Status != tenants.AccountDeletionPending || a.DeletesAt == nil {
		return tenants.Refuse("DELETION_NOT_REQUESTED", "the account is "+a.Status+"; there is no deletion request to withdraw")
	}
	if !now.Before(*a.DeletesAt) {
		return tenants.Refuse("DELETION_WINDOW_PASSED", "the deletion request could be withdrawn until "+utc(*a.DeletesAt)+"; the account is being deleted")
	}
	err = s.Do(ctx, func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, `update users set status = 'ACTIVE', deletes_at = null where id = $1`, p.UserID)
		return err
	})
	if err != nil {
		return err
	}
	if err := scheduler.Cancel(ctx, s, nil, KindAccountDelete, p.UserID, now); err != nil {
		return err
	}
	return tenants.RecordLifecycleEvent(ctx, s, tenants.LifecycleEvent{UserID: &p.UserID, At: now,
		Action: tenants.ActionDeletionWithdrawn, FromStatus: ptr(tenants.AccountDeletionPending), ToStatus: ptr(tenants.AccountActive)})
}

// DeleteAccount is the handler of "account.delete". An account still DELETION_PENDING whose time has come is
// checked again: if orders were left unfinished meanwhile, deletion is postponed by DeletionWindow and the
// reason recorded; otherwise its orders' personal data and the account's own are anonymized (the orders stay,
// with their amounts, for the records). Anything else (withdrawn, already deleted) is a no-op.
func DeleteAccount(ctx context.Context, s *tenants.Session, d scheduler.Deadline, now time.Time) error {
	a, err := readAccount(ctx, s, d.SubjectID, true)
	if errors.Is(err, tenants.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if a.Status != tenants.AccountDeletionPending || a.DeletesAt == nil {
		return nil
	}
	if now.Before(*a.DeletesAt) {
		d.DueAt = *a.DeletesAt
		return scheduler.Schedule(ctx, s, d, now)
	}
	blockers, openOrders, openCases, err := buyerBlockers(ctx, s, d.SubjectID)
	if err != nil {
		return err
	}
	if len(blockers) > 0 {
		later := now.Add(DeletionWindow)
		err := s.Do(ctx, func(tx *sqlx.Tx) error {
			_, err := tx.ExecContext(ctx, `update users set deletes_at = $2 where id = $1`, d.SubjectID, later)
			return err
		})
		if err != nil {
			return err
		}
		d.DueAt = later
		if err := scheduler.Schedule(ctx, s, d, now); err != nil {
			return err
		}
		return tenants.RecordLifecycleEvent(ctx, s, tenants.LifecycleEvent{UserID: &d.SubjectID, At: now,
			Action: tenants.ActionDeletionPostponed, FromStatus: ptr(tenants.AccountDeletionPending), ToStatus: ptr(tenants.AccountDeletionPending),
			Reason: ptr(fmt.Sprintf("%d unfinished %s and %d open %s (%s); deletion postponed to %s", openOrders,
				plural(openOrders, "order", "orders"), openCases, plural(openCases, "case", "cases"),
				summarize(blockers, openOrders+openCases), utc(later)))})
	}
	n, err := orders.AnonymizeBuyer(ctx, s, d.SubjectID, now)
	if err != nil {
		return err
	}
	if err := tenants.AnonymizeUser(ctx, s, d.SubjectID, now); err != nil {
		return err
	}
	return tenants.RecordLifecycleEvent(ctx, s, tenants.LifecycleEvent{UserID: &d.SubjectID, At: now,
		Action: tenants.ActionDeleted, FromStatus: ptr(tenants.AccountDeletionPending), ToStatus: ptr(tenants.AccountDeleted),
		Reason: ptr(fmt.Sprintf("personal data erased from the account and from %d %s", n, plural(int(n), "order", "orders")))})
}

// buyerBlockers lists the buyer's unfinished orders in every store (up to MaxBlockers, then one MORE) and
// counts them all. orders.Filter has no buyer: this runs for the buyer and for the deletion job (as the
// system), so it filters by buyer itself.
func buyerBlockers(ctx context.Context, s *tenants.Session, buyerID uuid.UUID) ([]Blocker, int, int, error) {
	var rows []struct {
		StoreID uuid.UUID `db:"tenant_id"`
		ID      uuid.UUID `db:"id"`
		Number  string    `db:"number"`
		Status  string    `db:"status"`
	}
	total := 0
	err := s.Do(ctx, func(tx *sqlx.Tx) error {
		if err := tx.SelectContext(ctx, &rows, `select tenant_id, id, number, status from orders
			where buyer_id = $1 and status = any($2) order by created_at desc, id desc limit $3`,
			buyerID, pq.Array(orders.UnfinishedStatuses), MaxBlockers+1); err != nil {
			return err
		}
		total = len(rows)
		if total > MaxBlockers {
			rows = rows[:MaxBlockers]
			return tx.GetContext(ctx, &total, `select count(*) from orders where buyer_id = $1 and status = any($2)`,
				buyerID, pq.Array(orders.UnfinishedStatuses))
		}
		return nil
	})
	if err != nil {
		return nil, 0, 0, err
	}
	out := make([]Blocker, 0, len(rows)+1)
	for _, r := range rows {
		out = append(out, Blocker{Kind: BlockerOrder, ID: r.ID, StoreID: r.StoreID, Label: r.Number, Status: r.Status})
	}
	return withCases(ctx, s, out, total, aftersales.Filter{BuyerID: &buyerID})
}
