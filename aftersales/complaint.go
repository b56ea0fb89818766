package aftersales

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"tradeguard/payments"
	"tradeguard/tenants"
)

// Complaints (DESIGN §3.2): the store answers a complaint within 48 h; after that, or when the buyer asks
// (escalation after a rejection, or the one priority escalation), the platform handles it (24 h; 4 h with
// priority). The answer is one of the outcomes below; every outcome is recorded on the case
// (complaint_outcome), and a complaint is upheld — counted in the metrics — when the outcome is not REJECTED.

// Outcomes of a complaint.
const (
	ComplaintRefund          = "REFUND"           // money back (by default what the order can still refund)
	ComplaintExchange        = "EXCHANGE"         // the goods are exchanged (the return and reshipment follow)
	ComplaintPriceDifference = "PRICE_DIFFERENCE" // 补差价: a partial refund of the difference
	ComplaintRejected        = "REJECTED"         // not upheld, with the reason
)

// ComplaintOutcomes lists every outcome.
var ComplaintOutcomes = []string{ComplaintRefund, ComplaintExchange, ComplaintPriceDifference, ComplaintRejected}

// ComplaintUpheld reports whether an outcome upholds the complaint (what the metrics count).
func ComplaintUpheld(outcome string) bool {
	return outcome != "" && outcome != ComplaintRejected && slices.Contains(ComplaintOutcomes, outcome)
}

// Resolution is the answer to a complaint.
type Resolution struct {
	Outcome string
	// AmountMinor: for REFUND, by default what the order can still refund; for PRICE_DIFFERENCE, required.
	// Either way more than 0 and at most what the order can still refund. Not given for the other outcomes.
	AmountMinor *int64
	// Note: the reason of a rejection (required, the buyer sees it); optional for the other outcomes. At most
	// 2000 characters.
	Note string
}

// ResolveComplaint answers a complaint: the store's staff while it is REQUESTED, an admin while it is in
// PLATFORM_REVIEW. A refund or price difference is paid at once (REFUNDING, then REFUNDED or REFUND_FAILED);
// an exchange waits for the buyer to send the goods back (AWAITING_RETURN); a rejection may be escalated to
// the platform or closes after 7 days.
func ResolveComplaint(ctx context.Context, s *tenants.Session, pay payments.Adapter, k Key, in Resolution, idempotencyKey string, expectedVersion *int, now time.Time) (Case, error) {
	if err := needKey(idempotencyKey); err != nil {
		return Case{}, err
	}
	outcome := strings.ToUpper(strings.TrimSpace(in.Outcome))
	if !slices.Contains(ComplaintOutcomes, outcome) {
		return Case{}, tenants.Refuse("INVALID_OUTCOME", fmt.Sprintf("a complaint is resolved with one of %s", strings.Join(ComplaintOutcomes, ", ")), "input", "outcome")
	}
	note := strings.TrimSpace(in.Note)
	if n := utf8.RuneCountInString(note); n > MaxNoteLength || (outcome == ComplaintRejected && n == 0) {
		return Case{}, tenants.Refuse("NOTE_REQUIRED", "a rejection says why (1 to 2000 characters; the buyer sees it); other notes are at most 2000 characters", "input", "note")
	}
	switch {
	case outcome == ComplaintPriceDifference && in.AmountMinor == nil:
		return Case{}, tenants.Refuse("INVALID_AMOUNT", "a price-difference compensation needs the amount to pay back", "input", "amount")
	case (outcome == ComplaintExchange || outcome == ComplaintRejected) && in.AmountMinor != nil:
		return Case{}, tenants.Refuse("INVALID_AMOUNT", fmt.Sprintf("%s moves no money; give an amount only for REFUND or PRICE_DIFFERENCE", outcome), "input", "amount")
	}
	if err := notPositive(in.AmountMinor, "a refund or compensation is more than 0 (reject the complaint to pay nothing)"); err != nil {
		return Case{}, err
	}
	var notePtr *string
	if note != "" {
		notePtr = &note
	}
	input := map[string]any{"outcome": outcome, "amount": in.AmountMinor, "note": note}
	return transitionOnce(ctx, s, k, ActResolveComplaint, idempotencyKey, input, expectedVersion, now, func(tx *sqlx.Tx, c *Case) (*string, *string, error) {
		c.ComplaintOutcome = &outcome
		switch outcome {
		case ComplaintRefund, ComplaintPriceDifference:
			limit, err := refundLimit(ctx, tx, c)
			if err != nil {
				return nil, nil, err
			}
			amount := limit
			if in.AmountMinor != nil {
				amount = *in.AmountMinor
			}
			if amount <= 0 || amount > limit {
				return nil, nil, tenants.Refuse("INVALID_AMOUNT", fmt.Sprintf("the refund of complaint %s must be more than 0 and at most the %s its order can still refund",
					c.Number, moneyOf(*c, limit)), "input", "amount")
			}
			c.ApprovedMinor, c.ApprovedAt, c.Status = &amount, &now, Refunding
			if err := startRefund(ctx, tx, pay, c, "complaint:"+c.ID.String(), now); err != nil {
				return nil, nil, err
			}
		case ComplaintExchange:
			c.ApprovedAt, c.Status = &now, AwaitingReturn
		case ComplaintRejected:
			c.Status, c.RejectedAt, c.RejectionReason = Rejected, &now, &note
			if c.EscalatedAt != nil {
				// The platform's own rejection is the last word: nothing is left to escalate to.
				c.Status = Closed
			}
		}
		return &outcome, notePtr, nil
	})
}

// PriorityEscalate is the buyer's one priority escalation of a complaint: a complaint the store has not
// answered, or has rejected, goes to the platform at once; the platform then answers within 4 h (instead of
// 24 h). A complaint already in platform review only gets the shorter deadline.
func PriorityEscalate(ctx context.Context, s *tenants.Session, k Key, expectedVersion *int, now time.Time) (Case, error) {
	return transition(ctx, s, k, ActPriorityEscalate, expectedVersion, now, func(_ *sqlx.Tx, c *Case) (*string, *string, error) {
		c.PriorityEscalatedAt = &now
		if c.Status == Requested || c.Status == Rejected {
			c.Status, c.EscalatedAt, c.EscalatedBy = PlatformReview, &now, ptr(string(tenants.RoleBuyer))
		}
		return nil, ptr(fmt.Sprintf("priority: the platform answers by %s", now.Add(PriorityPlatformWithin).UTC().Format(time.RFC3339))), nil
	})
}

// ComplaintQueue is the platform's complaint queue across stores: complaints in PLATFORM_REVIEW, soonest
// deadline first (priority escalations have 4 h, the others 24 h). Admins only.
func ComplaintQueue(ctx context.Context, s *tenants.Session, after *Cursor, limit int) ([]Case, bool, error) {
	return platformQueue(ctx, s, PlatformReview, after, limit)
}
