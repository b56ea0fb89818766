package aftersales

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"tradeguard/internal/idem"
	"tradeguard/orders"
	"tradeguard/payments"
	"tradeguard/tenants"
)

// The store's answers and the steps that follow them. Each is one transition (see transition.go).

// Approve accepts a request. A partial amount (more than 0, at most what was asked) may be approved: an
// amount of 0 or less is refused with AMOUNT_NOT_POSITIVE (a store that gives nothing rejects). Refund-only
// requests are refunded at once; a cancel request cancels and refunds the order; returns, exchanges and
// repairs wait for the buyer to send the goods back (7 days).
func Approve(ctx context.Context, s *tenants.Session, pay payments.Adapter, k Key, amountMinor *int64, idempotencyKey string, expectedVersion *int, now time.Time) (Case, error) {
	if err := needKey(idempotencyKey); err != nil {
		return Case{}, err
	}
	if err := notPositive(amountMinor, "an approved amount must be more than 0: to give nothing, reject the request (leave the amount out to approve all that was asked)"); err != nil {
		return Case{}, err
	}
	input := map[string]any{"amount": amountMinor}
	return transitionOnce(ctx, s, k, ActApprove, idempotencyKey, input, expectedVersion, now, func(tx *sqlx.Tx, c *Case) (*string, *string, error) {
		return approve(ctx, s, tx, pay, c, amountMinor, now)
	})
}

func approve(ctx context.Context, s *tenants.Session, tx *sqlx.Tx, pay payments.Adapter, c *Case, amountMinor *int64, now time.Time) (*string, *string, error) {
	amount := c.RequestedMinor
	if amountMinor != nil {
		if *amountMinor > c.RequestedMinor { // 0 or less was refused above
			return nil, nil, tenants.Refuse("INVALID_AMOUNT", fmt.Sprintf("approve more than 0 and at most the %s asked", c.Requested()), "input", "amount")
		}
		amount = *amountMinor
	}
	c.ApprovedMinor, c.ApprovedAt = &amount, &now
	switch {
	case c.Type == OrderCancel:
		// The order's own cancellation refunds it in full, once; the case records what moved.
		o, err := orders.CancelForRequest(ctx, tenants.Attach(tx, s.Principal()), pay, orders.Key{StoreID: c.StoreID, ID: c.OrderID}, c.Number, now)
		if err != nil {
			return nil, nil, err
		}
		c.Status, c.ApprovedMinor, c.RefundedMinor, c.RefundedAt = Refunded, &o.RefundedMinor, o.RefundedMinor, &now
	case c.Type.NeedsReturn():
		c.Status = AwaitingReturn
	default:
		c.Status = Refunding
		if err := startRefund(ctx, tx, pay, c, "approve:"+c.ID.String(), now); err != nil {
			return nil, nil, err
		}
	}
	return nil, nil, nil
}

// Reject refuses a request with a reason the buyer sees; the buyer may revise (up to 3 times), escalate or
// withdraw within 7 days.
func Reject(ctx context.Context, s *tenants.Session, k Key, reason string, expectedVersion *int, now time.Time) (Case, error) {
	reason = strings.TrimSpace(reason)
	if n := utf8.RuneCountInString(reason); n == 0 || n > 1000 {
		return Case{}, tenants.Refuse("REASON_REQUIRED", "say why the request is rejected (1 to 1000 characters); the buyer sees it", "input", "reason")
	}
	return transition(ctx, s, k, ActReject, expectedVersion, now, func(_ *sqlx.Tx, c *Case) (*string, *string, error) {
		c.Status, c.RejectedAt, c.RejectionReason = Rejected, &now, &reason
		return &reason, nil, nil
	})
}

// Revise resubmits a rejected request with a new amount and description; the store answers again.
func Revise(ctx context.Context, s *tenants.Session, k Key, amountMinor *int64, description *string, expectedVersion *int, now time.Time) (Case, error) {
	if err := notPositive(amountMinor, "a revision asks for more than 0 (withdraw the case to ask for nothing)"); err != nil {
		return Case{}, err
	}
	return transition(ctx, s, k, ActRevise, expectedVersion, now, func(tx *sqlx.Tx, c *Case) (*string, *string, error) {
		if amountMinor != nil {
			if *amountMinor > c.RequestedMinor {
				return nil, nil, tenants.Refuse("INVALID_AMOUNT", fmt.Sprintf("a revision may ask for at most the %s of the first request", c.Requested()), "input", "amount")
			}
			c.RequestedMinor = *amountMinor
		}
		if description != nil {
			if utf8.RuneCountInString(*description) > 2000 {
				return nil, nil, tenants.Refuse("DESCRIPTION_TOO_LONG", "the description may be at most 2000 characters", "input", "description")
			}
			c.Description = strings.TrimSpace(*description)
		}
		shipped, err := orderShipped(ctx, tx, c)
		if err != nil {
			return nil, nil, err
		}
		c.Status, c.Revisions, c.RespondBy = Requested, c.Revisions+1, now.Add(respondWindow(c.Type, shipped))
		c.RejectedAt, c.RejectionReason = nil, nil
		return nil, ptr(fmt.Sprintf("revision %d of %d", c.Revisions, MaxRevisions)), nil
	})
}

// Withdraw ends the case at the buyer's wish.
func Withdraw(ctx context.Context, s *tenants.Session, k Key, expectedVersion *int, now time.Time) (Case, error) {
	return transition(ctx, s, k, ActWithdraw, expectedVersion, now, func(_ *sqlx.Tx, c *Case) (*string, *string, error) {
		c.Status = Withdrawn
		return nil, nil, nil
	})
}

// Escalate asks the platform: a case goes to arbitration (each side then has 72 h for evidence); a rejected
// complaint goes to the platform's complaint queue.
func Escalate(ctx context.Context, s *tenants.Session, k Key, expectedVersion *int, now time.Time) (Case, error) {
	return transition(ctx, s, k, ActEscalate, expectedVersion, now, func(_ *sqlx.Tx, c *Case) (*string, *string, error) {
		by := string(s.Principal().Role)
		c.EscalatedAt, c.EscalatedBy = &now, &by
		if c.Type == Complaint {
			c.Status = PlatformReview
			return nil, nil, nil
		}
		due := now.Add(EvidenceWindow)
		c.Status, c.BuyerEvidenceDue, c.MerchantEvidenceDue = InArbitration, &due, &due
		return nil, nil, nil
	})
}

// ShipReturn records the buyer's return shipment.
func ShipReturn(ctx context.Context, s *tenants.Session, k Key, carrier, tracking string, expectedVersion *int, now time.Time) (Case, error) {
	if err := orders.ValidateShipment(carrier, tracking); err != nil {
		return Case{}, err
	}
	return transition(ctx, s, k, ActShipReturn, expectedVersion, now, func(_ *sqlx.Tx, c *Case) (*string, *string, error) {
		carrier := strings.TrimSpace(carrier)
		c.Status, c.ReturnCarrier, c.ReturnTracking, c.ReturnShippedAt = ReturnShipped, &carrier, &tracking, &now
		return nil, nil, nil
	})
}

// MarkReturnDelivered records that the carrier delivered the return to the store (its 7 days start).
func MarkReturnDelivered(ctx context.Context, s *tenants.Session, k Key, expectedVersion *int, now time.Time) (Case, error) {
	return transition(ctx, s, k, ActMarkReturnDelivered, expectedVersion, now, func(_ *sqlx.Tx, c *Case) (*string, *string, error) {
		c.ReturnDeliveredAt = &now
		return nil, nil, nil
	})
}

// ReceiveReturn confirms the goods came back. Gifts that rode on returned lines and did not come back lower
// the refund by their declared value. A return is then refunded; an exchange or repair waits for reshipment.
func ReceiveReturn(ctx context.Context, s *tenants.Session, pay payments.Adapter, k Key, missingGifts []uuid.UUID, idempotencyKey string, expectedVersion *int, now time.Time) (Case, error) {
	if err := needKey(idempotencyKey); err != nil {
		return Case{}, err
	}
	input := map[string]any{"missingGiftItemIds": idem.Set(missingGifts)}
	return transitionOnce(ctx, s, k, ActReceiveReturn, idempotencyKey, input, expectedVersion, now, func(tx *sqlx.Tx, c *Case) (*string, *string, error) {
		return receive(ctx, tx, pay, c, missingGifts, now)
	})
}

func receive(ctx context.Context, tx *sqlx.Tx, pay payments.Adapter, c *Case, missingGifts []uuid.UUID, now time.Time) (*string, *string, error) {
	c.ReturnReceivedAt = &now
	if c.Type != ReturnRefund {
		c.Status = AwaitingReship
		return nil, nil, nil
	}
	deduction, err := giftDeduction(ctx, tx, *c, missingGifts)
	if err != nil {
		return nil, nil, err
	}
	approved := deref(c.ApprovedMinor)
	if c.ApprovedMinor == nil {
		approved = c.RequestedMinor
	}
	approved = max(approved-deduction, 0)
	c.ApprovedMinor, c.Status = &approved, Refunding
	var note *string
	if deduction > 0 {
		note = ptr(fmt.Sprintf("missing gifts: refund lowered by %s", moneyOf(*c, deduction)))
	}
	return nil, note, startRefund(ctx, tx, pay, c, "receive:"+c.ID.String(), now)
}

// Reship records the replacement (exchange) or repaired goods (repair) sent to the buyer.
func Reship(ctx context.Context, s *tenants.Session, k Key, carrier, tracking string, expectedVersion *int, now time.Time) (Case, error) {
	if err := orders.ValidateShipment(carrier, tracking); err != nil {
		return Case{}, err
	}
	return transition(ctx, s, k, ActReship, expectedVersion, now, func(_ *sqlx.Tx, c *Case) (*string, *string, error) {
		carrier := strings.TrimSpace(carrier)
		c.Status, c.ReshipCarrier, c.ReshipTracking, c.ReshippedAt = Reshipped, &carrier, &tracking, &now
		return nil, nil, nil
	})
}

// ConfirmReship completes an exchange or repair (the buyer got the goods).
func ConfirmReship(ctx context.Context, s *tenants.Session, k Key, expectedVersion *int, now time.Time) (Case, error) {
	return transition(ctx, s, k, ActConfirmReship, expectedVersion, now, func(_ *sqlx.Tx, c *Case) (*string, *string, error) {
		c.Status = CaseCompleted
		return nil, nil, nil
	})
}

// RetryRefund tries a failed refund again.
func RetryRefund(ctx context.Context, s *tenants.Session, pay payments.Adapter, k Key, idempotencyKey string, expectedVersion *int, now time.Time) (Case, error) {
	if err := needKey(idempotencyKey); err != nil {
		return Case{}, err
	}
	return transitionOnce(ctx, s, k, ActRetryRefund, idempotencyKey, nil, expectedVersion, now, func(tx *sqlx.Tx, c *Case) (*string, *string, error) {
		c.Status = Refunding
		return nil, nil, startRefund(ctx, tx, pay, c, fmt.Sprintf("retry:%s:%d", c.ID, c.Version), now)
	})
}

func orderShipped(ctx context.Context, tx *sqlx.Tx, c *Case) (bool, error) {
	var shipped bool
	err := tx.GetContext(ctx, &shipped, `select shipped_at is not null from orders where tenant_id = $1 and id = $2`, c.StoreID, c.OrderID)
	return shipped, err
}

// giftDeduction is the declared value of the gifts riding on the case's returned lines that did not come
// back (missing lists their order-item ids; only gifts of this case's lines count).
func giftDeduction(ctx context.Context, tx *sqlx.Tx, c Case, missing []uuid.UUID) (int64, error) {
	if len(missing) == 0 {
		return 0, nil
	}
	var total int64
	err := tx.GetContext(ctx, &total, `select coalesce(sum(g.declared_value_minor * g.quantity), 0)
		from order_items g join case_items ci on ci.tenant_id = g.tenant_id and ci.order_item_id = g.gift_of
		where g.tenant_id = $1 and ci.case_id = $2 and g.id = any($3)`, c.StoreID, c.ID, pqArray(missing))
	return total, err
}

// needKey: every money-moving request carries the client's idempotency key.
func needKey(key string) error {
	if strings.TrimSpace(key) == "" || len(key) > 200 {
		return tenants.Refuse("IDEMPOTENCY_KEY_REQUIRED", "give this request an idempotency key of 1 to 200 characters, and reuse it when you retry", "input", "idempotencyKey")
	}
	return nil
}
