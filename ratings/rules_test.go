package ratings

// The rules of DESIGN §3.3 as plain functions, no database: the shape of a rating and a reply, when an order
// can be rated (every status; the window's edge to the second), when a rating can be revised, who may do what.

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"tradeguard/orders"
	"tradeguard/tenants"
)

var (
	ruleStore  = uuid.MustParse("00000000-0000-4000-8000-000000000001")
	ruleBuyer  = uuid.MustParse("00000000-0000-4000-8000-000000000002")
	ruleStaff  = uuid.MustParse("00000000-0000-4000-8000-000000000003")
	ruleToken  = uuid.MustParse("00000000-0000-4000-8000-000000000004")
	ruleAdmin  = uuid.MustParse("00000000-0000-4000-8000-000000000005")
	ruleOther  = uuid.MustParse("00000000-0000-4000-8000-000000000006")
	ruleStore2 = uuid.MustParse("00000000-0000-4000-8000-000000000007")
	ruleT0     = time.Date(2026, 6, 15, 2, 0, 0, 0, time.UTC)
)

var rulePrincipals = map[string]tenants.Principal{
	"buyer":       {Role: tenants.RoleBuyer, UserID: ruleBuyer},
	"other-buyer": {Role: tenants.RoleBuyer, UserID: ruleOther},
	"owner":       {Role: tenants.RoleMerchant, UserID: ruleStaff, StoreID: ruleStore, StaffRole: tenants.StaffOwner},
	"agent":       {Role: tenants.RoleMerchant, UserID: ruleStaff, StoreID: ruleStore, StaffRole: tenants.StaffAgent},
	"token-write": {Role: tenants.RoleMerchant, StoreID: ruleStore, StaffRole: tenants.StaffAPI, TokenID: ruleToken,
		Scopes: []tenants.Scope{tenants.ScopeRatingsWrite}},
	"token-read": {Role: tenants.RoleMerchant, StoreID: ruleStore, StaffRole: tenants.StaffAPI, TokenID: ruleToken,
		Scopes: []tenants.Scope{tenants.ScopeRatingsRead, tenants.ScopeOrdersWrite, tenants.ScopeCasesWrite}},
	"other-owner": {Role: tenants.RoleMerchant, UserID: ruleOther, StoreID: ruleStore2, StaffRole: tenants.StaffOwner},
	"admin":       {Role: tenants.RoleAdmin, UserID: ruleAdmin},
	"system":      tenants.System,
	"anonymous":   tenants.Anonymous,
	"zero":        {},
}

func tp(t time.Time) *time.Time { return &t }

// orderIn is an order in the status, delivered at ruleT0 and (if completed) completed 3 days later.
func orderIn(s orders.Status) orders.Order {
	o := orders.Order{StoreID: ruleStore, ID: uuid.MustParse("00000000-0000-4000-8000-0000000000aa"), Number: "TS-100042",
		BuyerID: ruleBuyer, Status: s, Currency: "TWD", CreatedAt: ruleT0.Add(-5 * 24 * time.Hour)}
	if s == orders.Delivered || s == orders.Completed {
		o.DeliveredAt = tp(ruleT0)
	}
	if s == orders.Completed {
		o.CompletedAt = tp(ruleT0.Add(3 * 24 * time.Hour))
	}
	return o
}

func rating() Rating {
	return Rating{StoreID: ruleStore, ID: uuid.MustParse("00000000-0000-4000-8000-0000000000bb"), OrderID: orderIn(orders.Completed).ID,
		BuyerID: ruleBuyer, Overall: 4, DescriptionMatch: 4, ServiceAttitude: 5, LogisticsSpeed: 3, Comment: "ok",
		InitialOverall: 4, InitialDescriptionMatch: 4, InitialServiceAttitude: 5, InitialLogisticsSpeed: 3, InitialComment: "ok",
		CreatedAt: ruleT0}
}

// codes lists the codes and field paths of a refusal ("FORBIDDEN"/"NOT_FOUND" for those errors).
func codes(t *testing.T, err error) []string {
	t.Helper()
	switch {
	case err == nil:
		return nil
	case errors.Is(err, tenants.ErrForbidden):
		return []string{"FORBIDDEN"}
	case errors.Is(err, tenants.ErrNotFound):
		return []string{"NOT_FOUND"}
	}
	rules, ok := tenants.AsRuleErrors(err)
	if !ok {
		t.Fatalf("unexpected error %v", err)
	}
	var out []string
	for _, r := range rules {
		out = append(out, r.Code+"@"+strings.Join(r.Field, "."))
	}
	return out
}

func TestValidateInput(t *testing.T) {
	good := Input{Overall: 5, DescriptionMatch: 4, ServiceAttitude: 3, LogisticsSpeed: 1}
	with := func(f func(*Input)) Input { in := good; f(&in); return in }
	for _, c := range []struct {
		name string
		in   Input
		want []string
	}{
		{"all valid, no comment", good, nil},
		{"1 and 5 are the edges", Input{Overall: 1, DescriptionMatch: 5, ServiceAttitude: 1, LogisticsSpeed: 5}, nil},
		{"overall 0", with(func(in *Input) { in.Overall = 0 }), []string{"INVALID_STARS@input.overall"}},
		{"overall 6", with(func(in *Input) { in.Overall = 6 }), []string{"INVALID_STARS@input.overall"}},
		{"description -1", with(func(in *Input) { in.DescriptionMatch = -1 }), []string{"INVALID_STARS@input.descriptionMatch"}},
		{"service 10", with(func(in *Input) { in.ServiceAttitude = 10 }), []string{"INVALID_STARS@input.serviceAttitude"}},
		{"logistics 0", with(func(in *Input) { in.LogisticsSpeed = 0 }), []string{"INVALID_STARS@input.logisticsSpeed"}},
		{"every problem at once", Input{Comment: strings.Repeat("x", 1001)}, []string{"INVALID_STARS@input.overall",
			"INVALID_STARS@input.descriptionMatch", "INVALID_STARS@input.serviceAttitude", "INVALID_STARS@input.logisticsSpeed",
			"COMMENT_TOO_LONG@input.comment"}},
		{"1000 ASCII characters", with(func(in *Input) { in.Comment = strings.Repeat("a", 1000) }), nil},
		{"1001 ASCII characters", with(func(in *Input) { in.Comment = strings.Repeat("a", 1001) }), []string{"COMMENT_TOO_LONG@input.comment"}},
		// characters, not bytes: 1000 Chinese characters are 3000 bytes, 1000 emoji 4000
		{"1000 Chinese characters", with(func(in *Input) { in.Comment = strings.Repeat("好", 1000) }), nil},
		{"1000 emoji", with(func(in *Input) { in.Comment = strings.Repeat("😀", 1000) }), nil},
		{"1001 emoji", with(func(in *Input) { in.Comment = strings.Repeat("😀", 1001) }), []string{"COMMENT_TOO_LONG@input.comment"}},
		{"markup is text", with(func(in *Input) { in.Comment = `<script>alert(1)</script>` }), nil},
		{"spaces only are fine", with(func(in *Input) { in.Comment = "   " }), nil},
		{"NUL", with(func(in *Input) { in.Comment = "a\x00b" }), []string{"INVALID_CHARACTERS@input.comment"}},
		{"invalid UTF-8", with(func(in *Input) { in.Comment = "a\xffb" }), []string{"INVALID_CHARACTERS@input.comment"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := codes(t, ValidateInput(c.in)); !slices.Equal(got, c.want) {
				t.Errorf("got %v, want %v", got, c.want)
			}
		})
	}
}

func TestValidateReply(t *testing.T) {
	for _, c := range []struct {
		name, text string
		want       []string
	}{
		{"one character", "謝", nil},
		{"empty", "", []string{"REPLY_REQUIRED@input.text"}},
		{"spaces and newlines", " \n\t ", []string{"REPLY_REQUIRED@input.text"}},
		{"1000 characters", strings.Repeat("謝", 1000), nil},
		{"1001 characters", strings.Repeat("謝", 1001), []string{"REPLY_TOO_LONG@input.text"}},
		{"NUL", "thanks\x00", []string{"INVALID_CHARACTERS@input.text"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := codes(t, ValidateReply(c.text)); !slices.Equal(got, c.want) {
				t.Errorf("got %v, want %v", got, c.want)
			}
		})
	}
}

func TestCanRate(t *testing.T) {
	completed := orderIn(orders.Completed)
	closes := completed.CompletedAt.Add(15 * 24 * time.Hour)
	for _, c := range []struct {
		name string
		o    orders.Order
		now  time.Time
		want string
	}{
		{"pending payment", orderIn(orders.PendingPayment), ruleT0, "NOT_DELIVERED"},
		{"paid", orderIn(orders.Paid), ruleT0, "NOT_DELIVERED"},
		{"shipped", orderIn(orders.Shipped), ruleT0, "NOT_DELIVERED"},
		{"cancelled", orderIn(orders.Cancelled), ruleT0, "NOT_DELIVERED"},
		{"delivered, at once", orderIn(orders.Delivered), ruleT0, ""},
		// a delivered order the system has not completed yet has no end to its window
		{"delivered, 60 days on", orderIn(orders.Delivered), ruleT0.Add(60 * 24 * time.Hour), ""},
		{"completed, at once", completed, *completed.CompletedAt, ""},
		{"completed, 1 s before the window closes", completed, closes.Add(-time.Second), ""},
		{"completed, 1 ns before the window closes", completed, closes.Add(-time.Nanosecond), ""},
		{"completed, as the window closes", completed, closes, "RATING_WINDOW_CLOSED"},
		{"completed, 1 s after", completed, closes.Add(time.Second), "RATING_WINDOW_CLOSED"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := CanRate(c.o, c.now)
			got := ""
			if err != nil {
				var re *tenants.RuleError
				if !errors.As(err, &re) {
					t.Fatalf("not a RuleError: %v", err)
				}
				got = re.Code
				if !slices.Equal(re.Field, []string{"input", "orderId"}) {
					t.Errorf("field %v, want input.orderId", re.Field)
				}
				if !strings.Contains(re.Message, c.o.Number) {
					t.Errorf("message does not name the order: %s", re.Message)
				}
			}
			if got != c.want {
				t.Errorf("got %q (%v), want %q", got, err, c.want)
			}
		})
	}
	// The refusal says when the order completed and until when it could be rated.
	err := CanRate(completed, closes)
	for _, date := range []string{"2026-06-18T02:00:00Z", "2026-07-03T02:00:00Z"} {
		if !strings.Contains(err.Error(), date) {
			t.Errorf("refusal %q does not name %s", err, date)
		}
	}
	if at, ok := WindowCloses(completed); !ok || !at.Equal(closes) {
		t.Errorf("WindowCloses = %v %v, want %v", at, ok, closes)
	}
	if _, ok := WindowCloses(orderIn(orders.Delivered)); ok {
		t.Error("a delivered order's window has no end yet")
	}
}

func TestCanCreate(t *testing.T) {
	o := orderIn(orders.Delivered)
	for who, p := range rulePrincipals {
		want := "FORBIDDEN"
		switch who {
		case "buyer":
			want = ""
		case "other-buyer":
			want = "NOT_FOUND"
		}
		got := strings.Join(codes(t, CanCreate(p, o, ruleT0)), ",")
		if got != want {
			t.Errorf("%s: got %q, want %q", who, got, want)
		}
	}
	if got := codes(t, CanCreate(rulePrincipals["buyer"], orderIn(orders.Shipped), ruleT0)); !slices.Equal(got, []string{"NOT_DELIVERED@input.orderId"}) {
		t.Errorf("shipped: %v", got)
	}
}

func TestCanRevise(t *testing.T) {
	r := rating()
	closes := r.CreatedAt.Add(30 * 24 * time.Hour)
	revised := rating()
	revised.RevisedAt = tp(ruleT0.Add(time.Hour))
	for _, c := range []struct {
		name string
		r    Rating
		now  time.Time
		want string
	}{
		{"at once", r, r.CreatedAt, ""},
		{"1 s before the window closes", r, closes.Add(-time.Second), ""},
		{"as the window closes", r, closes, "REVISION_WINDOW_CLOSED"},
		{"1 s after", r, closes.Add(time.Second), "REVISION_WINDOW_CLOSED"},
		{"already revised", revised, ruleT0.Add(2 * time.Hour), "REVISION_USED"},
		{"already revised and closed: the revision is what counts", revised, closes, "REVISION_USED"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := strings.Join(codes(t, CanRevise(c.r, c.now)), ",")
			if want := c.want; want != "" {
				want += "@input.ratingId"
				if got != want {
					t.Errorf("got %q, want %q", got, want)
				}
				return
			}
			if got != "" {
				t.Errorf("got %q, want allowed", got)
			}
		})
	}
	err := CanRevise(r, closes)
	for _, date := range []string{"2026-06-15T02:00:00Z", "2026-07-15T02:00:00Z"} {
		if !strings.Contains(err.Error(), date) {
			t.Errorf("refusal %q does not name %s", err, date)
		}
	}
}

// TestCan is who may revise and reply, for every kind of caller, on a fresh rating and on one already
// revised and answered.
func TestCan(t *testing.T) {
	fresh := rating()
	done := rating()
	done.RevisedAt, done.RepliedAt = tp(ruleT0.Add(time.Hour)), tp(ruleT0.Add(2*time.Hour))
	reply := "thanks"
	done.Reply, done.RepliedBy = &reply, &ruleStaff
	now := ruleT0.Add(3 * time.Hour)
	want := map[Action]map[string]string{
		ActionRevise: {"buyer": "", "other-buyer": "NOT_FOUND"},
		ActionReply:  {"owner": "", "agent": "", "token-write": "", "other-owner": "NOT_FOUND"},
	}
	used := map[Action]string{ActionRevise: "REVISION_USED@input.ratingId", ActionReply: "ALREADY_REPLIED@input.ratingId"}
	for _, a := range Actions {
		for who, p := range rulePrincipals {
			w, ok := want[a][who]
			if !ok {
				w = "FORBIDDEN"
			}
			if got := strings.Join(codes(t, Can(p, fresh, a, now)), ","); got != w {
				t.Errorf("%s %s fresh: got %q, want %q", who, a, got, w)
			}
			if w == "" {
				w = used[a]
			}
			if got := strings.Join(codes(t, Can(p, done, a, now)), ","); got != w {
				t.Errorf("%s %s done: got %q, want %q", who, a, got, w)
			}
		}
	}
	if got := Available(rulePrincipals["buyer"], fresh, now); !slices.Equal(got, []Action{ActionRevise}) {
		t.Errorf("buyer available %v", got)
	}
	if got := Available(rulePrincipals["agent"], fresh, now); !slices.Equal(got, []Action{ActionReply}) {
		t.Errorf("agent available %v", got)
	}
	if got := Available(rulePrincipals["owner"], done, now); len(got) != 0 {
		t.Errorf("owner available on a replied rating %v", got)
	}
	if got := Available(rulePrincipals["anonymous"], fresh, now); got == nil || len(got) != 0 {
		t.Errorf("anonymous available %v, want an empty list", got)
	}
}

func TestAsOf(t *testing.T) {
	r := rating()
	r.InitialOverall, r.InitialComment = 1, "broken"
	r.Overall, r.Comment, r.RevisedAt = 4, "replaced quickly", tp(ruleT0.Add(24*time.Hour))
	for _, c := range []struct {
		at      time.Time
		overall int
		comment string
	}{
		{ruleT0, 1, "broken"},
		{r.RevisedAt.Add(-time.Second), 1, "broken"},
		{*r.RevisedAt, 1, "broken"}, // half-open: the revision counts after its instant
		{r.RevisedAt.Add(time.Second), 4, "replaced quickly"},
	} {
		if got := r.AsOf(c.at); got.Overall != c.overall || got.Comment != c.comment {
			t.Errorf("AsOf(%v) = %+v, want %d %q", c.at, got, c.overall, c.comment)
		}
	}
}
