// Package aftersales is after-sales cases: cancel requests, refunds, returns, exchanges, warranty repairs and
// complaints; their eligibility, state machine, deadlines, refunds, evidence, thread and arbitration.
package aftersales

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"tradeguard/money"
	"tradeguard/tenants"
)

// Type of case.
type Type string

const (
	OrderCancel    Type = "ORDER_CANCEL"
	RefundOnly     Type = "REFUND_ONLY"
	ReturnRefund   Type = "RETURN_REFUND"
	Exchange       Type = "EXCHANGE"
	WarrantyRepair Type = "WARRANTY_REPAIR"
	Complaint      Type = "COMPLAINT"
)

// Status of a case (DESIGN §3.2).
type Status string

const (
	Requested         Status = "REQUESTED"
	AwaitingReturn    Status = "AWAITING_RETURN"
	ReturnShipped     Status = "RETURN_SHIPPED"
	AwaitingReship    Status = "AWAITING_RESHIP"
	Reshipped         Status = "RESHIPPED"
	Refunding         Status = "REFUNDING"
	Refunded          Status = "REFUNDED"
	RefundFailed      Status = "REFUND_FAILED"
	Rejected          Status = "REJECTED"
	InArbitration     Status = "IN_ARBITRATION"
	ClosedForMerchant Status = "CLOSED_FOR_MERCHANT"
	CaseCompleted     Status = "COMPLETED"
	Withdrawn         Status = "WITHDRAWN"
	Closed            Status = "CLOSED"
	// PlatformReview is a complaint the platform handles (the merchant did not answer in 48 h, or the buyer
	// escalated it).
	PlatformReview Status = "PLATFORM_REVIEW"
)

// Final reports whether nothing more can happen to a case in this status.
func (s Status) Final() bool {
	switch s {
	case Refunded, ClosedForMerchant, CaseCompleted, Withdrawn, Closed:
		return true
	}
	return false
}

// OpenStatuses are the statuses in which a case still needs something to happen.
var OpenStatuses = []Status{Requested, AwaitingReturn, ReturnShipped, AwaitingReship, Reshipped, Refunding,
	RefundFailed, Rejected, InArbitration, PlatformReview}

// Case as stored.
type Case struct {
	StoreID             uuid.UUID  `db:"tenant_id"`
	ID                  uuid.UUID  `db:"id"`
	Number              string     `db:"number"`
	OrderID             uuid.UUID  `db:"order_id"`
	BuyerID             uuid.UUID  `db:"buyer_id"`
	Type                Type       `db:"type"`
	Status              Status     `db:"status"`
	Reason              Reason     `db:"reason"`
	ReasonCategory      Category   `db:"reason_category"`
	Description         string     `db:"description"`
	Currency            string     `db:"currency"`
	RequestedMinor      int64      `db:"requested_minor"`
	ApprovedMinor       *int64     `db:"approved_minor"`
	RefundedMinor       int64      `db:"refunded_minor"`
	Revisions           int        `db:"revisions"`
	RejectionReason     *string    `db:"rejection_reason"`
	RespondBy           time.Time  `db:"respond_by"`
	ApprovedAt          *time.Time `db:"approved_at"`
	RejectedAt          *time.Time `db:"rejected_at"`
	RefundBankCode      *string    `db:"refund_bank_code"`
	RefundBankMasked    *string    `db:"refund_bank_account_masked"`
	FirstResponseAt     *time.Time `db:"first_response_at"`
	EscalatedAt         *time.Time `db:"escalated_at"`
	EscalatedBy         *string    `db:"escalated_by"`
	RefundedAt          *time.Time `db:"refunded_at"`
	PriorityEscalatedAt *time.Time `db:"priority_escalated_at"`
	ComplaintOutcome    *string    `db:"complaint_outcome"`
	BuyerEvidenceDue    *time.Time `db:"buyer_evidence_due"`
	MerchantEvidenceDue *time.Time `db:"merchant_evidence_due"`
	Ruling              *string    `db:"ruling"`
	Liability           *string    `db:"liability"`
	RuledAt             *time.Time `db:"ruled_at"`
	RuledBy             *uuid.UUID `db:"ruled_by"`
	RulingNote          *string    `db:"ruling_note"`
	AppealBy            *string    `db:"appeal_by"`
	AppealedAt          *time.Time `db:"appealed_at"`
	AppealReason        *string    `db:"appeal_reason"`
	AppealDecidedAt     *time.Time `db:"appeal_decided_at"`
	AppealDecidedBy     *uuid.UUID `db:"appeal_decided_by"`
	AppealOutcome       *string    `db:"appeal_outcome"`
	ReturnCarrier       *string    `db:"return_carrier"`
	ReturnTracking      *string    `db:"return_tracking"`
	ReturnShippedAt     *time.Time `db:"return_shipped_at"`
	ReturnDeliveredAt   *time.Time `db:"return_delivered_at"`
	ReturnReceivedAt    *time.Time `db:"return_received_at"`
	ReshipCarrier       *string    `db:"reship_carrier"`
	ReshipTracking      *string    `db:"reship_tracking"`
	ReshippedAt         *time.Time `db:"reshipped_at"`
	DeadlineAt          *time.Time `db:"deadline_at"`
	DeadlineAction      *string    `db:"deadline_action"`
	CreatedAt           time.Time  `db:"created_at"`
	UpdatedAt           time.Time  `db:"updated_at"`
	ClosedAt            *time.Time `db:"closed_at"`
	Version             int        `db:"version"`
	// ChangedAt and ChangeXID: the last change, by the database's clock and transaction (changefeed).
	ChangedAt time.Time `db:"changed_at"`
	ChangeXID uint64    `db:"change_xid"`
}

// Requested, Approved and RefundedAmount are the case's amounts.
func (c Case) Requested() money.Money { return money.New(c.RequestedMinor, c.Currency) }
func (c Case) Refunded() money.Money  { return money.New(c.RefundedMinor, c.Currency) }
func (c Case) Approved() *money.Money {
	if c.ApprovedMinor == nil {
		return nil
	}
	m := money.New(*c.ApprovedMinor, c.Currency)
	return &m
}

// Item is one order line (and quantity) a case is about.
type Item struct {
	StoreID     uuid.UUID `db:"tenant_id"`
	CaseID      uuid.UUID `db:"case_id"`
	OrderItemID uuid.UUID `db:"order_item_id"`
	OrderID     uuid.UUID `db:"order_id"`
	Quantity    int       `db:"quantity"`
}

// Key names a case inside its store.
type Key struct {
	StoreID uuid.UUID
	ID      uuid.UUID
}

// KeyOf is the case's key.
func KeyOf(c Case) Key { return Key{StoreID: c.StoreID, ID: c.ID} }

const columns = `tenant_id, id, number, order_id, buyer_id, type, status, reason, reason_category, description, currency,
	requested_minor, approved_minor, refunded_minor, revisions, rejection_reason, respond_by, approved_at, rejected_at,
	refund_bank_code, refund_bank_account_masked, first_response_at, escalated_at,
	escalated_by, refunded_at, priority_escalated_at, complaint_outcome, buyer_evidence_due, merchant_evidence_due,
	ruling, liability, ruled_at, ruled_by, ruling_note, appeal_by, appealed_at, appeal_reason, appeal_decided_at,
	appeal_decided_by, appeal_outcome, return_carrier, return_tracking, return_shipped_at, return_delivered_at,
	return_received_at, reship_carrier, reship_tracking, reshipped_at, deadline_at, deadline_action, created_at, updated_at, closed_at, version, changed_at, change_xid`

func lockCase(ctx context.Context, tx *sqlx.Tx, k Key) (Case, error) {
	var c Case
	err := tx.GetContext(ctx, &c, `select `+columns+` from cases where tenant_id = $1 and id = $2 for update`, k.StoreID, k.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return c, tenants.ErrNotFound
	}
	return c, err
}

// save writes every mutable column (and the current deadline) and bumps the version; a concurrent change
// makes it ErrConflict.
func save(ctx context.Context, tx *sqlx.Tx, c *Case, now time.Time) error {
	c.UpdatedAt = now
	c.DeadlineAt, c.DeadlineAction = nil, nil
	if at, action, ok := Deadline(*c, now); ok {
		c.DeadlineAt, c.DeadlineAction = &at, ptr(string(action))
	}
	res, err := tx.NamedExecContext(ctx, `update cases set status = :status, description = :description,
		requested_minor = :requested_minor, approved_minor = :approved_minor, refunded_minor = :refunded_minor,
		revisions = :revisions, rejection_reason = :rejection_reason, respond_by = :respond_by,
		approved_at = :approved_at, rejected_at = :rejected_at, refund_bank_code = :refund_bank_code,
		refund_bank_account_masked = :refund_bank_account_masked, first_response_at = :first_response_at,
		escalated_at = :escalated_at, escalated_by = :escalated_by, refunded_at = :refunded_at,
		priority_escalated_at = :priority_escalated_at, complaint_outcome = :complaint_outcome,
		buyer_evidence_due = :buyer_evidence_due, merchant_evidence_due = :merchant_evidence_due, ruling = :ruling,
		liability = :liability, ruled_at = :ruled_at, ruled_by = :ruled_by, ruling_note = :ruling_note,
		appeal_by = :appeal_by, appealed_at = :appealed_at, appeal_reason = :appeal_reason,
		appeal_decided_at = :appeal_decided_at, appeal_decided_by = :appeal_decided_by, appeal_outcome = :appeal_outcome,
		return_carrier = :return_carrier, return_tracking = :return_tracking, return_shipped_at = :return_shipped_at,
		return_delivered_at = :return_delivered_at, return_received_at = :return_received_at,
		reship_carrier = :reship_carrier, reship_tracking = :reship_tracking, reshipped_at = :reshipped_at,
		deadline_at = :deadline_at, deadline_action = :deadline_action, updated_at = :updated_at,
		closed_at = :closed_at, version = version + 1
		where tenant_id = :tenant_id and id = :id and version = :version`, c)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return tenants.ErrConflict
	}
	c.Version++
	return nil
}

// ByKeys returns the visible cases among keys (a loader's batch).
func ByKeys(ctx context.Context, s *tenants.Session, keys []Key) ([]Case, error) {
	if !s.Principal().Allows(tenants.ScopeCasesRead) {
		return nil, nil
	}
	stores, ids := splitKeys(keys)
	var out []Case
	err := s.Do(ctx, func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &out, `select `+columns+` from cases
			where (tenant_id, id) in (select * from unnest($1::uuid[], $2::uuid[]))`, pq.Array(stores), pq.Array(ids))
	})
	return out, err
}

// ItemsByCases returns the items of the given cases, grouped by case.
func ItemsByCases(ctx context.Context, s *tenants.Session, keys []Key) (map[Key][]Item, error) {
	stores, ids := splitKeys(keys)
	var rows []Item
	err := s.Do(ctx, func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &rows, `select ci.tenant_id, ci.case_id, ci.order_item_id, c.order_id, ci.quantity
			from case_items ci join cases c on c.tenant_id = ci.tenant_id and c.id = ci.case_id
			where (ci.tenant_id, ci.case_id) in (select * from unnest($1::uuid[], $2::uuid[]))`, pq.Array(stores), pq.Array(ids))
	})
	out := make(map[Key][]Item, len(keys))
	for _, k := range keys {
		out[k] = []Item{}
	}
	for _, it := range rows {
		k := Key{StoreID: it.StoreID, ID: it.CaseID}
		out[k] = append(out[k], it)
	}
	return out, err
}

func splitKeys(keys []Key) (stores, ids []uuid.UUID) {
	stores, ids = make([]uuid.UUID, len(keys)), make([]uuid.UUID, len(keys))
	for i, k := range keys {
		stores[i], ids[i] = k.StoreID, k.ID
	}
	return stores, ids
}

func ptr[T any](v T) *T { return &v }
