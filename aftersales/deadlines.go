package aftersales

import (
	"context"
	"time"

	"tradeguard/scheduler"
	"tradeguard/tenants"
)

// DeadlineAction is what happens when a case's current deadline passes.
type DeadlineAction string

const (
	DeadlineAutoApprove     DeadlineAction = "AUTO_APPROVE"      // the store did not answer: approved (+1 general violation point)
	DeadlineToPlatform      DeadlineAction = "TO_PLATFORM"       // the store did not answer a complaint: the platform takes it
	DeadlinePlatformAnswers DeadlineAction = "PLATFORM_ANSWERS"  // the platform's own time to handle a complaint
	DeadlineClose           DeadlineAction = "CLOSE"             // the buyer did not answer the rejection: closed
	DeadlineWithdraw        DeadlineAction = "WITHDRAW"          // the buyer did not ship the return: withdrawn
	DeadlineAutoReceive     DeadlineAction = "AUTO_RECEIVE"      // the store did not confirm the return: taken as received (refund)
	DeadlineConvertToRefund DeadlineAction = "CONVERT_TO_REFUND" // the store did not reship or repair in time: refunded (+2 points)
	DeadlineAutoComplete    DeadlineAction = "AUTO_COMPLETE"     // the buyer did not confirm the reshipment: completed
	DeadlineEvidenceCloses  DeadlineAction = "EVIDENCE_CLOSES"   // both sides' evidence windows end; an admin rules on what is there
	DeadlineRulingFinal     DeadlineAction = "RULING_FINAL"      // no appeal: the ruling becomes final and is carried out
)

// Acts reports whether the scheduler does something at the deadline (the others are the platform's own
// service times, shown so people know them).
func (a DeadlineAction) Acts() bool {
	return a != DeadlinePlatformAnswers && a != DeadlineEvidenceCloses
}

// KindCaseDeadline is the scheduler kind of a case's current deadline: one row per case, moved by every
// transition to whatever Deadline says.
const KindCaseDeadline = "case.deadline"

// Deadline is the case's current deadline at now and what happens when it passes; ok is false when nothing
// is awaited.
func Deadline(c Case, now time.Time) (at time.Time, action DeadlineAction, ok bool) {
	switch c.Status {
	case Requested:
		if c.Type == Complaint {
			return c.RespondBy, DeadlineToPlatform, true
		}
		return c.RespondBy, DeadlineAutoApprove, true
	case PlatformReview:
		if c.PriorityEscalatedAt != nil {
			return c.PriorityEscalatedAt.Add(PriorityPlatformWithin), DeadlinePlatformAnswers, true
		}
		if c.EscalatedAt != nil {
			return c.EscalatedAt.Add(PlatformHandlesComplaint), DeadlinePlatformAnswers, true
		}
	case Rejected:
		if c.RejectedAt != nil {
			return c.RejectedAt.Add(BuyerAnswersRejection), DeadlineClose, true
		}
	case AwaitingReturn:
		if c.ApprovedAt != nil {
			return c.ApprovedAt.Add(BuyerShipsReturnWithin), DeadlineWithdraw, true
		}
	case ReturnShipped:
		if c.ReturnDeliveredAt != nil {
			return c.ReturnDeliveredAt.Add(ConfirmReturnAfterArrival), DeadlineAutoReceive, true
		}
		if c.ReturnShippedAt != nil {
			return c.ReturnShippedAt.Add(ConfirmUntrackedReturn), DeadlineAutoReceive, true
		}
	case AwaitingReship:
		if c.ReturnReceivedAt != nil {
			if c.Type == WarrantyRepair {
				return c.ReturnReceivedAt.Add(FinishRepairWithin), DeadlineConvertToRefund, true
			}
			return c.ReturnReceivedAt.Add(ReshipExchangeWithin), DeadlineConvertToRefund, true
		}
	case Reshipped:
		if c.ReshippedAt != nil {
			return c.ReshippedAt.Add(BuyerConfirmsReship), DeadlineAutoComplete, true
		}
	case InArbitration:
		switch {
		case c.Ruling == nil && c.BuyerEvidenceDue != nil && c.MerchantEvidenceDue != nil:
			last := *c.BuyerEvidenceDue
			if c.MerchantEvidenceDue.After(last) {
				last = *c.MerchantEvidenceDue
			}
			return last, DeadlineEvidenceCloses, true
		case c.Ruling != nil && c.AppealedAt == nil && c.RuledAt != nil:
			return c.RuledAt.Add(AppealWindow), DeadlineRulingFinal, true
		}
	}
	return time.Time{}, "", false
}

// ensureDeadline moves the case's scheduler row to its current deadline, or cancels it when nothing the
// scheduler should do is awaited.
func ensureDeadline(ctx context.Context, s *tenants.Session, c Case, now time.Time) error {
	at, action, ok := Deadline(c, now)
	if !ok || !action.Acts() {
		return scheduler.Cancel(ctx, s, &c.StoreID, KindCaseDeadline, c.ID, now)
	}
	return scheduler.Schedule(ctx, s, scheduler.Deadline{TenantID: &c.StoreID, BuyerID: &c.BuyerID, Kind: KindCaseDeadline,
		SubjectID: c.ID, DueAt: at}, now)
}

// respondWindow is how long the store has to answer a new (or revised) case.
func respondWindow(t Type, orderShipped bool) time.Duration {
	switch {
	case t == OrderCancel:
		return CancelAnswerWithin
	case t == Complaint:
		return ComplaintAnswerWithin
	case orderShipped:
		return AnswerAfterShipment
	}
	return AnswerBeforeShipment
}
