package aftersales

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"tradeguard/money"
	"tradeguard/orders"
	"tradeguard/payments"
	"tradeguard/scheduler"
	"tradeguard/tenants"
)

// KindRefundRetry is the scheduler kind of a failed refund's automatic retry (one row per case).
const KindRefundRetry = "case.refund_retry"

// Automatic retries of a failed refund: a refund is tried at most MaxRefundAttempts times without a person
// asking (the first attempt, then retries RefundRetryAfter × 2^(attempt−1) after each failure: 10 and 20
// minutes); after that it waits for the store or an admin (RetryRefund).
const (
	MaxRefundAttempts = 3
	RefundRetryAfter  = 10 * time.Minute
)

// Refund is one attempt to pay back a case (a row of refunds).
type Refund struct {
	StoreID           uuid.UUID `db:"tenant_id"`
	ID                uuid.UUID `db:"id"`
	CaseID            uuid.UUID `db:"case_id"`
	OrderID           uuid.UUID `db:"order_id"`
	AmountMinor       int64     `db:"amount_minor"`
	Currency          string    `db:"currency"`
	Route             string    `db:"route"`
	PaymentMethod     string    `db:"payment_method"`
	BankCode          *string   `db:"bank_code"`
	BankAccountMasked *string   `db:"bank_account_masked"`
	Status            string    `db:"status"` // SUCCEEDED or FAILED
	Attempts          int       `db:"attempts"`
	LastError         *string   `db:"last_error"`
	IdempotencyKey    string    `db:"idempotency_key"`
	ProviderRef       *string   `db:"provider_ref"`
	CreatedAt         time.Time `db:"created_at"`
	UpdatedAt         time.Time `db:"updated_at"`
}

// Amount is the refund's amount.
func (r Refund) Amount() money.Money { return money.New(r.AmountMinor, r.Currency) }

// RefundsByCases returns the refund attempts of the given cases, first attempt first, grouped by case.
func RefundsByCases(ctx context.Context, s *tenants.Session, keys []Key) (map[Key][]Refund, error) {
	stores, ids := splitKeys(keys)
	var rows []Refund
	err := s.Do(ctx, func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &rows, `select tenant_id, id, case_id, order_id, amount_minor, currency, route,
				payment_method, bank_code, bank_account_masked, status, attempts, last_error, idempotency_key, provider_ref,
				created_at, updated_at from refunds
			where (tenant_id, case_id) in (select * from unnest($1::uuid[], $2::uuid[]))
			order by tenant_id, case_id, created_at, attempts, id`, pqArray(stores), pqArray(ids))
	})
	out := make(map[Key][]Refund, len(keys))
	for _, k := range keys {
		out[k] = []Refund{}
	}
	for _, r := range rows {
		k := Key{StoreID: r.StoreID, ID: r.CaseID}
		out[k] = append(out[k], r)
	}
	return out, err
}

// orderPay is what a refund needs to know of the case's order.
type orderPay struct {
	Number        string     `db:"number"`
	Method        *string    `db:"payment_method"`
	PaidAt        *time.Time `db:"paid_at"`
	PaidMinor     int64      `db:"paid_minor"`
	RefundedMinor int64      `db:"refunded_minor"`
	Currency      string     `db:"currency"`
}

func (o orderPay) method() string {
	if o.Method == nil {
		return "CARD" // what orders.Pay charges when the order names no method
	}
	return *o.Method
}

func (o orderPay) paidAt(now time.Time) time.Time {
	if o.PaidAt == nil {
		return now
	}
	return *o.PaidAt
}

func (o orderPay) route(now time.Time) string { return Route(o.method(), o.paidAt(now), now) }

// orderPayment reads the case's order; lock takes the order's row lock, on which every refund of the order
// (from any case) queues.
func orderPayment(ctx context.Context, tx *sqlx.Tx, c Case, lock bool) (orderPay, error) {
	q := `select number, payment_method, paid_at, paid_minor, refunded_minor, currency from orders where tenant_id = $1 and id = $2`
	if lock {
		q += ` for update`
	}
	var o orderPay
	err := tx.GetContext(ctx, &o, q, c.StoreID, c.OrderID)
	if errors.Is(err, sql.ErrNoRows) {
		return o, tenants.ErrNotFound
	}
	return o, err
}

// refundAttempt is the number of the case's next refund attempt: one more than the attempts it has on
// record. (A case is refunded once: its first successful attempt ends it.)
func refundAttempt(ctx context.Context, tx *sqlx.Tx, c Case) (int, error) {
	var n int
	err := tx.GetContext(ctx, &n, `select count(*) from refunds where tenant_id = $1 and case_id = $2`, c.StoreID, c.ID)
	return n + 1, err
}

// startRefund pays back what the case still owes (ApprovedMinor − RefundedMinor, or the amount asked when
// nothing was approved) and moves the case to REFUNDED, or to REFUND_FAILED when the provider declines or
// cannot be reached, or when the refund is due by bank transfer and the buyer gave no account. Called inside
// a transition, on the locked case.
//
// Money moves once per key: the key goes to the provider, and a key this case already used is answered as
// it was (a succeeded refund is not paid again; a failed one is not tried again — a retry uses a new key).
// The order's row is locked before the provider is called, so refunds of one order (from any of its cases)
// queue, and one that would take the order's refunded total above what was paid is refused with
// REFUND_EXCEEDS_PAID before any money moves (the database's check on orders is the last guard).
func startRefund(ctx context.Context, tx *sqlx.Tx, pay payments.Adapter, c *Case, key string, now time.Time) error {
	if key == "" || len(key) > 200 {
		return fmt.Errorf("aftersales: refund of case %s: idempotency key of 1 to 200 characters required", c.Number)
	}
	owed := c.RequestedMinor
	if c.ApprovedMinor != nil {
		owed = *c.ApprovedMinor
	}
	amount := owed - c.RefundedMinor
	if amount <= 0 {
		c.Status = Refunded // nothing (more) to pay back
		return nil
	}
	o, err := orderPayment(ctx, tx, *c, true)
	if err != nil {
		return err
	}

	// The same request again (after the lock, so a concurrent twin's committed answer is seen).
	var prev struct {
		Status    string    `db:"status"`
		UpdatedAt time.Time `db:"updated_at"`
	}
	err = tx.GetContext(ctx, &prev, `select status, updated_at from refunds
		where tenant_id = $1 and case_id = $2 and idempotency_key = $3`, c.StoreID, c.ID, key)
	switch {
	case err == nil && prev.Status == "SUCCEEDED":
		c.Status = Refunded
		if c.RefundedAt == nil {
			c.RefundedAt = &prev.UpdatedAt
		}
		return nil
	case err == nil:
		c.Status = RefundFailed
		return nil
	case !errors.Is(err, sql.ErrNoRows):
		return err
	}

	if refundable := o.PaidMinor - o.RefundedMinor; amount > refundable {
		return tenants.Refuse("REFUND_EXCEEDS_PAID", fmt.Sprintf("case %s would refund %s, but only %s of what was paid on order %s is still refundable",
			c.Number, moneyOf(*c, amount), moneyOf(*c, max(refundable, 0)), o.Number))
	}
	attempt, err := refundAttempt(ctx, tx, *c)
	if err != nil {
		return err
	}
	r := Refund{StoreID: c.StoreID, ID: uuid.New(), CaseID: c.ID, OrderID: c.OrderID, AmountMinor: amount,
		Currency: c.Currency, Route: o.route(now), PaymentMethod: o.method(), Attempts: attempt, IdempotencyKey: key,
		CreatedAt: now, UpdatedAt: now}
	req := payments.Request{StoreID: c.StoreID, OrderID: c.OrderID, Method: r.PaymentMethod, Amount: r.Amount(), IdempotencyKey: key}
	if r.Route == RouteBankTransfer {
		if c.RefundBankCode == nil || c.RefundBankMasked == nil {
			return failRefund(ctx, tx, c, r, noAccountMessage(o, now), false, now)
		}
		req.Method, r.BankCode, r.BankAccountMasked = RouteBankTransfer, c.RefundBankCode, c.RefundBankMasked
		req.BankCode, req.BankAccountMasked = *c.RefundBankCode, *c.RefundBankMasked
	}
	res, err := pay.Refund(ctx, req)
	if err != nil {
		reason := "the payment provider could not be reached: " + err.Error()
		if d, ok := payments.IsDeclined(err); ok {
			reason = "declined by the payment provider: " + d.Reason
		}
		return failRefund(ctx, tx, c, r, reason, true, now)
	}

	r.Status, r.ProviderRef = "SUCCEEDED", &res.ProviderRef
	if err := insertRefund(ctx, tx, c, r); err != nil {
		return err
	}
	if err := orders.RecordCaseRefund(ctx, tx, orders.Key{StoreID: c.StoreID, ID: c.OrderID}, amount, req.Method, res.ProviderRef, key, now); err != nil {
		return err
	}
	c.RefundedMinor += amount
	c.RefundedAt, c.Status = &now, Refunded
	// A retry still pending (a person retried first) has nothing left to do.
	return scheduler.Cancel(ctx, tenants.Attach(tx, tenants.System), &c.StoreID, KindRefundRetry, c.ID, now)
}

// failRefund records a failed attempt and leaves the case REFUND_FAILED; retry schedules the automatic
// retry while attempts remain.
func failRefund(ctx context.Context, tx *sqlx.Tx, c *Case, r Refund, reason string, retry bool, now time.Time) error {
	r.Status, r.LastError = "FAILED", &reason
	if err := insertRefund(ctx, tx, c, r); err != nil {
		return err
	}
	c.Status = RefundFailed
	if !retry || r.Attempts >= MaxRefundAttempts {
		return nil
	}
	return scheduleRefundRetry(ctx, tx, *c, now.Add(RefundRetryAfter<<(r.Attempts-1)), now)
}

func insertRefund(ctx context.Context, tx *sqlx.Tx, c *Case, r Refund) error {
	_, err := tx.ExecContext(ctx, `insert into refunds (tenant_id, id, case_id, order_id, buyer_id, amount_minor, currency,
			route, payment_method, bank_code, bank_account_masked, status, attempts, last_error, idempotency_key, provider_ref,
			created_at, updated_at)
		values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`,
		r.StoreID, r.ID, r.CaseID, r.OrderID, c.BuyerID, r.AmountMinor, r.Currency, r.Route, r.PaymentMethod, r.BankCode,
		r.BankAccountMasked, r.Status, r.Attempts, r.LastError, r.IdempotencyKey, r.ProviderRef, r.CreatedAt, r.UpdatedAt)
	return err
}

// noAccountMessage says why a refund by transfer cannot go yet.
func noAccountMessage(o orderPay, now time.Time) string {
	w := RefundWindow(o.method())
	if w <= 0 {
		return fmt.Sprintf("the buyer must give a bank account (a %s payment is refunded by bank transfer)", o.method())
	}
	return fmt.Sprintf("the buyer must give a bank account (the original method's refund window closed on %s)",
		o.paidAt(now).Add(w).UTC().Format(time.RFC3339))
}

// errNotDue ends a retry whose case no longer waits for one.
var errNotDue = errors.New("refund retry no longer due")

// RefundRetryHandler is the scheduler's action for KindRefundRetry: if the case is still REFUND_FAILED, the
// system tries the refund again (a new attempt, with its own idempotency key); otherwise it does nothing.
func RefundRetryHandler(pay payments.Adapter) scheduler.Handler {
	return func(ctx context.Context, s *tenants.Session, d scheduler.Deadline, now time.Time) error {
		if d.TenantID == nil {
			return scheduler.Permanent{Err: errors.New("refund retry without a store")}
		}
		_, err := systemTransition(ctx, s, Key{StoreID: *d.TenantID, ID: d.SubjectID}, ActRetryRefund, now,
			func(tx *sqlx.Tx, c *Case) (*string, *string, error) {
				if c.Status != RefundFailed {
					return nil, nil, errNotDue
				}
				attempt, err := refundAttempt(ctx, tx, *c)
				if err != nil {
					return nil, nil, err
				}
				c.Status = Refunding
				note := fmt.Sprintf("automatic retry (attempt %d)", attempt)
				return nil, &note, startRefund(ctx, tx, pay, c, fmt.Sprintf("auto-retry:%s:%d", c.ID, attempt), now)
			})
		if errors.Is(err, errNotDue) || errors.Is(err, tenants.ErrNotFound) {
			return nil
		}
		if _, ok := tenants.AsRuleErrors(err); ok {
			return scheduler.Permanent{Err: err} // e.g. REFUND_EXCEEDS_PAID: trying again cannot help
		}
		return err
	}
}
