package aftersales

import (
	"context"
	"errors"
	"time"

	"github.com/jmoiron/sqlx"

	"tradeguard/payments"
	"tradeguard/scheduler"
	"tradeguard/tenants"
)

// Handlers are the scheduler's actions on cases. The case's one deadline row is re-read against the case's
// state at now (Deadline), so a run that comes late or twice does only what is still due.
func Handlers(pay payments.Adapter) map[string]scheduler.Handler {
	return map[string]scheduler.Handler{
		KindRefundRetry: RefundRetryHandler(pay),
		KindCaseDeadline: func(ctx context.Context, s *tenants.Session, d scheduler.Deadline, now time.Time) error {
			if d.TenantID == nil {
				return scheduler.Permanent{Err: errors.New("case deadline without a store")}
			}
			return actOnDeadline(ctx, s, pay, Key{StoreID: *d.TenantID, ID: d.SubjectID}, now)
		},
	}
}

func actOnDeadline(ctx context.Context, s *tenants.Session, pay payments.Adapter, k Key, now time.Time) error {
	var c Case
	err := s.Do(ctx, func(tx *sqlx.Tx) error {
		var err error
		c, err = lockCase(ctx, tx, k)
		return err
	})
	if errors.Is(err, tenants.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	at, action, ok := Deadline(c, now)
	if !ok || now.Before(at) || !action.Acts() {
		return nil
	}
	var a Action
	var apply change
	switch action {
	case DeadlineAutoApprove:
		// The store did not answer in time: approved as asked. The missed deadline is on record for
		// violations (reason MERCHANT_NO_RESPONSE).
		a, apply = ActApprove, func(tx *sqlx.Tx, c *Case) (*string, *string, error) {
			_, note, err := approve(ctx, s, tx, pay, c, nil, now)
			return ptr(ReasonMerchantNoResponse), note, err
		}
	case DeadlineToPlatform:
		a, apply = ActEscalate, func(_ *sqlx.Tx, c *Case) (*string, *string, error) {
			c.Status, c.EscalatedAt, c.EscalatedBy = PlatformReview, &now, ptr("SYSTEM")
			return ptr(ReasonMerchantNoResponse), nil, nil
		}
	case DeadlineClose:
		a, apply = ActWithdraw, func(_ *sqlx.Tx, c *Case) (*string, *string, error) {
			c.Status = Closed
			return ptr("the buyer did not answer the rejection within 7 days"), nil, nil
		}
	case DeadlineWithdraw:
		a, apply = ActWithdraw, func(_ *sqlx.Tx, c *Case) (*string, *string, error) {
			c.Status = Withdrawn
			return ptr("the buyer did not ship the return within 7 days"), nil, nil
		}
	case DeadlineAutoReceive:
		a, apply = ActReceiveReturn, func(tx *sqlx.Tx, c *Case) (*string, *string, error) {
			_, note, err := receive(ctx, tx, pay, c, nil, now)
			return ptr("the store did not confirm the return in time"), note, err
		}
	case DeadlineConvertToRefund:
		a, apply = ActReship, func(tx *sqlx.Tx, c *Case) (*string, *string, error) {
			// An exchange or repair usually asked for no money: converted, it refunds the goods' value.
			value, err := linesValue(ctx, tx, *c)
			if err != nil {
				return nil, nil, err
			}
			c.ApprovedMinor = &value
			c.Status = Refunding
			return ptr(ReasonMerchantLateReship), nil, startRefund(ctx, tx, pay, c, "convert:"+c.ID.String(), now)
		}
	case DeadlineAutoComplete:
		a, apply = ActConfirmReship, func(_ *sqlx.Tx, c *Case) (*string, *string, error) {
			c.Status = CaseCompleted
			return ptr("the buyer did not confirm within 10 days"), nil, nil
		}
	case DeadlineRulingFinal:
		a, apply = ActDecideAppeal, func(tx *sqlx.Tx, c *Case) (*string, *string, error) {
			return ptr("no appeal within 7 days: the ruling is final"), nil, finalizeRuling(ctx, tx, pay, c, now)
		}
	default:
		return nil
	}
	_, err = systemTransition(ctx, s, k, a, now, apply)
	return err
}

// Reasons the system writes on events when a party missed its deadline (violations read them).
const (
	ReasonMerchantNoResponse = "MERCHANT_NO_RESPONSE"
	ReasonMerchantLateReship = "MERCHANT_LATE_RESHIP"
)

// linesValue is what the case's lines were paid (unit price × quantity), capped at what is still refundable
// on the order.
func linesValue(ctx context.Context, tx *sqlx.Tx, c Case) (int64, error) {
	var v int64
	err := tx.GetContext(ctx, &v, `select least(
			coalesce((select sum(oi.unit_price_minor * ci.quantity) from case_items ci
				join order_items oi on oi.tenant_id = ci.tenant_id and oi.id = ci.order_item_id
				where ci.tenant_id = $1 and ci.case_id = $2), 0),
			(select refundable_minor from orders where tenant_id = $1 and id = $3))`, c.StoreID, c.ID, c.OrderID)
	return v, err
}
