package violations_test

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"tradeguard/tenants"
	"tradeguard/violations"
)

var t0 = time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)

const day = 24 * time.Hour

func ptr[T any](v T) *T { return &v }

// viol is a violation issued at `at` with the given track, points and status (decided at `decided` if set).
func viol(track string, points int, at time.Time, status string, decided *time.Time) violations.Violation {
	v := violations.Violation{ID: uuid.New(), Track: track, Points: points, IssuedAt: at,
		ExpiresAt: at.Add(violations.Lifetime), Status: status, DecidedAt: decided}
	if status != violations.StatusActive {
		v.AppealedAt = ptr(at.Add(time.Hour))
	}
	return v
}

func TestActivePoints(t *testing.T) {
	g := func(points int, status string) violations.Violation {
		return viol(violations.General, points, t0, status, nil)
	}
	revokedAt := t0.Add(3 * day)
	cases := []struct {
		name             string
		vs               []violations.Violation
		asOf             time.Time
		general, serious int
	}{
		{"nothing", nil, t0, 0, 0},
		{"active counts from its issue", []violations.Violation{g(4, violations.StatusActive)}, t0, 4, 0},
		{"not before its issue", []violations.Violation{g(4, violations.StatusActive)}, t0.Add(-time.Second), 0, 0},
		{"appealed counts", []violations.Violation{g(4, violations.StatusAppealed)}, t0.Add(day), 4, 0},
		{"upheld counts", []violations.Violation{viol(violations.General, 4, t0, violations.StatusUpheld, &revokedAt)}, t0.Add(10 * day), 4, 0},
		{"revoked does not count after its revocation",
			[]violations.Violation{viol(violations.General, 4, t0, violations.StatusRevoked, &revokedAt)}, revokedAt, 0, 0},
		{"revoked counted until its revocation (history)",
			[]violations.Violation{viol(violations.General, 4, t0, violations.StatusRevoked, &revokedAt)}, revokedAt.Add(-time.Second), 4, 0},
		{"still counts one second before expiry", []violations.Violation{g(4, violations.StatusActive)},
			t0.Add(violations.Lifetime - time.Second), 4, 0},
		{"expired at expires_at exactly", []violations.Violation{g(4, violations.StatusActive)}, t0.Add(violations.Lifetime), 0, 0},
		{"365 days of 24 hours", []violations.Violation{g(4, violations.StatusActive)}, t0.Add(365*day - time.Nanosecond), 4, 0},
		{"tracks apart", []violations.Violation{
			g(1, violations.StatusActive), g(2, violations.StatusAppealed),
			viol(violations.Serious, 12, t0, violations.StatusActive, nil),
			viol(violations.Serious, 6, t0, violations.StatusRevoked, &revokedAt),
			viol(violations.Serious, 24, t0.Add(day), violations.StatusActive, nil),
		}, t0.Add(5 * day), 3, 36},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			gen, ser := violations.ActivePoints(c.vs, c.asOf)
			if gen != c.general || ser != c.serious {
				t.Errorf("ActivePoints = (%d, %d), want (%d, %d)", gen, ser, c.general, c.serious)
			}
		})
	}
}

func TestPenaltiesFor(t *testing.T) {
	type want struct {
		kind          string
		threshold     int
		days          int // 0: until a review
		closureReview bool
	}
	cases := []struct {
		track  string
		points int
		want   *want
	}{
		{violations.General, 0, nil},
		{violations.General, 11, nil},
		{violations.General, 12, &want{tenants.PenaltyNoNewProducts, 12, 7, false}},
		{violations.General, 23, &want{tenants.PenaltyNoNewProducts, 12, 7, false}},
		{violations.General, 24, &want{tenants.PenaltyNoNewProducts, 24, 14, false}},
		{violations.General, 36, &want{tenants.PenaltyNoNewProducts, 36, 21, false}},
		{violations.General, 47, &want{tenants.PenaltyNoNewProducts, 36, 21, false}},
		{violations.General, 48, &want{tenants.PenaltyStoreSuspended, 48, 0, false}},
		{violations.General, 100, &want{tenants.PenaltyStoreSuspended, 48, 0, false}},
		{violations.Serious, 11, nil},
		{violations.Serious, 12, &want{tenants.PenaltyHiddenFromSearch, 12, 7, false}},
		{violations.Serious, 24, &want{tenants.PenaltyHiddenFromSearch, 24, 14, false}},
		{violations.Serious, 35, &want{tenants.PenaltyHiddenFromSearch, 24, 14, false}},
		{violations.Serious, 36, &want{tenants.PenaltySellingSuspended, 36, 21, false}},
		{violations.Serious, 48, &want{tenants.PenaltyStoreSuspended, 48, 0, true}},
		{"OTHER", 48, nil},
	}
	for _, c := range cases {
		got := violations.PenaltiesFor(c.track, c.points, t0)
		if c.want == nil {
			if len(got) != 0 {
				t.Errorf("%s %d: got %+v, want none", c.track, c.points, got)
			}
			continue
		}
		if len(got) != 1 {
			t.Errorf("%s %d: got %d penalties, want 1", c.track, c.points, len(got))
			continue
		}
		p := got[0]
		if p.Kind != c.want.kind || p.Threshold != c.want.threshold || p.Track != c.track || !p.StartsAt.Equal(t0) ||
			p.ClosureReview != c.want.closureReview {
			t.Errorf("%s %d: got %+v, want %+v", c.track, c.points, p, *c.want)
		}
		switch {
		case c.want.days == 0 && p.EndsAt != nil:
			t.Errorf("%s %d: ends %s, want until a review", c.track, c.points, p.EndsAt)
		case c.want.days > 0 && (p.EndsAt == nil || !p.EndsAt.Equal(t0.Add(time.Duration(c.want.days)*day))):
			t.Errorf("%s %d: ends %v, want %d days after the start", c.track, c.points, p.EndsAt, c.want.days)
		}
	}
}

func TestLastCrossing(t *testing.T) {
	g := func(points int, at time.Time) violations.Violation {
		return viol(violations.General, points, at, violations.StatusActive, nil)
	}
	revoked := viol(violations.General, 8, t0, violations.StatusRevoked, ptr(t0.Add(10*day)))
	cases := []struct {
		name string
		vs   []violations.Violation
		asOf time.Time
		want *time.Time
	}{
		{"below", []violations.Violation{g(11, t0)}, t0, nil},
		{"one jump", []violations.Violation{g(12, t0)}, t0.Add(day), &t0},
		{"step by step", []violations.Violation{g(6, t0), g(6, t0.Add(2*day))}, t0.Add(3 * day), ptr(t0.Add(2 * day))},
		{"other track ignored", []violations.Violation{g(12, t0), viol(violations.Serious, 12, t0.Add(day), violations.StatusActive, nil)},
			t0.Add(2 * day), &t0},
		// 8 revoked at day 10 takes 8+6=14 down to 6; 6 more at day 20 makes 12 again: crossed at day 20.
		{"again after a revocation", []violations.Violation{revoked, g(6, t0.Add(day)), g(6, t0.Add(20*day))}, t0.Add(21 * day),
			ptr(t0.Add(20 * day))},
		// 8 issued at t0 expires a year later; 6 issued at day 360 and 6 at day 370: 14 from day 360, 12 from
		// day 365 (still above), so the crossing stays at day 360.
		{"staying above through an expiry", []violations.Violation{g(8, t0), g(6, t0.Add(360*day)), g(6, t0.Add(364*day))},
			t0.Add(370 * day), ptr(t0.Add(360 * day))},
		{"a later crossing is not seen before it happens", []violations.Violation{g(12, t0), g(1, t0.Add(5*day))}, t0.Add(day), &t0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			at, ok := violations.LastCrossing(c.vs, violations.General, 12, c.asOf)
			switch {
			case c.want == nil && ok:
				t.Errorf("crossed at %s, want not crossed", at)
			case c.want != nil && (!ok || !at.Equal(*c.want)):
				t.Errorf("crossed at %s (%v), want %s", at, ok, *c.want)
			}
		})
	}
}

// penalty is a penalty of the general track at a threshold, started at `at`, lasting `days` (0: until review).
func penalty(threshold int, at time.Time, days int) tenants.Penalty {
	p := tenants.Penalty{ID: uuid.New(), Kind: tenants.PenaltyNoNewProducts, Track: violations.General, Threshold: threshold,
		Points: threshold, StartsAt: at}
	if days > 0 {
		p.EndsAt = ptr(at.Add(time.Duration(days) * day))
	}
	return p
}

func TestDue(t *testing.T) {
	g := func(points int, at time.Time) violations.Violation {
		return viol(violations.General, points, at, violations.StatusActive, nil)
	}
	revokedAt := t0.Add(2 * day)
	lifted := penalty(48, t0, 0)
	lifted.LiftedAt = ptr(t0.Add(day))
	cases := []struct {
		name       string
		vs         []violations.Violation
		ps         []tenants.Penalty
		now        time.Time
		lift       int
		startAt    int // threshold of the penalty to start, 0: none
		wantPoints int
	}{
		{"under every threshold", []violations.Violation{g(11, t0)}, nil, t0, 0, 0, 11},
		{"first crossing starts a penalty", []violations.Violation{g(12, t0)}, nil, t0, 0, 12, 12},
		{"answered crossing starts nothing", []violations.Violation{g(12, t0)}, []tenants.Penalty{penalty(12, t0, 7)}, t0, 0, 0, 12},
		{"a penalty that ran out answered its crossing", []violations.Violation{g(12, t0), g(1, t0.Add(8*day))},
			[]tenants.Penalty{penalty(12, t0, 7)}, t0.Add(8 * day), 0, 0, 13},
		{"an admin's lift answered its crossing", []violations.Violation{g(48, t0)},
			[]tenants.Penalty{lifted}, t0.Add(2 * day), 0, 0, 48},
		{"a higher threshold starts its own", []violations.Violation{g(12, t0), g(12, t0.Add(day))},
			[]tenants.Penalty{penalty(12, t0, 7)}, t0.Add(day), 0, 24, 24},
		{"only the highest threshold reached", []violations.Violation{g(30, t0)}, nil, t0, 0, 24, 30},
		{"falling from a higher to a lower threshold starts nothing, lifts the higher",
			[]violations.Violation{g(12, t0), viol(violations.General, 12, t0.Add(day), violations.StatusRevoked, &revokedAt)},
			[]tenants.Penalty{penalty(12, t0, 7), penalty(24, t0.Add(day), 14)}, revokedAt, 1, 0, 12},
		{"falling under lifts what is in force", []violations.Violation{viol(violations.General, 12, t0, violations.StatusRevoked, &revokedAt)},
			[]tenants.Penalty{penalty(12, t0, 7)}, revokedAt, 1, 0, 0},
		{"falling under after the penalty ran out writes nothing",
			[]violations.Violation{viol(violations.General, 12, t0, violations.StatusRevoked, ptr(t0.Add(9*day)))},
			[]tenants.Penalty{penalty(12, t0, 7)}, t0.Add(9 * day), 0, 0, 0},
		{"crossing again after falling under starts a new one",
			[]violations.Violation{viol(violations.General, 12, t0, violations.StatusRevoked, &revokedAt), g(12, t0.Add(3*day))},
			[]tenants.Penalty{penalty(12, t0, 7)}, t0.Add(3 * day), 0, 12, 12},
		{"the serious track's penalties are not the general track's", []violations.Violation{g(12, t0)},
			[]tenants.Penalty{{ID: uuid.New(), Kind: tenants.PenaltyHiddenFromSearch, Track: violations.Serious, Threshold: 12, Points: 12,
				StartsAt: t0, EndsAt: ptr(t0.Add(7 * day))}}, t0, 0, 12, 12},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			lift, start, points := violations.Due(c.vs, c.ps, violations.General, c.now)
			if len(lift) != c.lift || points != c.wantPoints {
				t.Errorf("lift %d, points %d; want %d, %d", len(lift), points, c.lift, c.wantPoints)
			}
			switch {
			case c.startAt == 0 && len(start) != 0:
				t.Errorf("starts %+v, want nothing", start)
			case c.startAt != 0 && (len(start) != 1 || start[0].Threshold != c.startAt || !start[0].StartsAt.Equal(c.now)):
				t.Errorf("starts %+v, want the %d threshold's at %s", start, c.startAt, c.now)
			}
		})
	}
}

func TestNextChange(t *testing.T) {
	a := viol(violations.General, 4, t0, violations.StatusActive, nil)
	b := viol(violations.General, 8, t0.Add(360*day), violations.StatusActive, nil)
	p := penalty(12, t0.Add(360*day), 7)
	if next, ok := violations.NextChange([]violations.Violation{a, b}, []tenants.Penalty{p}, t0.Add(360*day)); !ok || !next.Equal(a.ExpiresAt) {
		t.Errorf("next = %s (%v), want a's expiry %s", next, ok, a.ExpiresAt)
	}
	if next, ok := violations.NextChange([]violations.Violation{b}, []tenants.Penalty{p}, t0.Add(360*day)); !ok || !next.Equal(*p.EndsAt) {
		t.Errorf("next = %s (%v), want the penalty's end %s", next, ok, *p.EndsAt)
	}
	if _, ok := violations.NextChange([]violations.Violation{a}, nil, a.ExpiresAt); ok {
		t.Error("an expired violation still schedules a change")
	}
}
