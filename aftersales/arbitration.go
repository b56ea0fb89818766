package aftersales

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"tradeguard/payments"
	"tradeguard/tenants"
)

// Arbitration (DESIGN §3.2): an admin rules an escalated case for the buyer (a full or partial refund) or for
// the merchant and records who was liable; the losing side may appeal once within 7 days, and a different
// admin decides the appeal. The ruling is held on the case (IN_ARBITRATION with Ruling set) until it is
// final — when the appeal window closes (the RULING_FINAL deadline) or when the appeal is decided — and only
// then carried out by finalizeRuling.

// Rulings and liabilities as stored.
const (
	RulingForBuyer    = "FOR_BUYER"
	RulingForMerchant = "FOR_MERCHANT"

	LiabilityMerchant = "MERCHANT"
	LiabilityBuyer    = "BUYER"
	LiabilityCarrier  = "CARRIER"
	LiabilityPlatform = "PLATFORM"

	AppealUpheld     = "UPHELD"
	AppealOverturned = "OVERTURNED"
)

// Liabilities lists who a ruling may hold liable.
var Liabilities = []string{LiabilityMerchant, LiabilityBuyer, LiabilityCarrier, LiabilityPlatform}

// MaxNoteLength bounds the free texts of arbitration and complaints (ruling notes, appeal reasons, decisions).
const MaxNoteLength = 2000

// Ruling is an admin's decision on an arbitration.
type Ruling struct {
	ForBuyer bool
	// AmountMinor is the refund of a ruling for the buyer: by default what the buyer asked; it must be more
	// than 0, at most what was asked and at most what the order can still refund. Not given for the merchant.
	AmountMinor *int64
	// Liability is who was liable: MERCHANT, BUYER, CARRIER or PLATFORM.
	Liability string
	// Note is the ruling's reasons (1 to 2000 characters); both sides see it.
	Note string
}

// Rule records an admin's ruling on a case in arbitration. An admin may rule at any time: the evidence
// windows are the parties' time (their deadline only signals that the case is ready). The case stays
// IN_ARBITRATION while the losing side may appeal (7 days, the RULING_FINAL deadline); the ruling is carried
// out when it becomes final.
func Rule(ctx context.Context, s *tenants.Session, pay payments.Adapter, k Key, in Ruling, expectedVersion *int, now time.Time) (Case, error) {
	_ = pay // the ruling moves no money until it is final (finalizeRuling, from the deadline or the appeal)
	liability := strings.ToUpper(strings.TrimSpace(in.Liability))
	if !slices.Contains(Liabilities, liability) {
		return Case{}, tenants.Refuse("INVALID_LIABILITY", fmt.Sprintf("say who was liable: one of %s", strings.Join(Liabilities, ", ")), "input", "liability")
	}
	note, err := requiredText(in.Note, "NOTE_REQUIRED", "give the ruling's reasons (1 to 2000 characters); both sides see them", "note")
	if err != nil {
		return Case{}, err
	}
	if !in.ForBuyer && in.AmountMinor != nil {
		return Case{}, tenants.Refuse("INVALID_AMOUNT", "a ruling for the merchant refunds nothing; give an amount only when ruling for the buyer", "input", "amount")
	}
	if err := notPositive(in.AmountMinor, "a ruling for the buyer refunds more than 0 (rule for the merchant to refund nothing)"); err != nil {
		return Case{}, err
	}
	admin := s.Principal().UserID
	return transition(ctx, s, k, ActRule, expectedVersion, now, func(tx *sqlx.Tx, c *Case) (*string, *string, error) {
		if admin == uuid.Nil {
			return nil, nil, tenants.ErrForbidden // a ruling names the admin who made it
		}
		ruling := RulingForMerchant
		c.ApprovedMinor = nil
		if in.ForBuyer {
			ruling = RulingForBuyer
			limit, err := refundLimit(ctx, tx, c)
			if err != nil {
				return nil, nil, err
			}
			amount := c.RequestedMinor
			if in.AmountMinor != nil {
				amount = *in.AmountMinor
			}
			if amount <= 0 || amount > c.RequestedMinor || amount > limit {
				return nil, nil, tenants.Refuse("INVALID_AMOUNT", fmt.Sprintf("a ruling for the buyer refunds more than 0 and at most the %s asked and the %s the order can still refund",
					c.Requested(), moneyOf(*c, limit)), "input", "amount")
			}
			c.ApprovedMinor = &amount
		}
		c.Ruling, c.Liability, c.RuledAt, c.RuledBy, c.RulingNote = &ruling, &liability, &now, &admin, &note
		return ptr(ruling + ", liable: " + liability), &note, nil
	})
}

// Appeal is the losing side's one appeal of a ruling, within 7 days of it. The ruling then waits for a
// different admin's decision (DecideAppeal) instead of becoming final.
func Appeal(ctx context.Context, s *tenants.Session, k Key, reason string, expectedVersion *int, now time.Time) (Case, error) {
	reason, err := requiredText(reason, "REASON_REQUIRED", "say why the ruling is wrong (1 to 2000 characters)", "reason")
	if err != nil {
		return Case{}, err
	}
	return transition(ctx, s, k, ActAppeal, expectedVersion, now, func(_ *sqlx.Tx, c *Case) (*string, *string, error) {
		by := string(s.Principal().Role) // BUYER or MERCHANT: Can lets only the losing side appeal
		c.AppealBy, c.AppealedAt, c.AppealReason = &by, &now, &reason
		return &reason, nil, nil
	})
}

// DecideAppeal is a different admin's decision on an appeal: uphold keeps the ruling, otherwise it is
// overturned (for the buyer ↔ for the merchant; overturned for the buyer refunds what was asked, at most what
// the order can still refund — see finalizeRuling). Either way the ruling is then final and carried out. The
// note (1 to 2000 characters) gives the decision's reasons; it is kept on the case's timeline (the DECIDE_APPEAL
// event), as the appeal has no column for it.
func DecideAppeal(ctx context.Context, s *tenants.Session, pay payments.Adapter, k Key, uphold bool, note string, idempotencyKey string, expectedVersion *int, now time.Time) (Case, error) {
	if err := needKey(idempotencyKey); err != nil {
		return Case{}, err
	}
	note, err := requiredText(note, "NOTE_REQUIRED", "give the decision's reasons (1 to 2000 characters); both sides see them", "note")
	if err != nil {
		return Case{}, err
	}
	admin := s.Principal().UserID
	input := map[string]any{"uphold": uphold, "note": note}
	return transitionOnce(ctx, s, k, ActDecideAppeal, idempotencyKey, input, expectedVersion, now, func(tx *sqlx.Tx, c *Case) (*string, *string, error) {
		if admin == uuid.Nil {
			return nil, nil, tenants.ErrForbidden
		}
		outcome := AppealUpheld
		if !uphold {
			outcome = AppealOverturned
			switch deref(c.Ruling) {
			case RulingForBuyer:
				c.Ruling, c.ApprovedMinor = ptr(RulingForMerchant), nil
			case RulingForMerchant:
				c.Ruling, c.ApprovedMinor = ptr(RulingForBuyer), ptr(c.RequestedMinor)
			}
		}
		c.AppealDecidedAt, c.AppealDecidedBy, c.AppealOutcome = &now, &admin, &outcome
		ruled := deref(c.ApprovedMinor)
		if err := finalizeRuling(ctx, tx, pay, c, now); err != nil {
			return nil, nil, err
		}
		if c.ApprovedMinor != nil && *c.ApprovedMinor < ruled {
			note += fmt.Sprintf(" (refund limited to the %s the order could still refund)", moneyOf(*c, *c.ApprovedMinor))
		}
		return ptr(outcome + ": " + deref(c.Ruling)), &note, nil
	})
}

// finalizeRuling carries out a final ruling, inside the transition that made it final: for the buyer, the
// ruled amount is refunded; for the merchant, the case closes. The ruled amount fitted the order's refundable
// balance when it was ruled; if another case of the order refunded in the days since, it is lowered to what
// the order can still refund (money never leaves beyond what was paid, and a final ruling must not get stuck).
func finalizeRuling(ctx context.Context, tx *sqlx.Tx, pay payments.Adapter, c *Case, now time.Time) error {
	switch deref(c.Ruling) {
	case RulingForBuyer:
		if c.ApprovedMinor == nil { // every ruling for the buyer sets it; a ruling written some other way refunds what was asked
			c.ApprovedMinor = ptr(c.RequestedMinor)
		}
		limit, err := refundLimit(ctx, tx, c)
		if err != nil {
			return err
		}
		if *c.ApprovedMinor > limit {
			c.ApprovedMinor = ptr(max(limit, c.RefundedMinor))
		}
		c.Status = Refunding
		return startRefund(ctx, tx, pay, c, "ruling:"+c.ID.String(), now)
	case RulingForMerchant:
		c.Status = ClosedForMerchant
		return nil
	}
	return fmt.Errorf("aftersales: case %s has no ruling to carry out", c.Number)
}

// MaxQueuePage bounds a platform queue page.
const MaxQueuePage = 200

// ArbitrationQueue is the platform's arbitration queue across stores: cases IN_ARBITRATION, soonest deadline
// first. Admins only.
func ArbitrationQueue(ctx context.Context, s *tenants.Session, after *Cursor, limit int) ([]Case, bool, error) {
	return platformQueue(ctx, s, InArbitration, after, limit)
}

// platformQueue is List limited to admins and one status (the index cases_platform_queue serves it).
func platformQueue(ctx context.Context, s *tenants.Session, status Status, after *Cursor, limit int) ([]Case, bool, error) {
	if !s.Principal().Is(tenants.RoleAdmin) {
		return nil, false, tenants.ErrForbidden
	}
	return List(ctx, s, Filter{Statuses: []Status{status}}, after, min(max(limit, 1), MaxQueuePage), time.Time{})
}

// refundLimit is the most this case may refund in all: what it already refunded plus what its order can
// still refund (paid − refunded, kept by the database).
func refundLimit(ctx context.Context, tx *sqlx.Tx, c *Case) (int64, error) {
	var refundable int64
	err := tx.GetContext(ctx, &refundable, `select refundable_minor from orders where tenant_id = $1 and id = $2`, c.StoreID, c.OrderID)
	return c.RefundedMinor + refundable, err
}

// requiredText trims a free text and refuses it (code, on input field) when empty or longer than
// MaxNoteLength characters.
func requiredText(text, code, message, field string) (string, error) {
	text = strings.TrimSpace(text)
	if n := utf8.RuneCountInString(text); n == 0 || n > MaxNoteLength {
		return "", tenants.Refuse(code, message, "input", field)
	}
	return text, nil
}
