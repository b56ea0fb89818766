package orders

import (
	"fmt"
	"time"

	"tradeguard/internal/words"
	"tradeguard/tenants"
)

// Action is something a caller can do to an order.
type Action string

const (
	ActionPay            Action = "PAY"
	ActionCancel         Action = "CANCEL"
	ActionShip           Action = "SHIP"
	ActionMarkDelivered  Action = "MARK_DELIVERED"
	ActionConfirmReceipt Action = "CONFIRM_RECEIPT"
	// ActionComplete is the system completing a delivered order the buyer did not confirm.
	ActionComplete Action = "COMPLETE"
)

// Actions lists every action, in the order availableActions shows them.
var Actions = []Action{ActionPay, ActionShip, ActionMarkDelivered, ActionConfirmReceipt, ActionCancel}

// Platform timings (DESIGN §3.1).
const (
	PaymentWindow    = 30 * time.Minute
	ShipWithin       = 48 * time.Hour
	ShipGrace        = 72 * time.Hour // after ship-by, the system cancels
	AutoCompleteWait = 10 * 24 * time.Hour
	RetentionYears   = 3
)

// who may do what, by role; states are checked separately (canInState).
var allowedRoles = map[Action][]tenants.Role{
	ActionPay:            {tenants.RoleBuyer},
	ActionConfirmReceipt: {tenants.RoleBuyer},
	ActionShip:           {tenants.RoleMerchant},
	ActionMarkDelivered:  {tenants.RoleMerchant, tenants.RoleAdmin, tenants.RoleSystem},
	ActionCancel:         {tenants.RoleBuyer, tenants.RoleMerchant, tenants.RoleAdmin, tenants.RoleSystem},
	ActionComplete:       {tenants.RoleSystem},
}

// writeScope is what a partner token needs for merchant actions.
const writeScope = tenants.ScopeOrdersWrite

// Can says whether p may take action a on order o at now: nil, tenants.ErrForbidden (the role may never do
// it), or a RuleError naming the rule the order's state breaks. Row-level security has already decided
// that p can see o at all.
func Can(p tenants.Principal, o Order, a Action, now time.Time) error {
	if !p.Is(allowedRoles[a]...) || !p.Allows(writeScope) {
		return tenants.ErrForbidden
	}
	return canInState(p, o, a, now)
}

func canInState(p tenants.Principal, o Order, a Action, now time.Time) error {
	need := func(states ...Status) error {
		for _, s := range states {
			if o.Status == s {
				return nil
			}
		}
		return tenants.Refuse("INVALID_STATE", fmt.Sprintf("order %s is %s; %s needs it to be %s", o.Number, o.Status, a, words.Or(states)))
	}
	switch a {
	case ActionPay:
		if err := need(PendingPayment); err != nil {
			return err
		}
		if closes := o.CreatedAt.Add(PaymentWindow); !now.Before(closes) {
			return tenants.Refuse("PAYMENT_WINDOW_CLOSED", fmt.Sprintf("order %s had to be paid within %v, by %s", o.Number, PaymentWindow, closes.Format(time.RFC3339)))
		}
		return nil
	case ActionShip:
		return need(Paid)
	case ActionMarkDelivered:
		return need(Shipped)
	case ActionConfirmReceipt, ActionComplete:
		return need(Delivered)
	case ActionCancel:
		if p.Is(tenants.RoleBuyer) {
			if o.Status == Paid {
				return tenants.Refuse("USE_CANCEL_REQUEST", fmt.Sprintf("order %s is paid: ask the store to cancel it with an after-sales cancel request", o.Number))
			}
			return need(PendingPayment)
		}
		return need(PendingPayment, Paid)
	}
	return tenants.ErrForbidden
}

// Available lists the actions p may take on o now.
func Available(p tenants.Principal, o Order, now time.Time) []Action {
	out := []Action{}
	for _, a := range Actions {
		if Can(p, o, a, now) == nil {
			out = append(out, a)
		}
	}
	return out
}

// DeadlineAction is what happens when an order's current deadline passes.
type DeadlineAction string

const (
	DeadlineCancelUnpaid    DeadlineAction = "CANCEL_UNPAID"    // the system cancels the unpaid order
	DeadlineMarkLate        DeadlineAction = "MARK_LATE"        // shipping after this counts as late
	DeadlineCancelUnshipped DeadlineAction = "CANCEL_UNSHIPPED" // the system cancels and refunds; counts against the merchant
	DeadlineAutoComplete    DeadlineAction = "AUTO_COMPLETE"    // the order completes without the buyer's confirmation
)

// Deadline is the order's next deadline at now and what happens when it passes; ok is false when nothing
// is awaited (shipped in transit, completed, cancelled).
func Deadline(o Order, now time.Time) (at time.Time, action DeadlineAction, ok bool) {
	switch o.Status {
	case PendingPayment:
		return o.CreatedAt.Add(PaymentWindow), DeadlineCancelUnpaid, true
	case Paid:
		if o.ShipBy == nil {
			return time.Time{}, "", false
		}
		if now.Before(*o.ShipBy) {
			return *o.ShipBy, DeadlineMarkLate, true
		}
		return o.ShipBy.Add(ShipGrace), DeadlineCancelUnshipped, true
	case Delivered:
		if o.DeliveredAt == nil {
			return time.Time{}, "", false
		}
		return o.DeliveredAt.Add(AutoCompleteWait), DeadlineAutoComplete, true
	}
	return time.Time{}, "", false
}
