package aftersales

import (
	"fmt"
	"slices"
	"time"

	"tradeguard/internal/words"
	"tradeguard/tenants"
)

// Action is something a caller can do to a case.
type Action string

const (
	ActApprove             Action = "APPROVE"               // merchant answers yes (optionally a partial amount)
	ActReject              Action = "REJECT"                // merchant answers no, with a reason (and evidence)
	ActRevise              Action = "REVISE"                // buyer revises a rejected request (at most 3 times)
	ActWithdraw            Action = "WITHDRAW"              // buyer gives up
	ActEscalate            Action = "ESCALATE"              // either side asks the platform to arbitrate
	ActShipReturn          Action = "SHIP_RETURN"           // buyer sends the goods back
	ActMarkReturnDelivered Action = "MARK_RETURN_DELIVERED" // the carrier delivered the return to the merchant
	ActReceiveReturn       Action = "RECEIVE_RETURN"        // merchant confirms the return (and any missing gift)
	ActReship              Action = "RESHIP"                // merchant sends the replacement or repaired goods
	ActConfirmReship       Action = "CONFIRM_RESHIP"        // buyer confirms receipt of the reshipment
	ActRetryRefund         Action = "RETRY_REFUND"          // try a failed refund again
	ActResolveComplaint    Action = "RESOLVE_COMPLAINT"     // merchant (or, in platform review, an admin) decides a complaint
	ActPriorityEscalate    Action = "PRIORITY_ESCALATE"     // buyer's one priority escalation of a complaint
	ActRule                Action = "RULE"                  // admin rules an arbitration
	ActAppeal              Action = "APPEAL"                // the losing side appeals a ruling (once, within 7 days)
	ActDecideAppeal        Action = "DECIDE_APPEAL"         // a different admin decides the appeal
)

// Actions lists every action in the order availableActions shows them.
var Actions = []Action{ActApprove, ActReject, ActResolveComplaint, ActShipReturn, ActMarkReturnDelivered, ActReceiveReturn,
	ActReship, ActConfirmReship, ActRevise, ActEscalate, ActPriorityEscalate, ActRule, ActAppeal, ActDecideAppeal,
	ActRetryRefund, ActWithdraw}

// Platform timings (DESIGN §3.2; every one is a default).
const (
	CancelAnswerWithin        = 24 * time.Hour
	AnswerBeforeShipment      = 48 * time.Hour
	AnswerAfterShipment       = 5 * 24 * time.Hour
	BuyerAnswersRejection     = 7 * 24 * time.Hour
	BuyerShipsReturnWithin    = 7 * 24 * time.Hour
	ConfirmReturnAfterArrival = 7 * 24 * time.Hour
	ConfirmUntrackedReturn    = 10 * 24 * time.Hour
	ReshipExchangeWithin      = 48 * time.Hour
	FinishRepairWithin        = 15 * 24 * time.Hour
	BuyerConfirmsReship       = 10 * 24 * time.Hour
	EvidenceWindow            = 72 * time.Hour
	AppealWindow              = 7 * 24 * time.Hour
	ComplaintAnswerWithin     = 48 * time.Hour
	PlatformHandlesComplaint  = 24 * time.Hour
	PriorityPlatformWithin    = 4 * time.Hour
	EscalateAfterWaiting      = 48 * time.Hour
	MaxRevisions              = 3
)

// who may take each action, by role (states and sides are checked in canInState).
var allowedRoles = map[Action][]tenants.Role{
	ActApprove:             {tenants.RoleMerchant},
	ActReject:              {tenants.RoleMerchant},
	ActRevise:              {tenants.RoleBuyer},
	ActWithdraw:            {tenants.RoleBuyer},
	ActEscalate:            {tenants.RoleBuyer, tenants.RoleMerchant},
	ActShipReturn:          {tenants.RoleBuyer},
	ActMarkReturnDelivered: {tenants.RoleMerchant, tenants.RoleAdmin, tenants.RoleSystem},
	ActReceiveReturn:       {tenants.RoleMerchant, tenants.RoleSystem},
	ActReship:              {tenants.RoleMerchant},
	ActConfirmReship:       {tenants.RoleBuyer, tenants.RoleSystem},
	ActRetryRefund:         {tenants.RoleMerchant, tenants.RoleAdmin, tenants.RoleSystem},
	ActResolveComplaint:    {tenants.RoleMerchant, tenants.RoleAdmin},
	ActPriorityEscalate:    {tenants.RoleBuyer},
	ActRule:                {tenants.RoleAdmin},
	ActAppeal:              {tenants.RoleBuyer, tenants.RoleMerchant},
	ActDecideAppeal:        {tenants.RoleAdmin},
}

// Can says whether p may take action a on case c at now: nil, tenants.ErrForbidden (the role may never do it),
// or a RuleError naming the rule. Row-level security has already decided that p can see c.
func Can(p tenants.Principal, c Case, a Action, now time.Time) error {
	// The system acts on deadlines: any action, as long as the case's state allows it.
	if !p.Is(tenants.RoleSystem) && !p.Is(allowedRoles[a]...) {
		return tenants.ErrForbidden
	}
	if p.Is(tenants.RoleMerchant) && !p.Allows(tenants.ScopeCasesWrite) {
		return tenants.ErrForbidden
	}
	return canInState(p, c, a, now)
}

func canInState(p tenants.Principal, c Case, a Action, now time.Time) error {
	need := func(states ...Status) error {
		if slices.Contains(states, c.Status) {
			return nil
		}
		return tenants.Refuse("INVALID_STATE", fmt.Sprintf("case %s is %s; %s needs it to be %s", c.Number, c.Status, a, words.Or(states)))
	}
	complaint := c.Type == Complaint
	notFor := func(what string) error {
		return tenants.Refuse("NOT_FOR_THIS_TYPE", fmt.Sprintf("case %s is a %s: %s", c.Number, c.Type, what))
	}
	switch a {
	case ActApprove, ActReject:
		if complaint {
			return notFor("a complaint is answered with RESOLVE_COMPLAINT")
		}
		return need(Requested)
	case ActResolveComplaint:
		if !complaint {
			return notFor("only complaints are resolved this way")
		}
		if p.Is(tenants.RoleAdmin) {
			return need(PlatformReview)
		}
		return need(Requested)
	case ActRevise:
		if err := need(Rejected); err != nil {
			return err
		}
		if c.Revisions >= MaxRevisions {
			return tenants.Refuse("TOO_MANY_REVISIONS", fmt.Sprintf("case %s was already revised %d times, the most allowed; escalate it or withdraw it", c.Number, MaxRevisions))
		}
		return nil
	case ActWithdraw:
		return need(Requested, Rejected, AwaitingReturn, PlatformReview, InArbitration)
	case ActEscalate:
		if complaint {
			if p.Is(tenants.RoleMerchant) {
				return tenants.ErrForbidden
			}
			return need(Rejected)
		}
		if c.Status == Rejected {
			if p.Is(tenants.RoleMerchant) {
				return tenants.Refuse("INVALID_STATE", fmt.Sprintf("case %s was rejected by the store; only the buyer escalates it", c.Number))
			}
			return nil
		}
		if err := need(Requested, Rejected); err != nil {
			return err
		}
		if from := c.CreatedAt.Add(EscalateAfterWaiting); now.Before(from) {
			return tenants.Refuse("TOO_EARLY_TO_ESCALATE", fmt.Sprintf("case %s can be escalated after a rejection, or from %s if there is no agreement by then", c.Number, from.UTC().Format(time.RFC3339)))
		}
		return nil
	case ActPriorityEscalate:
		if !complaint {
			return notFor("only complaints have a priority escalation")
		}
		if c.PriorityEscalatedAt != nil {
			return tenants.Refuse("ALREADY_PRIORITY_ESCALATED", fmt.Sprintf("complaint %s was already escalated with priority at %s; that can be done once", c.Number, c.PriorityEscalatedAt.UTC().Format(time.RFC3339)))
		}
		return need(Requested, Rejected, PlatformReview)
	case ActShipReturn:
		return need(AwaitingReturn)
	case ActMarkReturnDelivered:
		if err := need(ReturnShipped); err != nil {
			return err
		}
		if c.ReturnDeliveredAt != nil {
			return tenants.Refuse("ALREADY_DELIVERED", fmt.Sprintf("the return of case %s was already delivered", c.Number))
		}
		return nil
	case ActReceiveReturn:
		return need(ReturnShipped)
	case ActReship:
		return need(AwaitingReship)
	case ActConfirmReship:
		return need(Reshipped)
	case ActRetryRefund:
		return need(RefundFailed)
	case ActRule:
		if err := need(InArbitration); err != nil {
			return err
		}
		if c.Ruling != nil {
			return tenants.Refuse("ALREADY_RULED", fmt.Sprintf("case %s was already ruled; the losing side may appeal", c.Number))
		}
		return nil
	case ActAppeal:
		if err := need(InArbitration); err != nil {
			return err
		}
		if c.Ruling == nil || c.RuledAt == nil {
			return tenants.Refuse("NOT_RULED_YET", fmt.Sprintf("case %s has no ruling to appeal yet", c.Number))
		}
		if c.AppealedAt != nil {
			return tenants.Refuse("ALREADY_APPEALED", fmt.Sprintf("the ruling of case %s was already appealed; a ruling is appealed once", c.Number))
		}
		if closes := c.RuledAt.Add(AppealWindow); !now.Before(closes) {
			return tenants.Refuse("APPEAL_WINDOW_CLOSED", fmt.Sprintf("the ruling of case %s could be appealed until %s", c.Number, closes.UTC().Format(time.RFC3339)))
		}
		if lost := losingSide(c); lost != "" && string(p.Role) != lost {
			return tenants.Refuse("NOT_THE_LOSING_SIDE", fmt.Sprintf("case %s was ruled for the %s; only the other side may appeal", c.Number, winner(c)))
		}
		return nil
	case ActDecideAppeal:
		if err := need(InArbitration); err != nil {
			return err
		}
		if c.AppealedAt == nil || c.AppealDecidedAt != nil {
			return tenants.Refuse("NO_OPEN_APPEAL", fmt.Sprintf("case %s has no appeal waiting for a decision", c.Number))
		}
		if c.RuledBy != nil && *c.RuledBy == p.UserID {
			return tenants.Refuse("SAME_ADMIN", fmt.Sprintf("you ruled case %s; a different admin decides its appeal", c.Number))
		}
		return nil
	}
	return tenants.ErrForbidden
}

// losingSide is the role that lost the ruling ("" if not ruled).
func losingSide(c Case) string {
	switch deref(c.Ruling) {
	case "FOR_BUYER":
		return string(tenants.RoleMerchant)
	case "FOR_MERCHANT":
		return string(tenants.RoleBuyer)
	}
	return ""
}

func winner(c Case) string {
	if deref(c.Ruling) == "FOR_BUYER" {
		return "buyer"
	}
	return "merchant"
}

// Available lists the actions p may take on c now.
func Available(p tenants.Principal, c Case, now time.Time) []Action {
	out := []Action{}
	for _, a := range Actions {
		if Can(p, c, a, now) == nil {
			out = append(out, a)
		}
	}
	return out
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
