package orders

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"tradeguard/tenants"
)

// The rules of DESIGN §3.1 as pure functions: who may take which action on an order in which state, the
// payment window, the order's next deadline, and the shape checks of the inputs. No database.

var (
	ruleStore = uuid.MustParse("00000000-0000-4000-8000-000000000001")
	ruleBuyer = uuid.MustParse("00000000-0000-4000-8000-000000000002")
	ruleStaff = uuid.MustParse("00000000-0000-4000-8000-000000000003")
	ruleToken = uuid.MustParse("00000000-0000-4000-8000-000000000004")
	ruleAdmin = uuid.MustParse("00000000-0000-4000-8000-000000000005")
	ruleT0    = time.Date(2026, 6, 15, 2, 0, 0, 0, time.UTC)
)

// rulePrincipals are every kind of caller, by a short name used in the tables.
var rulePrincipals = map[string]tenants.Principal{
	"buyer":       {Role: tenants.RoleBuyer, UserID: ruleBuyer},
	"owner":       {Role: tenants.RoleMerchant, UserID: ruleStaff, StoreID: ruleStore, StaffRole: tenants.StaffOwner},
	"agent":       {Role: tenants.RoleMerchant, UserID: ruleStaff, StoreID: ruleStore, StaffRole: tenants.StaffAgent},
	"token-write": {Role: tenants.RoleMerchant, StoreID: ruleStore, StaffRole: tenants.StaffAPI, TokenID: ruleToken, Scopes: []tenants.Scope{tenants.ScopeOrdersRead, tenants.ScopeOrdersWrite}},
	"token-write-only": {Role: tenants.RoleMerchant, StoreID: ruleStore, StaffRole: tenants.StaffAPI, TokenID: ruleToken,
		Scopes: []tenants.Scope{tenants.ScopeOrdersWrite}},
	"token-read": {Role: tenants.RoleMerchant, StoreID: ruleStore, StaffRole: tenants.StaffAPI, TokenID: ruleToken,
		Scopes: []tenants.Scope{tenants.ScopeOrdersRead, tenants.ScopeCatalogWrite, tenants.ScopeCasesWrite}},
	"token-none": {Role: tenants.RoleMerchant, StoreID: ruleStore, StaffRole: tenants.StaffAPI, TokenID: ruleToken},
	"admin":      {Role: tenants.RoleAdmin, UserID: ruleAdmin},
	"system":     tenants.System,
	"anonymous":  tenants.Anonymous,
	"zero":       {}, // the zero Principal is anonymous
}

var ruleStatuses = []Status{PendingPayment, Paid, Shipped, Delivered, Completed, Cancelled}

var ruleActions = []Action{ActionPay, ActionShip, ActionMarkDelivered, ActionConfirmReceipt, ActionCancel, ActionComplete}

// orderIn is an order in the status, with the timestamps that status implies; created at ruleT0.
func orderIn(s Status) Order {
	at := func(d time.Duration) *time.Time { v := ruleT0.Add(d); return &v }
	o := Order{StoreID: ruleStore, ID: uuid.MustParse("00000000-0000-4000-8000-0000000000aa"), Number: "TS-100042",
		BuyerID: ruleBuyer, Status: s, Currency: "TWD", SubtotalMinor: 100000, TotalMinor: 100000, CreatedAt: ruleT0, Version: 1}
	if s != PendingPayment && s != Cancelled {
		o.PaidMinor, o.PaidAt, o.ShipBy = o.TotalMinor, at(10*time.Minute), at(10*time.Minute+ShipWithin)
	}
	if s == Shipped || s == Delivered || s == Completed {
		o.ShippedAt = at(time.Hour)
	}
	if s == Delivered || s == Completed {
		o.DeliveredAt = at(30 * time.Hour)
	}
	if s == Completed {
		o.CompletedAt = at(40 * time.Hour)
	}
	if s == Cancelled {
		o.CancelledAt = at(5 * time.Minute)
	}
	return o
}

// canWant is the expected answer of Can, written out from DESIGN §3.1 and the schema's role notes:
// "" allowed, "FORBIDDEN" (tenants.ErrForbidden), or a RuleError code.
func canWant(who string, s Status, a Action) string {
	// Who may ever take the action (role, and for partner tokens the orders:write scope).
	mayEver := map[Action][]string{
		ActionPay:            {"buyer"},
		ActionConfirmReceipt: {"buyer"},
		ActionShip:           {"owner", "agent", "token-write", "token-write-only"},
		ActionMarkDelivered:  {"owner", "agent", "token-write", "token-write-only", "admin", "system"},
		ActionCancel:         {"buyer", "owner", "agent", "token-write", "token-write-only", "admin", "system"},
		ActionComplete:       {"system"},
	}
	if !slices.Contains(mayEver[a], who) {
		return "FORBIDDEN"
	}
	// In which states.
	var in []Status
	switch a {
	case ActionPay:
		in = []Status{PendingPayment}
	case ActionShip:
		in = []Status{Paid}
	case ActionMarkDelivered:
		in = []Status{Shipped}
	case ActionConfirmReceipt, ActionComplete:
		in = []Status{Delivered}
	case ActionCancel:
		if who == "buyer" {
			if s == Paid {
				return "USE_CANCEL_REQUEST" // a paid order is cancelled through an after-sales case
			}
			in = []Status{PendingPayment}
		} else {
			in = []Status{PendingPayment, Paid}
		}
	}
	if !slices.Contains(in, s) {
		return "INVALID_STATE"
	}
	return ""
}

// outcome names what Can returned, in the vocabulary of canWant.
func outcome(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, tenants.ErrForbidden):
		return "FORBIDDEN"
	}
	var re *tenants.RuleError
	if errors.As(err, &re) {
		return re.Code
	}
	return "unexpected error: " + err.Error()
}

func TestCanEveryStatusActionRole(t *testing.T) {
	now := ruleT0.Add(10 * time.Minute) // inside the payment window
	cells := 0
	for who, p := range rulePrincipals {
		for _, s := range ruleStatuses {
			for _, a := range ruleActions {
				cells++
				o := orderIn(s)
				err := Can(p, o, a, now)
				if got, want := outcome(err), canWant(who, s, a); got != want {
					t.Errorf("Can(%s, %s, %s) = %q, want %q", who, s, a, got, want)
					continue
				}
				var re *tenants.RuleError
				if errors.As(err, &re) {
					if !strings.Contains(re.Message, o.Number) {
						t.Errorf("Can(%s, %s, %s): %s does not name order %s: %q", who, s, a, re.Code, o.Number, re.Message)
					}
					if re.Code == "INVALID_STATE" && !strings.Contains(re.Message, string(s)) {
						t.Errorf("Can(%s, %s, %s): INVALID_STATE does not name the state: %q", who, s, a, re.Message)
					}
				}
			}
		}
	}
	if want := len(rulePrincipals) * len(ruleStatuses) * len(ruleActions); cells != want {
		t.Fatalf("checked %d cells, want %d", cells, want)
	}
}

// Rule checks are the same whatever order or store the principal names: row-level security has already
// decided visibility, Can decides role and state.
func TestCanUnknownActionIsForbidden(t *testing.T) {
	for who, p := range rulePrincipals {
		for _, s := range ruleStatuses {
			if err := Can(p, orderIn(s), Action("REFUND_EVERYTHING"), ruleT0); !errors.Is(err, tenants.ErrForbidden) {
				t.Errorf("Can(%s, %s, unknown action) = %v, want ErrForbidden", who, s, err)
			}
		}
	}
}

func TestCanPaymentWindowEdge(t *testing.T) {
	buyer := rulePrincipals["buyer"]
	o := orderIn(PendingPayment)
	for _, tc := range []struct {
		at   time.Duration
		want string
	}{
		{0, ""},
		{PaymentWindow - time.Second, ""},
		{PaymentWindow - time.Nanosecond, ""},
		{PaymentWindow, "PAYMENT_WINDOW_CLOSED"},
		{PaymentWindow + time.Second, "PAYMENT_WINDOW_CLOSED"},
		{48 * time.Hour, "PAYMENT_WINDOW_CLOSED"},
	} {
		err := Can(buyer, o, ActionPay, ruleT0.Add(tc.at))
		if got := outcome(err); got != tc.want {
			t.Errorf("pay at created+%v: %q, want %q", tc.at, got, tc.want)
			continue
		}
		if tc.want != "" {
			closes := ruleT0.Add(PaymentWindow).Format(time.RFC3339)
			if msg := err.Error(); !strings.Contains(msg, o.Number) || !strings.Contains(msg, closes) {
				t.Errorf("PAYMENT_WINDOW_CLOSED should name the order and when the window closed (%s): %q", closes, msg)
			}
		}
	}
	if PaymentWindow != 30*time.Minute {
		t.Fatalf("payment window %v, DESIGN §3.1 says 30 min", PaymentWindow)
	}
	// A closed window does not stop the buyer cancelling the unpaid order, nor does it hide the state refusal.
	if err := Can(buyer, o, ActionCancel, ruleT0.Add(PaymentWindow)); err != nil {
		t.Errorf("buyer cancel after the window: %v", err)
	}
	if got := outcome(Can(buyer, orderIn(Paid), ActionPay, ruleT0.Add(PaymentWindow))); got != "INVALID_STATE" {
		t.Errorf("pay a paid order after the window: %q, want INVALID_STATE", got)
	}
}

func TestAvailableForEachRoleAndState(t *testing.T) {
	type row map[Status][]Action
	const (
		pay, ship, deliver, confirm, cancel = ActionPay, ActionShip, ActionMarkDelivered, ActionConfirmReceipt, ActionCancel
	)
	merchant := row{PendingPayment: {cancel}, Paid: {ship, cancel}, Shipped: {deliver}}
	want := map[string]row{
		"buyer":            {PendingPayment: {pay, cancel}, Delivered: {confirm}},
		"owner":            merchant,
		"agent":            merchant,
		"token-write":      merchant,
		"token-write-only": merchant,
		"token-read":       {},
		"token-none":       {},
		"admin":            {PendingPayment: {cancel}, Paid: {cancel}, Shipped: {deliver}},
		"system":           {PendingPayment: {cancel}, Paid: {cancel}, Shipped: {deliver}}, // COMPLETE is not offered
		"anonymous":        {},
		"zero":             {},
	}
	now := ruleT0.Add(10 * time.Minute)
	for who, p := range rulePrincipals {
		for _, s := range ruleStatuses {
			got := Available(p, orderIn(s), now)
			w := want[who][s]
			if w == nil {
				w = []Action{}
			}
			if got == nil || !slices.Equal(got, w) {
				t.Errorf("Available(%s, %s) = %#v, want %v", who, s, got, w)
			}
		}
	}
	// After the payment window the buyer may no longer pay, only cancel.
	if got := Available(rulePrincipals["buyer"], orderIn(PendingPayment), ruleT0.Add(PaymentWindow)); !slices.Equal(got, []Action{cancel}) {
		t.Errorf("buyer's actions at created+30m: %v, want [CANCEL]", got)
	}
	if got := Available(rulePrincipals["buyer"], orderIn(PendingPayment), ruleT0.Add(PaymentWindow-time.Second)); !slices.Equal(got, []Action{pay, cancel}) {
		t.Errorf("buyer's actions at created+30m-1s: %v, want [PAY CANCEL]", got)
	}
}

func TestDeadlineEdges(t *testing.T) {
	type want struct {
		at     time.Time
		action DeadlineAction
		ok     bool
	}
	pending := orderIn(PendingPayment)
	paid := orderIn(Paid)
	shipBy := *paid.ShipBy
	delivered := orderIn(Delivered)
	noShipBy := orderIn(Paid)
	noShipBy.ShipBy = nil
	noDelivery := orderIn(Delivered)
	noDelivery.DeliveredAt = nil
	none := want{}
	for _, tc := range []struct {
		name string
		o    Order
		now  time.Time
		want want
	}{
		{"unpaid, just created", pending, ruleT0, want{ruleT0.Add(30 * time.Minute), DeadlineCancelUnpaid, true}},
		{"unpaid, 1s before the window closes", pending, ruleT0.Add(30*time.Minute - time.Second), want{ruleT0.Add(30 * time.Minute), DeadlineCancelUnpaid, true}},
		{"unpaid, window closed", pending, ruleT0.Add(2 * time.Hour), want{ruleT0.Add(30 * time.Minute), DeadlineCancelUnpaid, true}},
		{"paid, 1s before ship-by", paid, shipBy.Add(-time.Second), want{shipBy, DeadlineMarkLate, true}},
		{"paid, just paid", paid, *paid.PaidAt, want{shipBy, DeadlineMarkLate, true}},
		{"paid, at ship-by", paid, shipBy, want{shipBy.Add(72 * time.Hour), DeadlineCancelUnshipped, true}},
		{"paid, after ship-by", paid, shipBy.Add(71 * time.Hour), want{shipBy.Add(72 * time.Hour), DeadlineCancelUnshipped, true}},
		{"paid, after ship-by + 72h", paid, shipBy.Add(73 * time.Hour), want{shipBy.Add(72 * time.Hour), DeadlineCancelUnshipped, true}},
		{"paid without ship-by", noShipBy, ruleT0, none},
		{"shipped", orderIn(Shipped), ruleT0.Add(2 * time.Hour), none},
		{"delivered", delivered, *delivered.DeliveredAt, want{delivered.DeliveredAt.Add(10 * 24 * time.Hour), DeadlineAutoComplete, true}},
		{"delivered, 1s before auto-complete", delivered, delivered.DeliveredAt.Add(10*24*time.Hour - time.Second), want{delivered.DeliveredAt.Add(10 * 24 * time.Hour), DeadlineAutoComplete, true}},
		{"delivered without delivery time", noDelivery, ruleT0, none},
		{"completed", orderIn(Completed), ruleT0.Add(50 * time.Hour), none},
		{"cancelled", orderIn(Cancelled), ruleT0.Add(time.Hour), none},
	} {
		at, action, ok := Deadline(tc.o, tc.now)
		if !at.Equal(tc.want.at) || action != tc.want.action || ok != tc.want.ok {
			t.Errorf("%s: Deadline = (%s, %q, %v), want (%s, %q, %v)", tc.name, at, action, ok, tc.want.at, tc.want.action, tc.want.ok)
		}
	}
	if ShipWithin != 48*time.Hour || ShipGrace != 72*time.Hour || AutoCompleteWait != 240*time.Hour {
		t.Fatalf("timings %v %v %v differ from DESIGN §3.1 (48 h, 72 h, 10 days)", ShipWithin, ShipGrace, AutoCompleteWait)
	}
}

func TestShippedLateEdge(t *testing.T) {
	o := orderIn(Paid)
	shipBy := *o.ShipBy
	if o.ShippedLate(shipBy) {
		t.Error("unshipped at exactly ship-by is not late yet")
	}
	if !o.ShippedLate(shipBy.Add(time.Second)) {
		t.Error("unshipped 1s after ship-by is late")
	}
	for _, tc := range []struct {
		at   time.Time
		late bool
	}{{shipBy.Add(-time.Second), false}, {shipBy, false}, {shipBy.Add(time.Second), true}} {
		s := o
		s.Status, s.ShippedAt = Shipped, &tc.at
		if got := s.ShippedLate(tc.at.Add(100 * time.Hour)); got != tc.late {
			t.Errorf("shipped at ship-by%+v: late = %v, want %v", tc.at.Sub(shipBy), got, tc.late)
		}
	}
	if orderIn(PendingPayment).ShippedLate(ruleT0.Add(1000 * time.Hour)) {
		t.Error("an unpaid order has no ship-by and is never late")
	}
}

// ruleCodes flattens a validation error into "CODE@field.path" strings.
func ruleCodes(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	rs, ok := tenants.AsRuleErrors(err)
	if !ok {
		t.Fatalf("not a rule error: %v", err)
	}
	var out []string
	for _, r := range rs {
		out = append(out, r.Code+"@"+strings.Join(r.Field, "."))
	}
	return out
}

func TestValidateCreate(t *testing.T) {
	p := uuid.New()
	valid := func() CreateInput {
		return CreateInput{StoreID: ruleStore, PaymentMethod: "CARD", ShipName: "Lin Mei", ShipPhone: "+886 912 345 678",
			ShipAddress: "No. 1, Section 1, Zhongshan Rd, Taipei",
			Lines:       []LineInput{{ProductID: p, Quantity: 2, Gifts: []GiftInput{{ProductID: p, Quantity: 1}}}}}
	}
	lines := func(n int) []LineInput {
		out := make([]LineInput, n)
		for i := range out {
			out[i] = LineInput{ProductID: p, Quantity: 1}
		}
		return out
	}
	gifts := func(n int) []GiftInput {
		out := make([]GiftInput, n)
		for i := range out {
			out[i] = GiftInput{ProductID: p, Quantity: 1}
		}
		return out
	}
	for _, tc := range []struct {
		name   string
		change func(*CreateInput)
		want   []string
	}{
		{"valid", func(*CreateInput) {}, nil},
		{"50 lines", func(in *CreateInput) { in.Lines = lines(50) }, nil},
		{"no lines", func(in *CreateInput) { in.Lines = nil }, []string{"INVALID_LINES@input.lines"}},
		{"51 lines", func(in *CreateInput) { in.Lines = lines(51) }, []string{"INVALID_LINES@input.lines"}},
		{"quantity 0", func(in *CreateInput) { in.Lines[0].Quantity = 0 }, []string{"INVALID_QUANTITY@input.lines.0.quantity"}},
		{"quantity -1", func(in *CreateInput) { in.Lines[0].Quantity = -1 }, []string{"INVALID_QUANTITY@input.lines.0.quantity"}},
		{"quantity 99", func(in *CreateInput) { in.Lines[0].Quantity = 99 }, nil},
		{"quantity 100", func(in *CreateInput) { in.Lines[0].Quantity = 100 }, []string{"INVALID_QUANTITY@input.lines.0.quantity"}},
		{"second line's quantity", func(in *CreateInput) {
			in.Lines = append(in.Lines, LineInput{ProductID: p, Quantity: 0})
		}, []string{"INVALID_QUANTITY@input.lines.1.quantity"}},
		{"gift quantity 0", func(in *CreateInput) { in.Lines[0].Gifts[0].Quantity = 0 }, []string{"INVALID_QUANTITY@input.lines.0.gifts.0.quantity"}},
		{"5 gifts", func(in *CreateInput) { in.Lines[0].Gifts = gifts(5) }, nil},
		{"6 gifts", func(in *CreateInput) { in.Lines[0].Gifts = gifts(6) }, []string{"TOO_MANY_GIFTS@input.lines.0.gifts"}},
		{"empty name", func(in *CreateInput) { in.ShipName = "" }, []string{"INVALID_NAME@input.shippingAddress.name"}},
		{"blank name", func(in *CreateInput) { in.ShipName = "   " }, []string{"INVALID_NAME@input.shippingAddress.name"}},
		{"100-character name (runes)", func(in *CreateInput) { in.ShipName = strings.Repeat("林", 100) }, nil},
		{"101-character name", func(in *CreateInput) { in.ShipName = strings.Repeat("林", 101) }, []string{"INVALID_NAME@input.shippingAddress.name"}},
		{"4-character address", func(in *CreateInput) { in.ShipAddress = "1 Rd" }, []string{"INVALID_ADDRESS@input.shippingAddress.address"}},
		{"5-character address", func(in *CreateInput) { in.ShipAddress = "臺北市中正" }, nil},
		{"501-character address", func(in *CreateInput) { in.ShipAddress = strings.Repeat("a", 501) }, []string{"INVALID_ADDRESS@input.shippingAddress.address"}},
		{"500-character address", func(in *CreateInput) { in.ShipAddress = strings.Repeat("a", 500) }, nil},
		{"phone with punctuation", func(in *CreateInput) { in.ShipPhone = "(02) 2345-6789" }, nil},
		{"6-digit phone", func(in *CreateInput) { in.ShipPhone = "123456" }, nil},
		{"5-digit phone", func(in *CreateInput) { in.ShipPhone = "12345" }, []string{"INVALID_PHONE@input.shippingAddress.phone"}},
		{"phone with letters", func(in *CreateInput) { in.ShipPhone = "0912-ABC-678" }, []string{"INVALID_PHONE@input.shippingAddress.phone"}},
		{"31-character phone", func(in *CreateInput) { in.ShipPhone = strings.Repeat("1", 31) }, []string{"INVALID_PHONE@input.shippingAddress.phone"}},
		{"plus inside the phone", func(in *CreateInput) { in.ShipPhone = "886+912345678" }, []string{"INVALID_PHONE@input.shippingAddress.phone"}},
		{"empty phone", func(in *CreateInput) { in.ShipPhone = "" }, []string{"INVALID_PHONE@input.shippingAddress.phone"}},
		{"unknown payment method", func(in *CreateInput) { in.PaymentMethod = "BITCOIN" }, []string{"INVALID_PAYMENT_METHOD@input.paymentMethod"}},
		{"lower-case payment method", func(in *CreateInput) { in.PaymentMethod = "card" }, []string{"INVALID_PAYMENT_METHOD@input.paymentMethod"}},
		{"everything wrong at once", func(in *CreateInput) {
			in.Lines[0].Quantity, in.ShipName, in.ShipAddress, in.ShipPhone, in.PaymentMethod = 0, "", "x", "?", ""
		}, []string{"INVALID_QUANTITY@input.lines.0.quantity", "INVALID_NAME@input.shippingAddress.name",
			"INVALID_ADDRESS@input.shippingAddress.address", "INVALID_PHONE@input.shippingAddress.phone",
			"INVALID_PAYMENT_METHOD@input.paymentMethod"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := valid()
			tc.change(&in)
			if got := ruleCodes(t, ValidateCreate(in)); !slices.Equal(got, tc.want) {
				t.Fatalf("ValidateCreate: %v, want %v", got, tc.want)
			}
		})
	}
	for _, m := range []string{"CARD", "WALLET", "BANK_TRANSFER", "CASH_ON_DELIVERY"} {
		in := valid()
		in.PaymentMethod = m
		if err := ValidateCreate(in); err != nil {
			t.Errorf("payment method %s: %v", m, err)
		}
	}
}

func TestValidateShipment(t *testing.T) {
	for _, tc := range []struct {
		carrier, tracking string
		want              []string
	}{
		{"Black Cat", "BC-12345678", nil},
		{"黑貓宅急便", "abcd", nil},
		{strings.Repeat("c", 50), strings.Repeat("9", 64), nil},
		{"", "BC-12345678", []string{"INVALID_CARRIER@input.carrier"}},
		{"   ", "BC-12345678", []string{"INVALID_CARRIER@input.carrier"}},
		{strings.Repeat("c", 51), "BC-12345678", []string{"INVALID_CARRIER@input.carrier"}},
		{"HCT", "abc", []string{"INVALID_TRACKING_NUMBER@input.trackingNumber"}},
		{"HCT", strings.Repeat("9", 65), []string{"INVALID_TRACKING_NUMBER@input.trackingNumber"}},
		{"HCT", "BC 1234", []string{"INVALID_TRACKING_NUMBER@input.trackingNumber"}},
		{"HCT", "BC_1234", []string{"INVALID_TRACKING_NUMBER@input.trackingNumber"}},
		{"HCT", "1234\n", []string{"INVALID_TRACKING_NUMBER@input.trackingNumber"}},
		{"HCT", "", []string{"INVALID_TRACKING_NUMBER@input.trackingNumber"}},
		{"", "", []string{"INVALID_CARRIER@input.carrier", "INVALID_TRACKING_NUMBER@input.trackingNumber"}},
	} {
		if got := ruleCodes(t, ValidateShipment(tc.carrier, tc.tracking)); !slices.Equal(got, tc.want) {
			t.Errorf("ValidateShipment(%q, %q) = %v, want %v", tc.carrier, tc.tracking, got, tc.want)
		}
	}
}

func TestValidateCancelReason(t *testing.T) {
	long := strings.Repeat("理", 501)
	for _, tc := range []struct {
		who, reason string
		want        []string
	}{
		{"buyer", "", nil},
		{"buyer", "changed my mind", nil},
		{"buyer", long, []string{"REASON_TOO_LONG@input.reason"}},
		{"owner", "", []string{"REASON_REQUIRED@input.reason"}},
		{"owner", " \t\n", []string{"REASON_REQUIRED@input.reason"}},
		{"owner", "out of stock", nil},
		{"owner", strings.Repeat("理", 500), nil},
		{"owner", long, []string{"REASON_TOO_LONG@input.reason"}},
		{"agent", "", []string{"REASON_REQUIRED@input.reason"}},
		{"token-write", "", []string{"REASON_REQUIRED@input.reason"}},
		{"token-write", "erp: out of stock", nil},
		{"admin", "", []string{"REASON_REQUIRED@input.reason"}},
		{"admin", "fraud", nil},
		{"admin", long, []string{"REASON_TOO_LONG@input.reason"}},
	} {
		t.Run(fmt.Sprintf("%s %.20q", tc.who, tc.reason), func(t *testing.T) {
			if got := ruleCodes(t, ValidateCancelReason(rulePrincipals[tc.who], tc.reason)); !slices.Equal(got, tc.want) {
				t.Fatalf("ValidateCancelReason = %v, want %v", got, tc.want)
			}
		})
	}
}
