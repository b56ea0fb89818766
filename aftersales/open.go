package aftersales

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"tradeguard/money"
	"tradeguard/orders"
	"tradeguard/tenants"
)

// OpenItem is one paid order line and how many of it the case is about. Gifts are never chosen: they ride
// on their paid line (and come back with it on a return).
type OpenItem struct {
	OrderItemID uuid.UUID
	Quantity    int
	Unopened    bool // the buyer declares the goods unopened (digital and hygiene goods stay returnable)
}

// OpenInput is a buyer's new after-sales case. Items are required except for ORDER_CANCEL (the whole order:
// every paid line) and COMPLAINT (optional). AmountMinor nil asks for the default (see Open).
type OpenInput struct {
	Order       orders.Key
	Type        Type
	Reason      Reason
	Items       []OpenItem
	AmountMinor *int64
	Description string
}

const (
	maxDescription = 2000
	maxCaseItems   = 300 // an order has at most 50 paid lines with 5 gifts each
)

// Open opens a case on one of the buyer's orders (BUYER only, else tenants.ErrForbidden; another buyer's
// order answers tenants.ErrNotFound). Refusals, in order:
//   - the input's shape, every problem at once (tenants.RuleErrors with field paths): INVALID_TYPE,
//     INVALID_REASON, REASON_NOT_ALLOWED, DESCRIPTION_TOO_LONG, ITEMS_REQUIRED, ITEMS_NOT_ALLOWED, TOO_MANY_ITEMS,
//     INVALID_QUANTITY, DUPLICATE_ITEM, UNKNOWN_ITEM, GIFT_NOT_SELECTABLE, NOT_RETURNABLE (naming the line and
//     how many remain), AMOUNT_NOT_POSITIVE, INVALID_AMOUNT (naming the maximum), NOTHING_TO_REFUND;
//   - CASE_ALREADY_OPEN: the order already has an open case of this type (naming its number);
//   - CheckEligibility's refusals (windows, legal exclusions, warranty, order state).
//
// The amount asked defaults to: ORDER_CANCEL the order's refundable balance; REFUND_ONLY and RETURN_REFUND the
// chosen lines' price × quantity (a missing gift is deducted when the store receives the return), at most the
// refundable balance; EXCHANGE, WARRANTY_REPAIR and COMPLAINT 0. A given amount must be more than 0
// (AMOUNT_NOT_POSITIVE) and at most that maximum (for EXCHANGE and WARRANTY_REPAIR the chosen lines' value,
// what a conversion to a refund would pay; for COMPLAINT the chosen lines' value, or the refundable balance
// without lines), and never above the order's refundable balance.
func Open(ctx context.Context, s *tenants.Session, in OpenInput, now time.Time) (Case, error) {
	p := s.Principal()
	if !p.Is(tenants.RoleBuyer) || !p.Allows(tenants.ScopeCasesWrite) {
		return Case{}, tenants.ErrForbidden
	}
	in.Description = strings.TrimSpace(in.Description)
	errs := validateOpen(in)
	var c Case
	err := s.Do(ctx, func(tx *sqlx.Tx) error {
		o, err := lockBuyerOrder(ctx, tx, p, in.Order)
		if err != nil {
			return err
		}
		lines, err := orderLines(ctx, tx, o)
		if err != nil {
			return err
		}
		claimed, err := claimedQuantities(ctx, tx, o)
		if err != nil {
			return err
		}
		chosen, itemErrs := chooseLines(in, o, lines, claimed)
		errs = append(errs, itemErrs...)
		var requested int64
		if typeKnown(in.Type) == nil && !aboutItems(errs) { // the maximum depends on the lines
			var amountErr *tenants.RuleError
			requested, amountErr = amountAsked(in, o, chosen)
			if amountErr != nil {
				errs = append(errs, amountErr)
			}
		}
		if err := errs.Err(); err != nil {
			return err
		}
		if err := noOpenCaseOfType(ctx, tx, o, in.Type); err != nil {
			return err
		}
		tz, err := storeTimeZone(ctx, tx, o.StoreID)
		if err != nil {
			return err
		}
		elig := EligibilityInput{Type: in.Type, Reason: in.Reason, OrderStatus: string(o.Status), PaidAt: o.PaidAt,
			ShippedAt: o.ShippedAt, DeliveredAt: o.DeliveredAt, CompletedAt: o.CompletedAt, StoreTZ: tz, Now: now}
		for _, ch := range chosen {
			elig.Items = append(elig.Items, EligibilityItem{OrderItemID: ch.line.ID, Title: ch.line.Title,
				Category: ch.line.Category, NoReasonExcluded: ch.line.NoReasonExcluded, WarrantyDays: ch.line.WarrantyDays,
				Unopened: ch.unopened, Gift: ch.line.GiftOf != nil})
		}
		if err := CheckEligibility(elig); err != nil {
			return err
		}

		c = Case{StoreID: o.StoreID, ID: uuid.New(), OrderID: o.ID, BuyerID: o.BuyerID, Type: in.Type, Status: Requested,
			Reason: in.Reason, ReasonCategory: Categories[in.Reason], Description: in.Description, Currency: o.Currency,
			RequestedMinor: requested, RespondBy: now.Add(respondWindow(in.Type, o.ShippedAt != nil)),
			CreatedAt: now, UpdatedAt: now, Version: 1}
		if at, action, ok := Deadline(c, now); ok {
			c.DeadlineAt, c.DeadlineAction = &at, ptr(string(action))
		}
		var seq int64
		if err := tx.GetContext(ctx, &seq, `select nextval('case_number_seq')`); err != nil {
			return err
		}
		c.Number = fmt.Sprintf("AS-%06d", seq)
		if _, err := tx.NamedExecContext(ctx, `insert into cases (tenant_id, id, number, order_id, buyer_id, type, status,
				reason, reason_category, description, currency, requested_minor, refunded_minor, revisions, respond_by,
				deadline_at, deadline_action, created_at, updated_at, version)
			values (:tenant_id, :id, :number, :order_id, :buyer_id, :type, :status, :reason, :reason_category,
				:description, :currency, :requested_minor, 0, 0, :respond_by, :deadline_at, :deadline_action,
				:created_at, :updated_at, 1)`, c); err != nil {
			return err
		}
		for _, ch := range chosen {
			if _, err := tx.ExecContext(ctx, `insert into case_items (tenant_id, case_id, order_item_id, buyer_id, quantity)
				values ($1, $2, $3, $4, $5)`, c.StoreID, c.ID, ch.line.ID, c.BuyerID, ch.quantity); err != nil {
				return err
			}
		}
		return appendEvent(ctx, tx, p, c, "OPEN", nil, nil, nil, now)
	})
	if err != nil {
		return Case{}, err
	}
	return c, ensureDeadline(ctx, s, c, now)
}

// validateOpen checks what can be checked without the order, every problem at once.
func validateOpen(in OpenInput) tenants.RuleErrors {
	var errs tenants.RuleErrors
	typeErr := typeKnown(in.Type)
	if typeErr != nil {
		errs = append(errs, typeErr.(*tenants.RuleError))
	}
	if _, ok := Categories[in.Reason]; !ok {
		errs = append(errs, tenants.Refuse("INVALID_REASON", "the reason must be one of "+strings.Join(reasonNames(), ", "), "input", "reason"))
	} else if err := reasonAllowed(in.Type, in.Reason); err != nil {
		errs = append(errs, err.(*tenants.RuleError))
	}
	if utf8.RuneCountInString(in.Description) > maxDescription {
		errs = append(errs, tenants.Refuse("DESCRIPTION_TOO_LONG", fmt.Sprintf("the description may be at most %d characters", maxDescription), "input", "description"))
	}
	switch {
	case in.Type == OrderCancel && len(in.Items) > 0:
		errs = append(errs, tenants.Refuse("ITEMS_NOT_ALLOWED", "a cancel request is for the whole order (every paid line); leave the items out", "input", "items"))
	case typeErr == nil && in.Type != OrderCancel && in.Type != Complaint && len(in.Items) == 0:
		errs = append(errs, tenants.Refuse("ITEMS_REQUIRED", fmt.Sprintf("a %s names the order lines and quantities it is about", in.Type), "input", "items"))
	case len(in.Items) > maxCaseItems:
		errs = append(errs, tenants.Refuse("TOO_MANY_ITEMS", fmt.Sprintf("a case names at most %d lines", maxCaseItems), "input", "items"))
	}
	seen := map[uuid.UUID]int{}
	for i, it := range in.Items {
		if it.Quantity < 1 {
			errs = append(errs, tenants.Refuse("INVALID_QUANTITY", "the quantity must be at least 1", "input", "items", fmt.Sprint(i), "quantity"))
		}
		if first, dup := seen[it.OrderItemID]; dup && it.OrderItemID != uuid.Nil { // Nil: an id that did not parse
			errs = append(errs, tenants.Refuse("DUPLICATE_ITEM", fmt.Sprintf("this line is already item %d; name each line once", first), "input", "items", fmt.Sprint(i), "orderItemId"))
		} else {
			seen[it.OrderItemID] = i
		}
	}
	if e := notPositive(in.AmountMinor, "the amount asked must be more than 0 (leave it out to ask for the default)"); e != nil {
		errs = append(errs, e)
	}
	return errs
}

func reasonNames() []string {
	var out []string
	for r := range Categories {
		out = append(out, string(r))
	}
	slices.Sort(out)
	return out
}

// lockBuyerOrder reads and locks the buyer's order, so the checks below (open cases, quantities already
// claimed, the order's state) hold until the case is written. Another buyer's order is ErrNotFound.
func lockBuyerOrder(ctx context.Context, tx *sqlx.Tx, p tenants.Principal, k orders.Key) (orders.Order, error) {
	var o orders.Order
	err := tx.GetContext(ctx, &o, `select tenant_id, id, number, buyer_id, status, currency, paid_minor, refunded_minor,
			refundable_minor, paid_at, shipped_at, delivered_at, completed_at, cancelled_at
		from orders where tenant_id = $1 and id = $2 and buyer_id = $3 for update`, k.StoreID, k.ID, p.UserID)
	if errors.Is(err, sql.ErrNoRows) {
		return o, tenants.ErrNotFound
	}
	return o, err
}

// orderLine is an order line with its product's after-sales facts.
type orderLine struct {
	ID               uuid.UUID  `db:"id"`
	Position         int        `db:"position"`
	Title            string     `db:"title"`
	Quantity         int        `db:"quantity"`
	UnitPriceMinor   int64      `db:"unit_price_minor"`
	GiftOf           *uuid.UUID `db:"gift_of"`
	Category         string     `db:"category"`
	NoReasonExcluded bool       `db:"no_reason_excluded"`
	WarrantyDays     int        `db:"warranty_days"`
}

// orderLines reads the order's lines with their products' category and warranty. The buyer sees active
// products only: for a product the store has archived since, the row is not visible and the line falls back
// to the store's category and its default warranty (see the report: a policy letting buyers read the
// products of their own order lines removes the fallback).
func orderLines(ctx context.Context, tx *sqlx.Tx, o orders.Order) ([]orderLine, error) {
	var out []orderLine
	err := tx.SelectContext(ctx, &out, `select i.id, i.position, i.title, i.quantity, i.unit_price_minor, i.gift_of,
			coalesce(pc.code, sc.code) as category,
			coalesce(pc.no_reason_return_excluded, sc.no_reason_return_excluded) as no_reason_excluded,
			coalesce(p.warranty_days, sc.default_warranty_days) as warranty_days
		from order_items i
		join stores st on st.id = i.tenant_id
		join categories sc on sc.code = st.category
		left join products p on p.tenant_id = i.tenant_id and p.id = i.product_id
		left join categories pc on pc.code = p.category
		where i.tenant_id = $1 and i.order_id = $2 and i.buyer_id = $3
		order by i.position`, o.StoreID, o.ID, o.BuyerID)
	return out, err
}

// claimedQuantities is, per order line, the quantity already in the order's other cases that take goods
// back or refund them (every type but ORDER_CANCEL and COMPLAINT), unless they ended without it
// (WITHDRAWN, CLOSED, CLOSED_FOR_MERCHANT).
func claimedQuantities(ctx context.Context, tx *sqlx.Tx, o orders.Order) (map[uuid.UUID]int, error) {
	var rows []struct {
		ID       uuid.UUID `db:"order_item_id"`
		Quantity int       `db:"quantity"`
	}
	err := tx.SelectContext(ctx, &rows, `select ci.order_item_id, sum(ci.quantity) as quantity
		from case_items ci join cases c on c.tenant_id = ci.tenant_id and c.id = ci.case_id
		where c.tenant_id = $1 and c.order_id = $2 and c.buyer_id = $3
			and c.type not in ('ORDER_CANCEL', 'COMPLAINT')
			and c.status not in ('WITHDRAWN', 'CLOSED', 'CLOSED_FOR_MERCHANT')
		group by ci.order_item_id`, o.StoreID, o.ID, o.BuyerID)
	out := make(map[uuid.UUID]int, len(rows))
	for _, r := range rows {
		out[r.ID] = r.Quantity
	}
	return out, err
}

type chosenLine struct {
	line     orderLine
	quantity int
	unopened bool
}

// chooseLines resolves the input's items against the order's lines: every paid line in full for a cancel
// request, else the named paid lines, each within what is left to claim.
func chooseLines(in OpenInput, o orders.Order, lines []orderLine, claimed map[uuid.UUID]int) ([]chosenLine, tenants.RuleErrors) {
	var chosen []chosenLine
	if in.Type == OrderCancel {
		for _, l := range lines {
			if l.GiftOf == nil {
				chosen = append(chosen, chosenLine{line: l, quantity: l.Quantity})
			}
		}
		return chosen, nil
	}
	byID := make(map[uuid.UUID]orderLine, len(lines))
	for _, l := range lines {
		byID[l.ID] = l
	}
	var errs tenants.RuleErrors
	seen := map[uuid.UUID]bool{}
	for i, it := range in.Items {
		field := func(name string) []string { return []string{"input", "items", fmt.Sprint(i), name} }
		if (seen[it.OrderItemID] && it.OrderItemID != uuid.Nil) || it.Quantity < 1 {
			continue // refused by validateOpen
		}
		seen[it.OrderItemID] = true
		l, ok := byID[it.OrderItemID]
		switch {
		case !ok:
			errs = append(errs, tenants.Refuse("UNKNOWN_ITEM", fmt.Sprintf("order %s has no such line", o.Number), field("orderItemId")...))
			continue
		case l.GiftOf != nil:
			paid := byID[*l.GiftOf]
			errs = append(errs, tenants.Refuse("GIFT_NOT_SELECTABLE", fmt.Sprintf("line %q is a gift riding on line %q: choose that line and the gift goes with it", l.Title, paid.Title), field("orderItemId")...))
			continue
		}
		switch {
		case in.Type == Complaint:
			if it.Quantity > l.Quantity {
				errs = append(errs, tenants.Refuse("INVALID_QUANTITY", fmt.Sprintf("line %q has %d", l.Title, l.Quantity), field("quantity")...))
				continue
			}
		case o.ShippedAt != nil: // before shipment eligibility refuses the case (nothing to return yet)
			if left := l.Quantity - claimed[l.ID]; it.Quantity > left {
				errs = append(errs, tenants.Refuse("NOT_RETURNABLE", fmt.Sprintf("line %q: %d left to claim (%d shipped, %d already in other cases of this order)", l.Title, max(left, 0), l.Quantity, claimed[l.ID]), field("quantity")...))
				continue
			}
		}
		chosen = append(chosen, chosenLine{line: l, quantity: it.Quantity, unopened: it.Unopened})
	}
	return chosen, errs
}

// amountAsked is the case's requested amount: the default, or the given amount within the maximum.
func amountAsked(in OpenInput, o orders.Order, chosen []chosenLine) (int64, *tenants.RuleError) {
	var lines int64
	for _, ch := range chosen {
		lines += ch.line.UnitPriceMinor * int64(ch.quantity)
	}
	refundable := o.RefundableMinor
	var maximum, def int64
	switch in.Type {
	case OrderCancel:
		maximum, def = refundable, refundable
	case RefundOnly, ReturnRefund:
		maximum = min(lines, refundable)
		def = maximum
	case Complaint:
		maximum = refundable
		if len(chosen) > 0 {
			maximum = min(lines, refundable)
		}
	default: // EXCHANGE, WARRANTY_REPAIR: no money unless converted to a refund
		maximum = min(lines, refundable)
	}
	m := func(minor int64) money.Money { return money.New(minor, o.Currency) }
	if in.AmountMinor == nil {
		if def == 0 && (in.Type == OrderCancel || in.Type == RefundOnly || in.Type == ReturnRefund) {
			if refundable > 0 {
				return 0, tenants.Refuse("NOTHING_TO_REFUND", fmt.Sprintf("the chosen lines are worth %s: there is nothing to refund", m(lines)), "input", "items")
			}
			return 0, tenants.Refuse("NOTHING_TO_REFUND", fmt.Sprintf("nothing is left to refund on order %s (refundable balance %s)", o.Number, m(refundable)), "input", "amount")
		}
		return def, nil
	}
	a := *in.AmountMinor
	if a <= 0 {
		return 0, nil // refused by validateOpen
	}
	if a > maximum {
		if maximum == 0 {
			return 0, tenants.Refuse("INVALID_AMOUNT", fmt.Sprintf("nothing can be asked on order %s: the maximum is %s (refundable balance %s)", o.Number, m(maximum), m(refundable)), "input", "amount")
		}
		return 0, tenants.Refuse("INVALID_AMOUNT", fmt.Sprintf("the amount may be at most %s (the chosen lines' value, within the order's refundable balance of %s)", m(maximum), m(refundable)), "input", "amount")
	}
	return a, nil
}

// aboutItems reports whether a refusal concerns the items (then the amount's maximum is unknown).
func aboutItems(errs tenants.RuleErrors) bool {
	return slices.ContainsFunc(errs, func(e *tenants.RuleError) bool { return len(e.Field) > 1 && e.Field[1] == "items" })
}

// noOpenCaseOfType: one open case of a type per order at a time.
func noOpenCaseOfType(ctx context.Context, tx *sqlx.Tx, o orders.Order, t Type) error {
	var number string
	err := tx.GetContext(ctx, &number, `select number from cases
		where tenant_id = $1 and order_id = $2 and buyer_id = $3 and type = $4 and status = any($5)
		order by created_at limit 1`, o.StoreID, o.ID, o.BuyerID, t, pq.Array(OpenStatuses))
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	return tenants.Refuse("CASE_ALREADY_OPEN", fmt.Sprintf("case %s (%s) is still open on order %s; an order has one open case of a type at a time: follow that one, or withdraw it first", number, t, o.Number), "input", "type")
}

func storeTimeZone(ctx context.Context, tx *sqlx.Tx, store uuid.UUID) (*time.Location, error) {
	var name string
	if err := tx.GetContext(ctx, &name, `select time_zone from stores where id = $1`, store); err != nil {
		return nil, err
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("store %s time zone %q: %w", store, name, err)
	}
	return loc, nil
}
