package aftersales

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"tradeguard/internal/changefeed"
	"tradeguard/internal/rowcount"
	"tradeguard/internal/sqlq"
	"tradeguard/tenants"
)

// Filter narrows a list of cases.
type Filter struct {
	Types    []Type
	Statuses []Status
	Reasons  []Reason
	OpenOnly bool       // not final
	Overdue  bool       // the current deadline has passed (at now)
	OrderID  *uuid.UUID // one order's cases
	StoreID  *uuid.UUID // for buyers and admins
	BuyerID  *uuid.UUID // one buyer's cases (for the system acting on an account)
	// UpdatedSince lists the cases changed at or after it, in change order (changefeed), not by deadline.
	UpdatedSince *time.Time
}

// Cursor is the keyset position after which a page starts: cases come soonest deadline first, cases with
// nothing awaited (DeadlineAt nil) last, then by id; or in change order (Change) when the filter has
// UpdatedSince.
type Cursor struct {
	DeadlineAt *time.Time
	ID         uuid.UUID
	Change     *changefeed.Position
}

// CursorOf is the case's position in that order.
func CursorOf(c Case) Cursor { return Cursor{DeadlineAt: c.DeadlineAt, ID: c.ID} }

const order = ` order by deadline_at asc nulls last, id`

func after(w *sqlq.Where, cur *Cursor) {
	switch {
	case cur == nil:
	case cur.DeadlineAt == nil:
		w.Add("deadline_at is null and id > ?", cur.ID)
	default:
		w.Add("((deadline_at, id) > (?, ?) or deadline_at is null)", *cur.DeadlineAt, cur.ID)
	}
}

func where(p tenants.Principal, f Filter, now time.Time) *sqlq.Where {
	w := &sqlq.Where{}
	switch p.Role {
	case tenants.RoleMerchant:
		w.Add("tenant_id = ?", p.StoreID)
	case tenants.RoleBuyer:
		w.Add("buyer_id = ?", p.UserID)
	}
	if f.StoreID != nil {
		w.Add("tenant_id = ?", *f.StoreID)
	}
	if f.BuyerID != nil {
		w.Add("buyer_id = ?", *f.BuyerID)
	}
	if f.OrderID != nil {
		w.Add("order_id = ?", *f.OrderID)
	}
	if len(f.Types) > 0 {
		w.Add("type = any(?)", pq.Array(f.Types))
	}
	if len(f.Statuses) > 0 {
		w.Add("status = any(?)", pq.Array(f.Statuses))
	}
	if len(f.Reasons) > 0 {
		w.Add("reason = any(?)", pq.Array(f.Reasons))
	}
	if f.OpenOnly {
		w.Add("closed_at is null")
	}
	if f.Overdue {
		w.Add("deadline_at < ?", now)
	}
	if f.UpdatedSince != nil {
		changefeed.Since(w, *f.UpdatedSince)
	}
	return w
}

// List returns up to limit cases after the cursor, soonest deadline first: a store's queue for its staff, a
// buyer's own cases across stores, everything for admins.
func List(ctx context.Context, s *tenants.Session, f Filter, cur *Cursor, limit int, now time.Time) (out []Case, more bool, err error) {
	if !s.Principal().Allows(tenants.ScopeCasesRead) {
		return nil, false, tenants.ErrForbidden
	}
	w := where(s.Principal(), f, now)
	sort := order
	if f.UpdatedSince != nil {
		var pos *changefeed.Position
		if cur != nil {
			pos = cur.Change
		}
		changefeed.Page(w, pos)
		sort = changefeed.Order
	} else {
		after(w, cur)
	}
	q := `select ` + columns + ` from cases where ` + w.SQL() + sort + ` limit ` + w.Arg(limit+1)
	err = s.Do(ctx, func(tx *sqlx.Tx) error { return tx.SelectContext(ctx, &out, q, w.Args...) })
	if len(out) > limit {
		return out[:limit], true, err
	}
	return out, false, err
}

// Count counts the cases the filter matches for the caller.
func Count(ctx context.Context, s *tenants.Session, f Filter, now time.Time) (n int, err error) {
	if !s.Principal().Allows(tenants.ScopeCasesRead) {
		return 0, tenants.ErrForbidden
	}
	scope, cells := rowcount.ScopeOf(s.Principal(), f.StoreID, f.Statuses)
	cells = cells && len(f.Types) == 0 && len(f.Reasons) == 0 && !f.OpenOnly && !f.Overdue && f.OrderID == nil && f.BuyerID == nil &&
		f.UpdatedSince == nil
	w := where(s.Principal(), f, now)
	err = s.Do(ctx, func(tx *sqlx.Tx) error {
		if cells {
			n, err = rowcount.Sum(ctx, tx, rowcount.Cases, scope)
			return err
		}
		return tx.GetContext(ctx, &n, `select count(*) from cases where `+w.SQL(), w.Args...)
	})
	return n, err
}

// EventsByCases returns the timelines of the given cases, oldest first.
func EventsByCases(ctx context.Context, s *tenants.Session, keys []Key) (map[Key][]Event, error) {
	stores, ids := splitKeys(keys)
	var rows []Event
	err := s.Do(ctx, func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &rows, `select tenant_id, case_id, at, actor, actor_id, action, from_status, to_status,
				reason, note from case_events
			where (tenant_id, case_id) in (select * from unnest($1::uuid[], $2::uuid[]))
			order by tenant_id, case_id, at, seq`, pq.Array(stores), pq.Array(ids))
	})
	out := make(map[Key][]Event, len(keys))
	for _, k := range keys {
		out[k] = []Event{}
	}
	for _, e := range rows {
		k := Key{StoreID: e.StoreID, ID: e.CaseID}
		out[k] = append(out[k], e)
	}
	return out, err
}
