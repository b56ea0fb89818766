package aftersales_test

// The eligibility windows of DESIGN §3.2 as a pure function, each tested one second before, at and one second
// after its edge: the 7-day no-reason return counted in calendar days of the store's time zone (a zone without
// daylight saving time, Asia/Taipei, and one with it, America/Los_Angeles), the legal exclusions, the 15-day
// quality window, warranties, the not-received window and complaints; plus the order states each type needs.
// No database.

import (
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	as "tradeguard/aftersales"
	"tradeguard/tenants"
)

var (
	eligTaipei = eligZone("Asia/Taipei")
	eligLA     = eligZone("America/Los_Angeles")
	eligItem   = uuid.MustParse("00000000-0000-4000-8000-00000000e001")
)

func eligZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

func eligAt(t time.Time) *time.Time { return &t }

// eligCase is one row of the tables: the input and what must come out ("" for eligible), with strings the
// message must contain (the dates) and the field the refusal must name.
type eligCase struct {
	name   string
	in     as.EligibilityInput
	code   string
	field  string
	inMsg  []string
	nCodes int // how many refusals (0 means 1 when code is set)
}

func runElig(t *testing.T, cases []eligCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := as.CheckEligibility(c.in)
			if c.code == "" {
				if err != nil {
					t.Fatalf("want eligible, got %v", err)
				}
				return
			}
			errs, ok := tenants.AsRuleErrors(err)
			if !ok {
				t.Fatalf("want %s, got %v", c.code, err)
			}
			want := max(c.nCodes, 1)
			if len(errs) != want {
				t.Fatalf("want %d refusal(s), got %v", want, err)
			}
			for _, e := range errs {
				if e.Code != c.code {
					t.Fatalf("want %s, got %v", c.code, err)
				}
				if c.field != "" && strings.Join(e.Field, ".") != c.field {
					t.Errorf("field %v, want %s", e.Field, c.field)
				}
				for _, s := range c.inMsg {
					if !strings.Contains(e.Message, s) {
						t.Errorf("message %q does not contain %q", e.Message, s)
					}
				}
			}
		})
	}
}

// delivered is an order delivered at d (and shipped two days earlier), checked at now.
func eligDelivered(tp as.Type, r as.Reason, d time.Time, tz *time.Location, now time.Time, items ...as.EligibilityItem) as.EligibilityInput {
	return as.EligibilityInput{Type: tp, Reason: r, OrderStatus: "DELIVERED", PaidAt: eligAt(d.Add(-72 * time.Hour)),
		ShippedAt: eligAt(d.Add(-48 * time.Hour)), DeliveredAt: eligAt(d), StoreTZ: tz, Now: now, Items: items}
}

func eligItemOf(category string, excluded bool, warrantyDays int, unopened bool) as.EligibilityItem {
	return as.EligibilityItem{OrderItemID: eligItem, Title: "Thing", Category: category, NoReasonExcluded: excluded,
		WarrantyDays: warrantyDays, Unopened: unopened}
}

var eligPlain = eligItemOf("electronics", false, 365, false)

func TestEligibilityNoReasonTaipei(t *testing.T) {
	// Delivered 2026-06-01 15:00 Taipei: possible until 2026-06-08 23:59:59 Taipei.
	d := time.Date(2026, 6, 1, 15, 0, 0, 0, eligTaipei)
	end := time.Date(2026, 6, 9, 0, 0, 0, 0, eligTaipei)
	if got := as.NoReasonReturnEnds(d, eligTaipei); !got.Equal(end) {
		t.Fatalf("NoReasonReturnEnds = %s, want %s", got, end)
	}
	msg := []string{"2026-06-01T15:00:00+08:00", "2026-06-08", "2026-06-08T23:59:59+08:00"}
	runElig(t, []eligCase{
		{name: "right after delivery", in: eligDelivered(as.ReturnRefund, as.NoReason, d, eligTaipei, d, eligPlain)},
		{name: "one second before the edge", in: eligDelivered(as.ReturnRefund, as.NoReason, d, eligTaipei, end.Add(-time.Second), eligPlain)},
		{name: "at the edge", in: eligDelivered(as.ReturnRefund, as.NoReason, d, eligTaipei, end, eligPlain), code: "WINDOW_CLOSED", field: "input.reason", inMsg: msg},
		{name: "one second after", in: eligDelivered(as.ReturnRefund, as.NoReason, d, eligTaipei, end.Add(time.Second), eligPlain), code: "WINDOW_CLOSED", inMsg: msg},
		{name: "completed order uses its delivery", in: func() as.EligibilityInput {
			in := eligDelivered(as.ReturnRefund, as.NoReason, d, eligTaipei, end.Add(-time.Second), eligPlain)
			in.OrderStatus, in.CompletedAt = "COMPLETED", eligAt(d.Add(10*24*time.Hour))
			return in
		}()},
	})
}

func TestEligibilityNoReasonStoreDayBoundary(t *testing.T) {
	// 2026-06-01T16:30Z is already 2026-06-02 00:30 in Taipei: the 7 days count from 2026-06-03 (Taipei), so
	// the window ends at 2026-06-10 00:00 Taipei, a day later than the UTC calendar would say.
	d := time.Date(2026, 6, 1, 16, 30, 0, 0, time.UTC)
	end := time.Date(2026, 6, 10, 0, 0, 0, 0, eligTaipei)
	// 2026-06-01T15:59:59Z is still 2026-06-01 23:59:59 in Taipei: ends 2026-06-09 00:00 Taipei.
	dBefore := time.Date(2026, 6, 1, 15, 59, 59, 0, time.UTC)
	endBefore := time.Date(2026, 6, 9, 0, 0, 0, 0, eligTaipei)
	runElig(t, []eligCase{
		{name: "after midnight: one second before the edge", in: eligDelivered(as.ReturnRefund, as.NoReason, d, eligTaipei, end.Add(-time.Second), eligPlain)},
		{name: "after midnight: at the edge", in: eligDelivered(as.ReturnRefund, as.NoReason, d, eligTaipei, end, eligPlain), code: "WINDOW_CLOSED", inMsg: []string{"2026-06-09T23:59:59+08:00"}},
		{name: "after midnight: one second after", in: eligDelivered(as.ReturnRefund, as.NoReason, d, eligTaipei, end.Add(time.Second), eligPlain), code: "WINDOW_CLOSED"},
		{name: "same instant in UTC would have closed", in: eligDelivered(as.ReturnRefund, as.NoReason, d, time.UTC, end.Add(-time.Second), eligPlain), code: "WINDOW_CLOSED", inMsg: []string{"2026-06-08T23:59:59Z"}},
		{name: "before midnight: one second before the edge", in: eligDelivered(as.ReturnRefund, as.NoReason, dBefore, eligTaipei, endBefore.Add(-time.Second), eligPlain)},
		{name: "before midnight: at the edge", in: eligDelivered(as.ReturnRefund, as.NoReason, dBefore, eligTaipei, endBefore, eligPlain), code: "WINDOW_CLOSED"},
		{name: "before midnight: one second after", in: eligDelivered(as.ReturnRefund, as.NoReason, dBefore, eligTaipei, endBefore.Add(time.Second), eligPlain), code: "WINDOW_CLOSED"},
	})
}

func TestEligibilityNoReasonLosAngelesDST(t *testing.T) {
	// Clocks go forward on 2026-03-08 in Los Angeles: delivered 2026-03-01 10:00 PST, the window ends at
	// midnight PDT after 2026-03-08, 2026-03-09T07:00Z (7 × 24 h from the first day's start would be 08:00Z).
	d := time.Date(2026, 3, 1, 10, 0, 0, 0, eligLA)
	end := time.Date(2026, 3, 9, 7, 0, 0, 0, time.UTC)
	if got := as.NoReasonReturnEnds(d, eligLA); !got.Equal(end) {
		t.Fatalf("NoReasonReturnEnds = %s, want %s", got, end)
	}
	// Clocks go back on 2026-11-01: delivered 2026-10-30 09:00 PDT, ends 2026-11-07 00:00 PST = 08:00Z.
	dFall := time.Date(2026, 10, 30, 9, 0, 0, 0, eligLA)
	endFall := time.Date(2026, 11, 7, 8, 0, 0, 0, time.UTC)
	runElig(t, []eligCase{
		{name: "spring: one second before the edge", in: eligDelivered(as.ReturnRefund, as.NoReason, d, eligLA, end.Add(-time.Second), eligPlain)},
		{name: "spring: at the edge", in: eligDelivered(as.ReturnRefund, as.NoReason, d, eligLA, end, eligPlain), code: "WINDOW_CLOSED", inMsg: []string{"2026-03-01T10:00:00-08:00", "2026-03-08T23:59:59-07:00"}},
		{name: "spring: one second after", in: eligDelivered(as.ReturnRefund, as.NoReason, d, eligLA, end.Add(time.Second), eligPlain), code: "WINDOW_CLOSED"},
		{name: "fall: one second before the edge", in: eligDelivered(as.ReturnRefund, as.NoReason, dFall, eligLA, endFall.Add(-time.Second), eligPlain)},
		{name: "fall: at the edge", in: eligDelivered(as.ReturnRefund, as.NoReason, dFall, eligLA, endFall, eligPlain), code: "WINDOW_CLOSED", inMsg: []string{"2026-11-06T23:59:59-08:00"}},
		{name: "fall: one second after", in: eligDelivered(as.ReturnRefund, as.NoReason, dFall, eligLA, endFall.Add(time.Second), eligPlain), code: "WINDOW_CLOSED"},
	})
}

func TestEligibilityNoReasonLegalExclusions(t *testing.T) {
	d := time.Date(2026, 6, 1, 15, 0, 0, 0, eligTaipei)
	now := d.Add(24 * time.Hour)
	in := func(items ...as.EligibilityItem) as.EligibilityInput {
		return eligDelivered(as.ReturnRefund, as.NoReason, d, eligTaipei, now, items...)
	}
	gift := eligItemOf("perishable", true, 0, false)
	gift.Gift = true
	rows := []eligCase{
		{name: "not excluded", in: in(eligItemOf("apparel", false, 90, false))},
		{name: "digital unopened", in: in(eligItemOf("digital", true, 0, true))},
		{name: "hygiene unopened", in: in(eligItemOf("hygiene", true, 0, true))},
		{name: "digital opened", in: in(eligItemOf("digital", true, 0, false)), code: "EXCLUDED_BY_LAW", field: "input.items.0.orderItemId", inMsg: []string{"digital", "opened", `"Thing"`}},
		{name: "hygiene opened", in: in(eligItemOf("hygiene", true, 0, false)), code: "EXCLUDED_BY_LAW", inMsg: []string{"hygiene"}},
		{name: "a gift is never checked", in: in(eligPlain, gift)},
		{name: "two excluded lines, both named", in: in(eligPlain, eligItemOf("custom_made", true, 90, true), eligItemOf("periodicals", true, 0, false)), code: "EXCLUDED_BY_LAW", nCodes: 2},
		{name: "quality return of an excluded category", in: eligDelivered(as.ReturnRefund, as.QualityDefect, d, eligTaipei, now, eligItemOf("perishable", true, 0, false))},
	}
	for _, cat := range []string{"custom_made", "perishable", "periodicals"} {
		rows = append(rows, eligCase{name: cat + " even unopened", in: in(eligItemOf(cat, true, 0, true)), code: "EXCLUDED_BY_LAW", field: "input.items.0.orderItemId", inMsg: []string{cat}})
	}
	runElig(t, rows)
	// Two refusals name their own lines.
	errs, _ := tenants.AsRuleErrors(as.CheckEligibility(in(eligPlain, eligItemOf("custom_made", true, 90, true), eligItemOf("periodicals", true, 0, false))))
	if len(errs) != 2 || strings.Join(errs[0].Field, ".") != "input.items.1.orderItemId" || strings.Join(errs[1].Field, ".") != "input.items.2.orderItemId" {
		t.Fatalf("fields: %v", errs)
	}
}

func TestEligibilityQualityWindow(t *testing.T) {
	d := time.Date(2026, 6, 1, 15, 0, 0, 0, eligTaipei)
	end := d.Add(15 * 24 * time.Hour)
	var rows []eligCase
	for _, tp := range []as.Type{as.ReturnRefund, as.RefundOnly, as.Exchange} {
		for _, r := range []as.Reason{as.QualityDefect, as.WrongItem} {
			n := string(tp) + "/" + string(r)
			rows = append(rows,
				eligCase{name: n + ": one second before", in: eligDelivered(tp, r, d, eligTaipei, end.Add(-time.Second), eligPlain)},
				eligCase{name: n + ": at the edge", in: eligDelivered(tp, r, d, eligTaipei, end, eligPlain), code: "WINDOW_CLOSED", field: "input.reason",
					inMsg: []string{"15 days", "2026-06-01T15:00:00+08:00", "2026-06-16T15:00:00+08:00"}},
				eligCase{name: n + ": one second after", in: eligDelivered(tp, r, d, eligTaipei, end.Add(time.Second), eligPlain), code: "WINDOW_CLOSED"})
		}
	}
	// Late delivery (refund only) keeps the 15 days too; Los Angeles: 15 × 24 h, whatever the clocks do.
	dLA := time.Date(2026, 3, 1, 10, 0, 0, 0, eligLA)
	endLA := dLA.Add(15 * 24 * time.Hour)
	rows = append(rows,
		eligCase{name: "late delivery at the edge", in: eligDelivered(as.RefundOnly, as.LateDelivery, d, eligTaipei, end, eligPlain), code: "WINDOW_CLOSED"},
		eligCase{name: "LA: one second before", in: eligDelivered(as.ReturnRefund, as.NotAsDescribed, dLA, eligLA, endLA.Add(-time.Second), eligPlain)},
		eligCase{name: "LA: at the edge", in: eligDelivered(as.ReturnRefund, as.NotAsDescribed, dLA, eligLA, endLA, eligPlain), code: "WINDOW_CLOSED", inMsg: []string{"2026-03-16T11:00:00-07:00"}},
		eligCase{name: "LA: one second after", in: eligDelivered(as.ReturnRefund, as.NotAsDescribed, dLA, eligLA, endLA.Add(time.Second), eligPlain), code: "WINDOW_CLOSED"},
	)
	runElig(t, rows)
}

func TestEligibilityWarranty(t *testing.T) {
	d := time.Date(2026, 6, 1, 15, 0, 0, 0, eligTaipei)
	end := time.Date(2027, 6, 1, 15, 0, 0, 0, eligTaipei)
	// Los Angeles: 30 days from 2026-03-01 10:00 PST is 2026-03-31 10:00 PDT (calendar days, wall clock).
	dLA := time.Date(2026, 3, 1, 10, 0, 0, 0, eligLA)
	endLA := time.Date(2026, 3, 31, 17, 0, 0, 0, time.UTC)
	w := func(d time.Time, tz *time.Location, now time.Time, items ...as.EligibilityItem) as.EligibilityInput {
		return eligDelivered(as.WarrantyRepair, as.QualityDefect, d, tz, now, items...)
	}
	gift := eligItemOf("hygiene", true, 0, false)
	gift.Gift = true
	runElig(t, []eligCase{
		{name: "one second before", in: w(d, eligTaipei, end.Add(-time.Second), eligPlain)},
		{name: "at the edge", in: w(d, eligTaipei, end, eligPlain), code: "WINDOW_CLOSED", field: "input.items.0.orderItemId",
			inMsg: []string{"365-day warranty", "2026-06-01T15:00:00+08:00", "2027-06-01T15:00:00+08:00"}},
		{name: "one second after", in: w(d, eligTaipei, end.Add(time.Second), eligPlain), code: "WINDOW_CLOSED"},
		{name: "no warranty", in: w(d, eligTaipei, d.Add(time.Hour), eligItemOf("hygiene", true, 0, false)), code: "NO_WARRANTY", field: "input.items.0.orderItemId", inMsg: []string{"hygiene"}},
		{name: "a gift without warranty rides along", in: w(d, eligTaipei, d.Add(time.Hour), eligPlain, gift)},
		{name: "each line its own warranty", in: w(d, eligTaipei, d.Add(100*24*time.Hour), eligPlain, eligItemOf("apparel", false, 90, false)), code: "WINDOW_CLOSED", field: "input.items.1.orderItemId"},
		{name: "LA: one second before", in: w(dLA, eligLA, endLA.Add(-time.Second), eligItemOf("apparel", false, 30, false))},
		{name: "LA: at the edge", in: w(dLA, eligLA, endLA, eligItemOf("apparel", false, 30, false)), code: "WINDOW_CLOSED", inMsg: []string{"2026-03-31T10:00:00-07:00"}},
		{name: "LA: one second after", in: w(dLA, eligLA, endLA.Add(time.Second), eligItemOf("apparel", false, 30, false)), code: "WINDOW_CLOSED"},
	})
}

func TestEligibilityNotReceived(t *testing.T) {
	s := time.Date(2026, 6, 1, 15, 0, 0, 0, eligTaipei)
	if as.EstimatedDeliveryAfterShipping != 7*24*time.Hour {
		t.Fatalf("EstimatedDeliveryAfterShipping = %s", as.EstimatedDeliveryAfterShipping)
	}
	opens := s.Add(10 * 24 * time.Hour)  // estimated 06-08 15:00, +3 days
	closes := s.Add(97 * 24 * time.Hour) // estimated + 90 days
	shipped := func(status string, now time.Time) as.EligibilityInput {
		in := as.EligibilityInput{Type: as.RefundOnly, Reason: as.NotReceived, OrderStatus: status,
			PaidAt: eligAt(s.Add(-time.Hour)), ShippedAt: eligAt(s), StoreTZ: eligTaipei, Now: now, Items: []as.EligibilityItem{eligPlain}}
		if status == "DELIVERED" {
			in.DeliveredAt = eligAt(s.Add(2 * 24 * time.Hour))
		}
		return in
	}
	runElig(t, []eligCase{
		{name: "one second before it opens", in: shipped("SHIPPED", opens.Add(-time.Second)), code: "TOO_EARLY", field: "input.reason",
			inMsg: []string{"2026-06-01T15:00:00+08:00", "2026-06-08T15:00:00+08:00", "2026-06-11T15:00:00+08:00"}},
		{name: "when it opens", in: shipped("SHIPPED", opens)},
		{name: "one second after it opens", in: shipped("SHIPPED", opens.Add(time.Second))},
		{name: "one second before it closes", in: shipped("SHIPPED", closes.Add(-time.Second))},
		{name: "when it closes", in: shipped("SHIPPED", closes), code: "WINDOW_CLOSED", field: "input.reason", inMsg: []string{"2026-09-06T15:00:00+08:00"}},
		{name: "one second after it closes", in: shipped("SHIPPED", closes.Add(time.Second)), code: "WINDOW_CLOSED"},
		{name: "a delivered order too (the carrier says so, the buyer does not)", in: shipped("DELIVERED", opens)},
		{name: "not shipped", in: as.EligibilityInput{Type: as.RefundOnly, Reason: as.NotReceived, OrderStatus: "PAID", PaidAt: eligAt(s), StoreTZ: eligTaipei, Now: opens},
			code: "NOT_SHIPPED", field: "input.orderId"},
	})
}

func TestEligibilityComplaint(t *testing.T) {
	p := time.Date(2026, 6, 1, 15, 0, 0, 0, eligTaipei)
	c := p.Add(12 * 24 * time.Hour)
	closes := c.Add(90 * 24 * time.Hour)
	complaint := func(status string, completed *time.Time, paid *time.Time, now time.Time) as.EligibilityInput {
		return as.EligibilityInput{Type: as.Complaint, Reason: as.ServiceAttitude, OrderStatus: status, PaidAt: paid,
			CompletedAt: completed, StoreTZ: eligTaipei, Now: now}
	}
	runElig(t, []eligCase{
		{name: "paid, not shipped", in: complaint("PAID", nil, eligAt(p), p.Add(time.Hour))},
		{name: "delivered, long after (not completed yet)", in: complaint("DELIVERED", nil, eligAt(p), p.Add(400*24*time.Hour))},
		{name: "cancelled after payment", in: complaint("CANCELLED", nil, eligAt(p), p.Add(time.Hour))},
		{name: "completed: one second before", in: complaint("COMPLETED", eligAt(c), eligAt(p), closes.Add(-time.Second))},
		{name: "completed: at the edge", in: complaint("COMPLETED", eligAt(c), eligAt(p), closes), code: "WINDOW_CLOSED", field: "input.type",
			inMsg: []string{"2026-06-13T15:00:00+08:00", "2026-09-11T15:00:00+08:00"}},
		{name: "completed: one second after", in: complaint("COMPLETED", eligAt(c), eligAt(p), closes.Add(time.Second)), code: "WINDOW_CLOSED"},
		{name: "never paid", in: complaint("PENDING_PAYMENT", nil, nil, p), code: "ORDER_NOT_PAID", field: "input.orderId"},
	})
}

func TestEligibilityOrderStates(t *testing.T) {
	p := time.Date(2026, 6, 1, 15, 0, 0, 0, eligTaipei)
	order := func(tp as.Type, r as.Reason, status string, shipped bool) as.EligibilityInput {
		in := as.EligibilityInput{Type: tp, Reason: r, OrderStatus: status, StoreTZ: eligTaipei, Now: p.Add(5 * time.Hour), Items: []as.EligibilityItem{eligPlain}}
		if status != "PENDING_PAYMENT" {
			in.PaidAt = eligAt(p)
		}
		if shipped {
			in.ShippedAt = eligAt(p.Add(time.Hour))
		}
		return in
	}
	runElig(t, []eligCase{
		{name: "cancel a paid order", in: order(as.OrderCancel, as.NoReason, "PAID", false)},
		{name: "cancel a shipped order", in: order(as.OrderCancel, as.NoReason, "SHIPPED", true), code: "ALREADY_SHIPPED", field: "input.orderId", inMsg: []string{"2026-06-01T16:00:00+08:00"}},
		{name: "cancel a delivered order", in: order(as.OrderCancel, as.LateDelivery, "DELIVERED", true), code: "ALREADY_SHIPPED"},
		{name: "cancel an unpaid order", in: order(as.OrderCancel, as.NoReason, "PENDING_PAYMENT", false), code: "ORDER_NOT_PAID"},
		{name: "cancel a cancelled order", in: order(as.OrderCancel, as.NoReason, "CANCELLED", false), code: "ORDER_CANCELLED"},
		{name: "return before delivery", in: order(as.ReturnRefund, as.QualityDefect, "SHIPPED", true), code: "NOT_DELIVERED", field: "input.orderId", inMsg: []string{"SHIPPED"}},
		{name: "refund before shipment", in: order(as.RefundOnly, as.WrongItem, "PAID", false), code: "NOT_DELIVERED"},
		{name: "exchange of a cancelled order", in: order(as.Exchange, as.QualityDefect, "CANCELLED", false), code: "ORDER_CANCELLED"},
		{name: "repair before delivery", in: order(as.WarrantyRepair, as.QualityDefect, "SHIPPED", true), code: "NOT_DELIVERED"},
		{name: "reason not allowed for the type", in: order(as.ReturnRefund, as.NotReceived, "SHIPPED", true), code: "REASON_NOT_ALLOWED", field: "input.reason",
			inMsg: []string{"NO_REASON, QUALITY_DEFECT, NOT_AS_DESCRIBED, DAMAGED_IN_TRANSIT, WRONG_ITEM"}},
		{name: "no-reason exchange", in: order(as.Exchange, as.NoReason, "DELIVERED", true), code: "REASON_NOT_ALLOWED"},
		{name: "complaint reason on a cancel", in: order(as.OrderCancel, as.PriceFraud, "PAID", false), code: "REASON_NOT_ALLOWED"},
		{name: "unknown type", in: order("SWAP", as.QualityDefect, "DELIVERED", true), code: "INVALID_TYPE", field: "input.type"},
	})
}
