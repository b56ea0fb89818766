package aftersales

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"tradeguard/tenants"
)

// The rules of DESIGN §3.2 as pure functions: who may take which action on a case in which state (Can), with
// the exact refusal, for every status × action × caller, for an ordinary case and for a complaint; then the
// guards inside a state (revisions, waiting time, the one priority escalation, the ruling and its appeal).
// No database.

var (
	rulesStore  = uuid.MustParse("00000000-0000-4000-8000-00000000a001")
	rulesBuyer  = uuid.MustParse("00000000-0000-4000-8000-00000000a002")
	rulesStaff  = uuid.MustParse("00000000-0000-4000-8000-00000000a003")
	rulesToken  = uuid.MustParse("00000000-0000-4000-8000-00000000a004")
	rulesAdmin  = uuid.MustParse("00000000-0000-4000-8000-00000000a005")
	rulesAdmin2 = uuid.MustParse("00000000-0000-4000-8000-00000000a006")
	rulesT0     = time.Date(2026, 7, 1, 2, 0, 0, 0, time.UTC)
	// rulesNow is past the 48 h after which an unanswered case may be escalated.
	rulesNow = rulesT0.Add(3 * 24 * time.Hour)
)

// rulesPrincipals are every kind of caller, by the short name the tables use.
var rulesPrincipals = map[string]tenants.Principal{
	"buyer": {Role: tenants.RoleBuyer, UserID: rulesBuyer},
	"owner": {Role: tenants.RoleMerchant, UserID: rulesStaff, StoreID: rulesStore, StaffRole: tenants.StaffOwner},
	"agent": {Role: tenants.RoleMerchant, UserID: rulesStaff, StoreID: rulesStore, StaffRole: tenants.StaffAgent},
	"token-write": {Role: tenants.RoleMerchant, StoreID: rulesStore, StaffRole: tenants.StaffAPI, TokenID: rulesToken,
		Scopes: []tenants.Scope{tenants.ScopeCasesRead, tenants.ScopeCasesWrite}},
	"token-read": {Role: tenants.RoleMerchant, StoreID: rulesStore, StaffRole: tenants.StaffAPI, TokenID: rulesToken,
		Scopes: []tenants.Scope{tenants.ScopeCasesRead, tenants.ScopeOrdersWrite}},
	"admin":     {Role: tenants.RoleAdmin, UserID: rulesAdmin},
	"system":    tenants.System,
	"anonymous": tenants.Anonymous,
}

var rulesStatuses = []Status{Requested, AwaitingReturn, ReturnShipped, AwaitingReship, Reshipped, Refunding, Refunded,
	RefundFailed, Rejected, InArbitration, ClosedForMerchant, CaseCompleted, Withdrawn, Closed, PlatformReview}

// rulesCase is a case of the type in the status, with the timestamps that status implies; created at rulesT0.
// A case IN_ARBITRATION is escalated and not ruled yet (the ruling's own states have their tables below).
func rulesCase(t Type, s Status) Case {
	at := func(d time.Duration) *time.Time { v := rulesT0.Add(d); return &v }
	c := Case{StoreID: rulesStore, ID: uuid.MustParse("00000000-0000-4000-8000-00000000c0de"), Number: "CS-1042",
		OrderID: uuid.MustParse("00000000-0000-4000-8000-00000000d0de"), BuyerID: rulesBuyer, Type: t, Status: s,
		Reason: QualityDefect, ReasonCategory: CategoryQuality, Currency: "TWD", RequestedMinor: 50000,
		RespondBy: rulesT0.Add(48 * time.Hour), CreatedAt: rulesT0, UpdatedAt: rulesT0, Version: 1}
	if t == Complaint {
		c.Reason, c.ReasonCategory, c.RequestedMinor = PriceFraud, CategoryComplaint, 0
	}
	switch s {
	case AwaitingReturn, ReturnShipped, AwaitingReship, Reshipped, Refunding, Refunded, RefundFailed, CaseCompleted:
		c.ApprovedMinor, c.ApprovedAt = ptr(c.RequestedMinor), at(time.Hour)
	case Rejected, Closed:
		c.RejectedAt, c.RejectionReason = at(time.Hour), ptr("used, not defective")
	case InArbitration, ClosedForMerchant:
		c.EscalatedAt, c.EscalatedBy = at(2*time.Hour), ptr("BUYER")
		c.BuyerEvidenceDue, c.MerchantEvidenceDue = at(2*time.Hour+EvidenceWindow), at(2*time.Hour+EvidenceWindow)
	case PlatformReview:
		c.EscalatedAt, c.EscalatedBy = at(48*time.Hour), ptr("SYSTEM")
	}
	switch s {
	case ReturnShipped, AwaitingReship, Reshipped:
		c.ReturnShippedAt = at(5 * time.Hour)
	}
	switch s {
	case AwaitingReship, Reshipped:
		c.ReturnReceivedAt = at(30 * time.Hour)
	}
	if s == Reshipped {
		c.ReshippedAt = at(40 * time.Hour)
	}
	if s.Final() {
		c.ClosedAt = at(50 * time.Hour)
	}
	return c
}

// rulesWant is the expected answer of Can, written out from DESIGN §3.2: "" allowed, "FORBIDDEN"
// (tenants.ErrForbidden), or a RuleError code.
func rulesWant(t Type, who string, s Status, a Action) string {
	merchant := []string{"owner", "agent", "token-write"} // staff and partner tokens with cases:write
	roles := func(rs ...string) []string {
		var out []string
		for _, r := range rs {
			if r == "merchant" {
				out = append(out, merchant...)
			} else {
				out = append(out, r)
			}
		}
		return append(out, "system") // the system acts on deadlines: any action its state allows
	}
	mayEver := map[Action][]string{
		ActApprove:             roles("merchant"),
		ActReject:              roles("merchant"),
		ActRevise:              roles("buyer"),
		ActWithdraw:            roles("buyer"),
		ActEscalate:            roles("buyer", "merchant"),
		ActShipReturn:          roles("buyer"),
		ActMarkReturnDelivered: roles("merchant", "admin"),
		ActReceiveReturn:       roles("merchant"),
		ActReship:              roles("merchant"),
		ActConfirmReship:       roles("buyer"),
		ActRetryRefund:         roles("merchant", "admin"),
		ActResolveComplaint:    roles("merchant", "admin"),
		ActPriorityEscalate:    roles("buyer"),
		ActRule:                roles("admin"),
		ActAppeal:              roles("buyer", "merchant"),
		ActDecideAppeal:        roles("admin"),
	}
	if !slices.Contains(mayEver[a], who) {
		return "FORBIDDEN"
	}
	complaint := t == Complaint
	isMerchant := slices.Contains(merchant, who)
	state := func(in ...Status) string {
		if slices.Contains(in, s) {
			return ""
		}
		return "INVALID_STATE"
	}
	switch a {
	case ActApprove, ActReject:
		if complaint {
			return "NOT_FOR_THIS_TYPE" // a complaint is answered with RESOLVE_COMPLAINT
		}
		return state(Requested)
	case ActResolveComplaint:
		if !complaint {
			return "NOT_FOR_THIS_TYPE"
		}
		if who == "admin" {
			return state(PlatformReview) // the platform answers what the store did not, or what was escalated
		}
		return state(Requested)
	case ActRevise:
		return state(Rejected)
	case ActWithdraw:
		return state(Requested, Rejected, AwaitingReturn, PlatformReview, InArbitration)
	case ActEscalate:
		if complaint {
			if isMerchant {
				return "FORBIDDEN" // only the buyer takes a complaint to the platform
			}
			return state(Rejected)
		}
		if s == Rejected && isMerchant {
			return "INVALID_STATE" // the buyer escalates a rejection, not the store that rejected
		}
		return state(Requested, Rejected) // rulesNow is past the 48 h without agreement
	case ActPriorityEscalate:
		if !complaint {
			return "NOT_FOR_THIS_TYPE"
		}
		return state(Requested, Rejected, PlatformReview)
	case ActShipReturn:
		return state(AwaitingReturn)
	case ActMarkReturnDelivered, ActReceiveReturn:
		return state(ReturnShipped)
	case ActReship:
		return state(AwaitingReship)
	case ActConfirmReship:
		return state(Reshipped)
	case ActRetryRefund:
		return state(RefundFailed)
	case ActRule:
		return state(InArbitration)
	case ActAppeal:
		if s == InArbitration {
			return "NOT_RULED_YET"
		}
		return "INVALID_STATE"
	case ActDecideAppeal:
		if s == InArbitration {
			return "NO_OPEN_APPEAL"
		}
		return "INVALID_STATE"
	}
	return "FORBIDDEN"
}

// rulesOutcome names what Can returned, in the vocabulary of rulesWant.
func rulesOutcome(err error) string {
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
	if len(Actions) != 16 {
		t.Fatalf("Actions has %d actions; the table covers 16: add the new ones to rulesWant", len(Actions))
	}
	cells := 0
	for _, typ := range []Type{ReturnRefund, Complaint} {
		for who, p := range rulesPrincipals {
			for _, s := range rulesStatuses {
				for _, a := range Actions {
					cells++
					c := rulesCase(typ, s)
					err := Can(p, c, a, rulesNow)
					if got, want := rulesOutcome(err), rulesWant(typ, who, s, a); got != want {
						t.Errorf("Can(%s, %s %s, %s) = %q, want %q", who, typ, s, a, got, want)
						continue
					}
					var re *tenants.RuleError
					if errors.As(err, &re) {
						if !strings.Contains(re.Message, c.Number) {
							t.Errorf("Can(%s, %s %s, %s): %s does not name case %s: %q", who, typ, s, a, re.Code, c.Number, re.Message)
						}
						if re.Code == "INVALID_STATE" && s != Rejected && !strings.Contains(re.Message, string(s)) {
							t.Errorf("Can(%s, %s %s, %s): INVALID_STATE does not name the state: %q", who, typ, s, a, re.Message)
						}
					}
				}
			}
		}
	}
	if want := 2 * len(rulesPrincipals) * len(rulesStatuses) * 16; cells != want {
		t.Fatalf("checked %d cells, want %d", cells, want)
	}
}

// Every status is in the table, and Final agrees with DESIGN (WITHDRAWN and CLOSED are final; so are a
// completed refund, a case closed for the merchant and a completed exchange or repair).
func TestRulesStatusesAndFinal(t *testing.T) {
	final := []Status{Refunded, ClosedForMerchant, CaseCompleted, Withdrawn, Closed}
	for _, s := range rulesStatuses {
		if got := s.Final(); got != slices.Contains(final, s) {
			t.Errorf("%s.Final() = %v", s, got)
		}
		if got := slices.Contains(OpenStatuses, s); got == s.Final() {
			t.Errorf("%s: in OpenStatuses = %v, Final = %v", s, got, s.Final())
		}
	}
	if len(rulesStatuses) != 15 {
		t.Fatalf("%d statuses; the schema has 15", len(rulesStatuses))
	}
}

func TestCanUnknownActionIsForbidden(t *testing.T) {
	for who, p := range rulesPrincipals {
		for _, s := range rulesStatuses {
			if err := Can(p, rulesCase(ReturnRefund, s), Action("REFUND_TWICE"), rulesNow); !errors.Is(err, tenants.ErrForbidden) {
				t.Errorf("Can(%s, %s, unknown action) = %v, want ErrForbidden", who, s, err)
			}
		}
	}
}

func TestCanReviseAtMostThreeTimes(t *testing.T) {
	buyer := rulesPrincipals["buyer"]
	for revisions, want := range map[int]string{0: "", 1: "", 2: "", 3: "TOO_MANY_REVISIONS"} {
		c := rulesCase(ReturnRefund, Rejected)
		c.Revisions = revisions
		if got := rulesOutcome(Can(buyer, c, ActRevise, rulesNow)); got != want {
			t.Errorf("revise after %d revisions: %q, want %q", revisions, got, want)
		}
	}
}

// An unanswered case may be escalated 48 h after it was opened, not before; a rejected one at once.
func TestCanEscalateAfterWaitingEdge(t *testing.T) {
	c := rulesCase(ReturnRefund, Requested)
	for _, who := range []string{"buyer", "owner"} {
		for _, tc := range []struct {
			at   time.Duration
			want string
		}{
			{0, "TOO_EARLY_TO_ESCALATE"},
			{EscalateAfterWaiting - time.Nanosecond, "TOO_EARLY_TO_ESCALATE"},
			{EscalateAfterWaiting, ""},
			{EscalateAfterWaiting + time.Second, ""},
		} {
			err := Can(rulesPrincipals[who], c, ActEscalate, rulesT0.Add(tc.at))
			if got := rulesOutcome(err); got != tc.want {
				t.Errorf("%s escalates at created+%v: %q, want %q", who, tc.at, got, tc.want)
			}
			if tc.want != "" && !strings.Contains(err.Error(), rulesT0.Add(EscalateAfterWaiting).Format(time.RFC3339)) {
				t.Errorf("TOO_EARLY_TO_ESCALATE should say from when: %v", err)
			}
		}
	}
	rejected := rulesCase(ReturnRefund, Rejected)
	if err := Can(rulesPrincipals["buyer"], rejected, ActEscalate, rulesT0.Add(2*time.Hour)); err != nil {
		t.Errorf("the buyer escalates a rejection at once: %v", err)
	}
	if EscalateAfterWaiting != 48*time.Hour {
		t.Fatalf("EscalateAfterWaiting = %v; DESIGN says 48 h", EscalateAfterWaiting)
	}
}

func TestCanMarkReturnDeliveredOnce(t *testing.T) {
	c := rulesCase(ReturnRefund, ReturnShipped)
	c.ReturnDeliveredAt = ptr(rulesT0.Add(20 * time.Hour))
	if got := rulesOutcome(Can(rulesPrincipals["owner"], c, ActMarkReturnDelivered, rulesNow)); got != "ALREADY_DELIVERED" {
		t.Errorf("second delivery: %q, want ALREADY_DELIVERED", got)
	}
	if err := Can(rulesPrincipals["owner"], c, ActReceiveReturn, rulesNow); err != nil {
		t.Errorf("a delivered return is still received: %v", err)
	}
}

// A complaint's priority escalation is the buyer's, once, from any state where the platform may still act.
func TestCanComplaintPriorityEscalateOnce(t *testing.T) {
	buyer := rulesPrincipals["buyer"]
	for _, s := range []Status{Requested, Rejected, PlatformReview} {
		c := rulesCase(Complaint, s)
		if err := Can(buyer, c, ActPriorityEscalate, rulesNow); err != nil {
			t.Errorf("%s: first priority escalation: %v", s, err)
		}
		c.PriorityEscalatedAt = ptr(rulesT0.Add(time.Hour))
		err := Can(buyer, c, ActPriorityEscalate, rulesNow)
		if got := rulesOutcome(err); got != "ALREADY_PRIORITY_ESCALATED" {
			t.Errorf("%s: second priority escalation: %q, want ALREADY_PRIORITY_ESCALATED", s, got)
		} else if !strings.Contains(err.Error(), c.PriorityEscalatedAt.Format(time.RFC3339)) {
			t.Errorf("ALREADY_PRIORITY_ESCALATED should say when: %v", err)
		}
	}
	if got := rulesOutcome(Can(rulesPrincipals["owner"], rulesCase(Complaint, Requested), ActPriorityEscalate, rulesNow)); got != "FORBIDDEN" {
		t.Errorf("the store escalates a complaint with priority: %q, want FORBIDDEN", got)
	}
}

// rulesRuled is a case in arbitration ruled by rulesAdmin at ruledAt.
func rulesRuled(ruling string, ruledAt time.Time) Case {
	c := rulesCase(ReturnRefund, InArbitration)
	c.Ruling, c.Liability, c.RuledAt, c.RuledBy, c.RulingNote = ptr(ruling), ptr("MERCHANT"), &ruledAt, ptr(rulesAdmin), ptr("photos show the defect")
	if ruling == "FOR_BUYER" {
		c.ApprovedMinor = ptr(c.RequestedMinor)
	}
	return c
}

// The ruling's states: who may rule again, appeal, or decide the appeal.
func TestCanArbitrationRulingAndAppeal(t *testing.T) {
	ruledAt := rulesT0.Add(4 * 24 * time.Hour)
	inWindow := ruledAt.Add(24 * time.Hour)
	appealed := func(ruling, by string) Case {
		c := rulesRuled(ruling, ruledAt)
		c.AppealBy, c.AppealedAt, c.AppealReason = ptr(by), ptr(ruledAt.Add(time.Hour)), ptr("the photos are of another item")
		return c
	}
	decided := appealed("FOR_BUYER", "MERCHANT")
	decided.AppealDecidedAt, decided.AppealDecidedBy, decided.AppealOutcome = ptr(ruledAt.Add(2*time.Hour)), ptr(rulesAdmin2), ptr("UPHELD")
	admin2 := tenants.Principal{Role: tenants.RoleAdmin, UserID: rulesAdmin2}
	for _, tc := range []struct {
		name string
		c    Case
		who  tenants.Principal
		a    Action
		at   time.Time
		want string
	}{
		{"rule an unruled case", rulesCase(ReturnRefund, InArbitration), rulesPrincipals["admin"], ActRule, inWindow, ""},
		{"rule again", rulesRuled("FOR_BUYER", ruledAt), admin2, ActRule, inWindow, "ALREADY_RULED"},
		{"rule again, same admin", rulesRuled("FOR_MERCHANT", ruledAt), rulesPrincipals["admin"], ActRule, inWindow, "ALREADY_RULED"},
		{"merchant appeals a ruling for the buyer", rulesRuled("FOR_BUYER", ruledAt), rulesPrincipals["owner"], ActAppeal, inWindow, ""},
		{"agent appeals a ruling for the buyer", rulesRuled("FOR_BUYER", ruledAt), rulesPrincipals["agent"], ActAppeal, inWindow, ""},
		{"read-only token appeals", rulesRuled("FOR_BUYER", ruledAt), rulesPrincipals["token-read"], ActAppeal, inWindow, "FORBIDDEN"},
		{"buyer appeals a ruling for the buyer", rulesRuled("FOR_BUYER", ruledAt), rulesPrincipals["buyer"], ActAppeal, inWindow, "NOT_THE_LOSING_SIDE"},
		{"buyer appeals a ruling for the merchant", rulesRuled("FOR_MERCHANT", ruledAt), rulesPrincipals["buyer"], ActAppeal, inWindow, ""},
		{"merchant appeals a ruling for the merchant", rulesRuled("FOR_MERCHANT", ruledAt), rulesPrincipals["owner"], ActAppeal, inWindow, "NOT_THE_LOSING_SIDE"},
		{"admin appeals", rulesRuled("FOR_MERCHANT", ruledAt), admin2, ActAppeal, inWindow, "FORBIDDEN"},
		{"appeal at the ruling", rulesRuled("FOR_MERCHANT", ruledAt), rulesPrincipals["buyer"], ActAppeal, ruledAt, ""},
		{"appeal 1ns before 7 days", rulesRuled("FOR_MERCHANT", ruledAt), rulesPrincipals["buyer"], ActAppeal, ruledAt.Add(AppealWindow - time.Nanosecond), ""},
		{"appeal at 7 days", rulesRuled("FOR_MERCHANT", ruledAt), rulesPrincipals["buyer"], ActAppeal, ruledAt.Add(AppealWindow), "APPEAL_WINDOW_CLOSED"},
		{"appeal after 7 days", rulesRuled("FOR_BUYER", ruledAt), rulesPrincipals["owner"], ActAppeal, ruledAt.Add(AppealWindow + time.Hour), "APPEAL_WINDOW_CLOSED"},
		{"appeal twice", appealed("FOR_MERCHANT", "BUYER"), rulesPrincipals["buyer"], ActAppeal, inWindow, "ALREADY_APPEALED"},
		{"the winner appeals after the loser", appealed("FOR_MERCHANT", "BUYER"), rulesPrincipals["owner"], ActAppeal, inWindow, "ALREADY_APPEALED"},
		{"decide without an appeal", rulesRuled("FOR_BUYER", ruledAt), admin2, ActDecideAppeal, inWindow, "NO_OPEN_APPEAL"},
		{"decide by the ruling admin", appealed("FOR_BUYER", "MERCHANT"), rulesPrincipals["admin"], ActDecideAppeal, inWindow, "SAME_ADMIN"},
		{"decide by another admin", appealed("FOR_BUYER", "MERCHANT"), admin2, ActDecideAppeal, inWindow, ""},
		{"decide after the window (an appeal waits for its decision)", appealed("FOR_BUYER", "MERCHANT"), admin2, ActDecideAppeal, ruledAt.Add(30 * 24 * time.Hour), ""},
		{"decide twice", decided, admin2, ActDecideAppeal, inWindow, "NO_OPEN_APPEAL"},
		{"merchant decides", appealed("FOR_BUYER", "MERCHANT"), rulesPrincipals["owner"], ActDecideAppeal, inWindow, "FORBIDDEN"},
		{"buyer decides", appealed("FOR_MERCHANT", "BUYER"), rulesPrincipals["buyer"], ActDecideAppeal, inWindow, "FORBIDDEN"},
		{"withdraw a ruled case", rulesRuled("FOR_BUYER", ruledAt), rulesPrincipals["buyer"], ActWithdraw, inWindow, ""},
		{"escalate a ruled case", rulesRuled("FOR_MERCHANT", ruledAt), rulesPrincipals["buyer"], ActEscalate, inWindow, "INVALID_STATE"},
	} {
		err := Can(tc.who, tc.c, tc.a, tc.at)
		if got := rulesOutcome(err); got != tc.want {
			t.Errorf("%s: Can = %q, want %q", tc.name, got, tc.want)
			continue
		}
		if tc.want == "APPEAL_WINDOW_CLOSED" && !strings.Contains(err.Error(), ruledAt.Add(AppealWindow).Format(time.RFC3339)) {
			t.Errorf("%s: the refusal should say until when: %v", tc.name, err)
		}
	}
	if AppealWindow != 7*24*time.Hour || EvidenceWindow != 72*time.Hour {
		t.Fatalf("AppealWindow %v, EvidenceWindow %v; DESIGN says 7 days and 72 h", AppealWindow, EvidenceWindow)
	}
}

// Available is Can over every action, in the order the API shows them.
func TestCanAvailableFollowsCan(t *testing.T) {
	for who, p := range rulesPrincipals {
		for _, typ := range []Type{ReturnRefund, Complaint} {
			for _, s := range rulesStatuses {
				c := rulesCase(typ, s)
				var want []Action
				for _, a := range Actions {
					if Can(p, c, a, rulesNow) == nil {
						want = append(want, a)
					}
				}
				if got := Available(p, c, rulesNow); !slices.Equal(got, want) {
					t.Errorf("Available(%s, %s %s) = %v, want %v", who, typ, s, got, want)
				}
			}
		}
	}
	got := Available(rulesPrincipals["buyer"], rulesCase(Complaint, Rejected), rulesNow)
	if want := []Action{ActRevise, ActEscalate, ActPriorityEscalate, ActWithdraw}; !slices.Equal(got, want) {
		t.Errorf("buyer on a rejected complaint: %v, want %v", got, want)
	}
}

// The deadlines of arbitration and complaints (DESIGN §3.2) and whether the scheduler acts on them.
func TestRulesArbitrationAndComplaintDeadlines(t *testing.T) {
	ruledAt := rulesT0.Add(4 * 24 * time.Hour)
	unruled := rulesCase(ReturnRefund, InArbitration)
	ruled := rulesRuled("FOR_BUYER", ruledAt)
	appealed := rulesRuled("FOR_BUYER", ruledAt)
	appealed.AppealedAt = ptr(ruledAt.Add(time.Hour))
	merchantLate := rulesCase(ReturnRefund, InArbitration)
	merchantLate.MerchantEvidenceDue = ptr(merchantLate.BuyerEvidenceDue.Add(24 * time.Hour))
	complaint := rulesCase(Complaint, Requested)
	review := rulesCase(Complaint, PlatformReview)
	priority := rulesCase(Complaint, PlatformReview)
	priority.PriorityEscalatedAt = ptr(rulesT0.Add(50 * time.Hour))
	rejected := rulesCase(Complaint, Rejected)
	for _, tc := range []struct {
		name   string
		c      Case
		at     time.Time
		action DeadlineAction
		acts   bool
	}{
		{"evidence windows", unruled, unruled.BuyerEvidenceDue.Add(0), DeadlineEvidenceCloses, false},
		{"the later evidence window", merchantLate, *merchantLate.MerchantEvidenceDue, DeadlineEvidenceCloses, false},
		{"ruled: the appeal window", ruled, ruledAt.Add(AppealWindow), DeadlineRulingFinal, true},
		{"appealed: nothing until decided", appealed, time.Time{}, "", false},
		{"complaint: the store's 48 h", complaint, complaint.RespondBy, DeadlineToPlatform, true},
		{"complaint in review: the platform's 24 h", review, review.EscalatedAt.Add(24 * time.Hour), DeadlinePlatformAnswers, false},
		{"priority: the platform's 4 h", priority, priority.PriorityEscalatedAt.Add(4 * time.Hour), DeadlinePlatformAnswers, false},
		{"rejected complaint: the buyer's 7 days", rejected, rejected.RejectedAt.Add(7 * 24 * time.Hour), DeadlineClose, true},
	} {
		at, action, ok := Deadline(tc.c, rulesNow)
		if ok != (tc.action != "") || action != tc.action || !at.Equal(tc.at) {
			t.Errorf("%s: Deadline = %s %s %v, want %s %s", tc.name, at, action, ok, tc.at, tc.action)
			continue
		}
		if ok && action.Acts() != tc.acts {
			t.Errorf("%s: %s acts = %v, want %v", tc.name, action, action.Acts(), tc.acts)
		}
	}
	if ComplaintAnswerWithin != 48*time.Hour || PlatformHandlesComplaint != 24*time.Hour || PriorityPlatformWithin != 4*time.Hour {
		t.Fatalf("complaint timings %v / %v / %v; DESIGN says 48 h, 24 h and a short priority deadline (4 h)",
			ComplaintAnswerWithin, PlatformHandlesComplaint, PriorityPlatformWithin)
	}
}

// Input checks of arbitration and complaints that need no database: they refuse before touching the case.
func TestRulesArbitrationAndComplaintInputs(t *testing.T) {
	long := strings.Repeat("證", MaxNoteLength+1)
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"no liability", ruleInput(Ruling{ForBuyer: true, Note: "x"}), "INVALID_LIABILITY"},
		{"unknown liability", ruleInput(Ruling{ForBuyer: true, Liability: "COURIER", Note: "x"}), "INVALID_LIABILITY"},
		{"no note", ruleInput(Ruling{ForBuyer: true, Liability: "CARRIER", Note: "  \n"}), "NOTE_REQUIRED"},
		{"long note", ruleInput(Ruling{ForBuyer: true, Liability: "CARRIER", Note: long}), "NOTE_REQUIRED"},
		{"an amount for the merchant", ruleInput(Ruling{Liability: "BUYER", Note: "x", AmountMinor: ptr(int64(1))}), "INVALID_AMOUNT"},
		{"no outcome", resolveInput(Resolution{}), "INVALID_OUTCOME"},
		{"unknown outcome", resolveInput(Resolution{Outcome: "APOLOGY"}), "INVALID_OUTCOME"},
		{"rejected without a note", resolveInput(Resolution{Outcome: "REJECTED", Note: " "}), "NOTE_REQUIRED"},
		{"refund with a long note", resolveInput(Resolution{Outcome: "REFUND", Note: long}), "NOTE_REQUIRED"},
		{"price difference without an amount", resolveInput(Resolution{Outcome: "PRICE_DIFFERENCE"}), "INVALID_AMOUNT"},
		{"exchange with an amount", resolveInput(Resolution{Outcome: "EXCHANGE", AmountMinor: ptr(int64(100))}), "INVALID_AMOUNT"},
		{"rejected with an amount", resolveInput(Resolution{Outcome: "REJECTED", Note: "no", AmountMinor: ptr(int64(100))}), "INVALID_AMOUNT"},
		{"appeal without a reason", func() error { _, err := Appeal(t.Context(), nil, Key{}, "", nil, rulesNow); return err }(), "REASON_REQUIRED"},
		{"appeal with a long reason", func() error { _, err := Appeal(t.Context(), nil, Key{}, long, nil, rulesNow); return err }(), "REASON_REQUIRED"},
		{"decide without a note", func() error {
			_, err := DecideAppeal(t.Context(), nil, nil, Key{}, true, "", "k", nil, rulesNow)
			return err
		}(), "NOTE_REQUIRED"},
	} {
		if got := rulesOutcome(tc.err); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
	if !ComplaintUpheld("REFUND") || !ComplaintUpheld("EXCHANGE") || !ComplaintUpheld("PRICE_DIFFERENCE") || ComplaintUpheld("REJECTED") || ComplaintUpheld("") {
		t.Errorf("an upheld complaint is one resolved with any outcome but REJECTED")
	}
}

// ruleInput and resolveInput call the functions with no session: a refusal of the input comes before any use
// of it.
func ruleInput(in Ruling) error {
	_, err := Rule(context.Background(), nil, nil, Key{}, in, nil, rulesNow)
	return err
}

func resolveInput(in Resolution) error {
	_, err := ResolveComplaint(context.Background(), nil, nil, Key{}, in, "k", nil, rulesNow)
	return err
}
