package metrics

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"tradeguard/money"
	"tradeguard/tenants"
)

// Chargeback is a payment the buyer's bank took back: it enters the order defect rate.
type Chargeback struct {
	StoreID     uuid.UUID  `db:"tenant_id"`
	ID          uuid.UUID  `db:"id"`
	OrderID     uuid.UUID  `db:"order_id"`
	BuyerID     uuid.UUID  `db:"buyer_id"`
	AmountMinor int64      `db:"amount_minor"`
	Currency    string     `db:"currency"`
	Reason      string     `db:"reason"`
	ProviderRef string     `db:"provider_ref"`
	ReportedBy  string     `db:"reported_by"`
	ReporterID  *uuid.UUID `db:"reporter_id"`
	ReportedAt  time.Time  `db:"reported_at"`
}

// Amount of the chargeback.
func (c Chargeback) Amount() money.Money { return money.New(c.AmountMinor, c.Currency) }

// ChargebackInput is a chargeback as the payment adapter (or an admin) reports it.
type ChargebackInput struct {
	StoreID, OrderID uuid.UUID
	AmountMinor      int64
	Reason           string
	ProviderRef      string // the provider's reference: reporting it again for the same order changes nothing
}

func text(v, code, field string, maxLen int) (string, *tenants.RuleError) {
	v = strings.TrimSpace(v)
	if n := utf8.RuneCountInString(v); n == 0 || n > maxLen {
		return v, tenants.Refuse(code, "1 to "+strconv.Itoa(maxLen)+" characters", "input", field)
	}
	return v, nil
}

// RecordChargeback records a chargeback on a paid order, once per provider reference (a repeat returns the
// first record). The platform only: the payment adapter reports as the system, admins record by hand.
func RecordChargeback(ctx context.Context, s *tenants.Session, in ChargebackInput, now time.Time) (Chargeback, error) {
	p := s.Principal()
	if !p.Is(tenants.RoleAdmin, tenants.RoleSystem) {
		return Chargeback{}, tenants.ErrForbidden
	}
	var errs tenants.RuleErrors
	reason, e := text(in.Reason, "REASON_REQUIRED", "reason", 500)
	if e != nil {
		errs = append(errs, e)
	}
	ref, e := text(in.ProviderRef, "PROVIDER_REF_REQUIRED", "providerRef", 200)
	if e != nil {
		errs = append(errs, e)
	}
	if len(errs) > 0 {
		return Chargeback{}, errs
	}
	var out Chargeback
	err := s.DoStale(ctx, func(tx *sqlx.Tx) error {
		var o struct {
			BuyerID  uuid.UUID  `db:"buyer_id"`
			Currency string     `db:"currency"`
			Paid     int64      `db:"paid_minor"`
			PaidAt   *time.Time `db:"paid_at"`
		}
		err := tx.GetContext(ctx, &o, `select buyer_id, currency, paid_minor, paid_at from orders
			where tenant_id = $1 and id = $2 for update`, in.StoreID, in.OrderID)
		if errors.Is(err, sql.ErrNoRows) {
			return tenants.Refuse("ORDER_NOT_FOUND", "no such order", "input", "orderId")
		}
		if err != nil {
			return err
		}
		if err := tx.GetContext(ctx, &out, `select * from chargebacks where tenant_id = $1 and order_id = $2 and provider_ref = $3`,
			in.StoreID, in.OrderID, ref); err == nil {
			return nil // reported before
		} else if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		switch {
		case o.PaidAt == nil:
			return tenants.Refuse("ORDER_NOT_PAID", "only a paid order can be charged back", "input", "orderId")
		case in.AmountMinor <= 0 || in.AmountMinor > o.Paid:
			return tenants.Refuse("INVALID_AMOUNT", "a chargeback is more than 0 and at most what was paid ("+
				money.New(o.Paid, o.Currency).String()+")", "input", "amount")
		}
		out = Chargeback{StoreID: in.StoreID, ID: uuid.New(), OrderID: in.OrderID, BuyerID: o.BuyerID, AmountMinor: in.AmountMinor,
			Currency: o.Currency, Reason: reason, ProviderRef: ref, ReportedBy: "PAYMENT_ADAPTER", ReportedAt: now}
		if p.Is(tenants.RoleAdmin) {
			out.ReportedBy, out.ReporterID = "ADMIN", &p.UserID
		}
		_, err = tx.NamedExecContext(ctx, `insert into chargebacks (tenant_id, id, order_id, buyer_id, amount_minor, currency,
			reason, provider_ref, reported_by, reporter_id, reported_at) values (:tenant_id, :id, :order_id, :buyer_id,
			:amount_minor, :currency, :reason, :provider_ref, :reported_by, :reporter_id, :reported_at)`, out)
		return err
	})
	return out, err
}

// ChargebackKey identifies a chargeback.
type ChargebackKey struct{ StoreID, ID uuid.UUID }

// ChargebacksByKeys reads chargebacks; row-level security leaves out those the caller may not see.
func ChargebacksByKeys(ctx context.Context, s *tenants.Session, keys []ChargebackKey) ([]Chargeback, error) {
	stores, ids := make([]uuid.UUID, len(keys)), make([]uuid.UUID, len(keys))
	for i, k := range keys {
		stores[i], ids[i] = k.StoreID, k.ID
	}
	var out []Chargeback
	err := s.DoStale(ctx, func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &out, `select c.* from chargebacks c join unnest($1::uuid[], $2::uuid[]) k(tenant_id, id)
			on c.tenant_id = k.tenant_id and c.id = k.id`, pq.Array(stores), pq.Array(ids))
	})
	return out, err
}

// AbuseFlag is the platform's judgement that a buyer abuses after-sales: while set, the buyer's orders
// leave the dissatisfaction rate of every store.
type AbuseFlag struct {
	ID          uuid.UUID  `db:"id"`
	BuyerID     uuid.UUID  `db:"buyer_id"`
	Reason      string     `db:"reason"`
	FlaggedAt   time.Time  `db:"flagged_at"`
	FlaggedBy   uuid.UUID  `db:"flagged_by"`
	ClearedAt   *time.Time `db:"cleared_at"`
	ClearedBy   *uuid.UUID `db:"cleared_by"`
	ClearReason *string    `db:"clear_reason"`
}

// SetAbuseFlag flags (flagged) or clears the flag of a buyer, with the reason, and writes it to the buyer's
// account history. Flagging a flagged buyer, or clearing one not flagged, is refused. Admins only.
func SetAbuseFlag(ctx context.Context, s *tenants.Session, buyerID uuid.UUID, flagged bool, reason string, now time.Time) (AbuseFlag, error) {
	p := s.Principal()
	if !p.Is(tenants.RoleAdmin) {
		return AbuseFlag{}, tenants.ErrForbidden
	}
	reason, e := text(reason, "REASON_REQUIRED", "reason", 2000)
	if e != nil {
		return AbuseFlag{}, e
	}
	var f AbuseFlag
	err := s.DoStale(ctx, func(tx *sqlx.Tx) error {
		var role string
		err := tx.GetContext(ctx, &role, `select role from users where id = $1 for update`, buyerID)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && role != "BUYER") {
			return tenants.Refuse("BUYER_NOT_FOUND", "no such buyer", "input", "buyerId")
		}
		if err != nil {
			return err
		}
		err = tx.GetContext(ctx, &f, `select * from buyer_abuse_flags where buyer_id = $1 and cleared_at is null`, buyerID)
		open := err == nil
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		action := "ABUSE_FLAG_SET"
		switch {
		case flagged && open:
			return tenants.Refuse("ALREADY_FLAGGED", "this buyer is flagged since "+f.FlaggedAt.Format(time.RFC3339), "input", "flagged")
		case !flagged && !open:
			return tenants.Refuse("NOT_FLAGGED", "this buyer is not flagged", "input", "flagged")
		case flagged:
			f = AbuseFlag{ID: uuid.New(), BuyerID: buyerID, Reason: reason, FlaggedAt: now, FlaggedBy: p.UserID}
			_, err = tx.NamedExecContext(ctx, `insert into buyer_abuse_flags (id, buyer_id, reason, flagged_at, flagged_by)
				values (:id, :buyer_id, :reason, :flagged_at, :flagged_by)`, f)
		default:
			action = "ABUSE_FLAG_CLEARED"
			f.ClearedAt, f.ClearedBy, f.ClearReason = &now, &p.UserID, &reason
			_, err = tx.ExecContext(ctx, `update buyer_abuse_flags set cleared_at = $2, cleared_by = $3, clear_reason = $4
				where id = $1`, f.ID, now, p.UserID, reason)
		}
		if err != nil {
			return err
		}
		return tenants.InsertAccountEvent(ctx, tx, uuid.New(), tenants.LifecycleEvent{UserID: &buyerID, At: now,
			Actor: "ADMIN", ActorID: &p.UserID, Action: action, Reason: &reason})
	})
	return f, err
}

// AbuseFlags lists a buyer's flags, newest first: the platform, and the buyer itself.
func AbuseFlags(ctx context.Context, s *tenants.Session, buyerIDs []uuid.UUID) (map[uuid.UUID][]AbuseFlag, error) {
	out := map[uuid.UUID][]AbuseFlag{}
	var rows []AbuseFlag
	err := s.DoStale(ctx, func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &rows, `select * from buyer_abuse_flags where buyer_id = any($1) order by flagged_at desc`, pq.Array(buyerIDs))
	})
	for _, f := range rows {
		out[f.BuyerID] = append(out[f.BuyerID], f)
	}
	return out, err
}
