// Package violations is DESIGN §3.5: violations of the platform's rules by stores (issued by the system from
// after-sales facts, or by an admin with evidence), their appeals, the points they count on their track for 365
// days, and the store penalties that thresholds of points bring. The rules are plain functions (this file);
// the rest reads and writes them through a tenants.Session under row-level security.
//
// Enforcement lives where the blocked actions are (tenants.CheckPenalty in catalog and orders,
// tenants.NotHiddenFromSearchSQL in the public catalogue); this package only keeps store_penalties right.
package violations

import (
	"sort"
	"time"

	"github.com/google/uuid"

	"tradeguard/tenants"
)

// Tracks: points count separately on each.
const (
	General = "GENERAL"
	Serious = "SERIOUS"
)

// Statuses of a violation. ACTIVE, APPEALED and UPHELD count; REVOKED does not (from its revocation on).
const (
	StatusActive   = "ACTIVE"
	StatusAppealed = "APPEALED"
	StatusRevoked  = "REVOKED"
	StatusUpheld   = "UPHELD"
)

// Who issues a code.
const (
	BySystem = "SYSTEM"
	ByAdmin  = "ADMIN"
)

// The codes of the catalogue (table violation_codes, seeded by migration 00008).
const (
	CodeMissedResponse            = "MISSED_RESPONSE"
	CodeLateReship                = "LATE_RESHIP"
	CodeLostArbitrationNoEvidence = "LOST_ARBITRATION_NO_EVIDENCE"
	CodeFalseAdvertising          = "FALSE_ADVERTISING"
	CodeCounterfeit               = "COUNTERFEIT"
	CodeFakeTracking              = "FAKE_TRACKING"
	CodeHarassingBuyers           = "HARASSING_BUYERS"
	CodeFraud                     = "FRAUD"
)

const (
	// Lifetime is how long a violation's points count: from issued_at (inclusive) to issued_at+Lifetime
	// (exclusive). 365 days of 24 hours, whatever the time zone.
	Lifetime = 365 * 24 * time.Hour
	// AppealWindow is how long after issue the store's owner may appeal: until issued_at+AppealWindow (exclusive).
	AppealWindow = 7 * 24 * time.Hour
	// MaxPoints bounds the points of one violation (an admin may set other points than the code's default).
	MaxPoints = 48
	day       = 24 * time.Hour
)

// Thresholds are the points per track at which penalties start (DESIGN §3.5), lowest first.
var Thresholds = []int{12, 24, 36, 48}

// Violation is one recorded breach by a store.
type Violation struct {
	StoreID      uuid.UUID  `db:"tenant_id"`
	ID           uuid.UUID  `db:"id"`
	Code         string     `db:"code"`
	Track        string     `db:"track"`
	Points       int        `db:"points"`
	IssuedAt     time.Time  `db:"issued_at"`
	ExpiresAt    time.Time  `db:"expires_at"`
	IssuedBy     string     `db:"issued_by"` // SYSTEM or ADMIN
	IssuerID     *uuid.UUID `db:"issuer_id"` // the admin; platform-only information
	Note         string     `db:"note"`
	Evidence     string     `db:"evidence"`
	CaseID       *uuid.UUID `db:"case_id"`
	Cause        *string    `db:"cause"` // system violations: what it was issued for, unique per store
	Status       string     `db:"status"`
	AppealReason *string    `db:"appeal_reason"`
	AppealedAt   *time.Time `db:"appealed_at"`
	AppealedBy   *uuid.UUID `db:"appealed_by"`
	DecidedAt    *time.Time `db:"decided_at"`
	DecidedBy    *uuid.UUID `db:"decided_by"`
	DecisionNote *string    `db:"decision_note"`
}

const columns = `tenant_id, id, code, track, points, issued_at, expires_at, issued_by, issuer_id, note, evidence, case_id,
	cause, status, appeal_reason, appealed_at, appealed_by, decided_at, decided_by, decision_note`

// Key names a violation inside its store; lookups use the (tenant_id, id) primary key.
type Key struct {
	StoreID uuid.UUID
	ID      uuid.UUID
}

// KeyOf is the violation's key.
func KeyOf(v Violation) Key { return Key{StoreID: v.StoreID, ID: v.ID} }

// AppealDeadline is the first instant at which the violation can no longer be appealed.
func (v Violation) AppealDeadline() time.Time { return v.IssuedAt.Add(AppealWindow) }

// CountsAt reports whether the violation's points count at t: issued at or before t, not yet expired
// (expires_at itself no longer counts), and not revoked at or before t. A revoked violation counted until its
// revocation, so the history of points (and the penalties it brought) stays true; from the revocation on it
// never counts again.
func (v Violation) CountsAt(t time.Time) bool {
	if t.Before(v.IssuedAt) || !t.Before(v.ExpiresAt) {
		return false
	}
	if v.Status == StatusRevoked {
		return v.DecidedAt != nil && t.Before(*v.DecidedAt)
	}
	return true
}

// ActivePoints sums the points that count at asOf on each track (see CountsAt).
func ActivePoints(vs []Violation, asOf time.Time) (general, serious int) {
	for _, v := range vs {
		if !v.CountsAt(asOf) {
			continue
		}
		switch v.Track {
		case General:
			general += v.Points
		case Serious:
			serious += v.Points
		}
	}
	return general, serious
}

func pointsOn(vs []Violation, track string, t time.Time) int {
	g, s := ActivePoints(vs, t)
	if track == Serious {
		return s
	}
	return g
}

// PenaltySpec is a penalty the rules call for: its kind, the track and threshold that bring it, and when it
// starts and ends (EndsAt nil: until a platform review).
type PenaltySpec struct {
	Kind          string
	Track         string
	Threshold     int
	StartsAt      time.Time
	EndsAt        *time.Time
	ClosureReview bool // serious track at 48: the store is suspended and its closure reviewed
}

// HighestThreshold is the highest threshold that points reach (0 below the lowest).
func HighestThreshold(points int) int {
	t := 0
	for _, th := range Thresholds {
		if points >= th {
			t = th
		}
	}
	return t
}

// PenaltiesFor is DESIGN §3.5's table: the penalties a track's points call for, starting at now — only the
// highest threshold reached counts (36 general points bring 21 days without new products, not also the 7 and
// 14 days of 12 and 24).
//
//	points  general track                     serious track
//	12      no new products 7 days            hidden from search 7 days
//	24      no new products 14 days           hidden from search 14 days
//	36      no new products 21 days           selling suspended 21 days
//	48      store suspended until a review    store suspended until a review, closure review
func PenaltiesFor(track string, points int, now time.Time) []PenaltySpec {
	th := HighestThreshold(points)
	if th == 0 {
		return nil
	}
	timed := func(kind string, days int) []PenaltySpec {
		end := now.Add(time.Duration(days) * day)
		return []PenaltySpec{{Kind: kind, Track: track, Threshold: th, StartsAt: now, EndsAt: &end}}
	}
	switch track {
	case General:
		switch th {
		case 12:
			return timed(tenants.PenaltyNoNewProducts, 7)
		case 24:
			return timed(tenants.PenaltyNoNewProducts, 14)
		case 36:
			return timed(tenants.PenaltyNoNewProducts, 21)
		}
		return []PenaltySpec{{Kind: tenants.PenaltyStoreSuspended, Track: track, Threshold: th, StartsAt: now}}
	case Serious:
		switch th {
		case 12:
			return timed(tenants.PenaltyHiddenFromSearch, 7)
		case 24:
			return timed(tenants.PenaltyHiddenFromSearch, 14)
		case 36:
			return timed(tenants.PenaltySellingSuspended, 21)
		}
		return []PenaltySpec{{Kind: tenants.PenaltyStoreSuspended, Track: track, Threshold: th, StartsAt: now, ClosureReview: true}}
	}
	return nil
}

// LastCrossing is the latest instant at or before asOf at which the track's points went from below threshold
// to threshold or more; ok is false if they are below it at asOf. Points change only when a violation is
// issued, expires or is revoked, so those instants are the only ones looked at.
func LastCrossing(vs []Violation, track string, threshold int, asOf time.Time) (at time.Time, ok bool) {
	if pointsOn(vs, track, asOf) < threshold {
		return time.Time{}, false
	}
	var changes []time.Time
	for _, v := range vs {
		if v.Track != track {
			continue
		}
		changes = append(changes, v.IssuedAt, v.ExpiresAt)
		if v.Status == StatusRevoked && v.DecidedAt != nil {
			changes = append(changes, *v.DecidedAt)
		}
	}
	sort.Slice(changes, func(i, j int) bool { return changes[i].Before(changes[j]) })
	below := true // before the first violation there are no points
	for _, t := range changes {
		if t.After(asOf) {
			break
		}
		above := pointsOn(vs, track, t) >= threshold
		if above && below {
			at = t
		}
		below = !above
	}
	return at, true
}

// Due is what Recompute must write for one track at now, given the store's violations and penalties:
//
//   - Lift: every penalty of the track in force at now whose threshold the track's points are now under (a
//     revocation or an expiry took the store back under it). A timed penalty that ran out needs no write: it
//     ended at its ends_at.
//   - Start: the penalties of the highest threshold the points reach, unless that threshold's latest crossing
//     (LastCrossing) is already answered by a penalty of the track with that threshold or a higher one that
//     started at or after the crossing — whether it is still in force, ran out, or was lifted by an admin. So a
//     store is penalized once per crossing: staying above a threshold brings nothing more, falling back
//     from a higher threshold to a lower one brings nothing (the higher penalty answered both crossings), and
//     crossing again after falling under starts a new penalty.
//
// It is deterministic: the same violations, penalties and now give the same answer.
func Due(vs []Violation, ps []tenants.Penalty, track string, now time.Time) (lift []tenants.Penalty, start []PenaltySpec, points int) {
	points = pointsOn(vs, track, now)
	for _, p := range ps {
		if p.Track == track && p.InForce(now) && points < p.Threshold {
			lift = append(lift, p)
		}
	}
	th := HighestThreshold(points)
	if th == 0 {
		return lift, nil, points
	}
	crossed, _ := LastCrossing(vs, track, th, now)
	for _, p := range ps {
		if p.Track == track && p.Threshold >= th && !p.StartsAt.Before(crossed) {
			return lift, nil, points
		}
	}
	return lift, PenaltiesFor(track, points, now), points
}

// NextChange is the next instant after now at which Recompute may have something to do for the store: the
// earliest expiry of a violation that counts at now, or end of a penalty in force at now. ok is false if
// there is none.
func NextChange(vs []Violation, ps []tenants.Penalty, now time.Time) (next time.Time, ok bool) {
	consider := func(t time.Time) {
		if t.After(now) && (!ok || t.Before(next)) {
			next, ok = t, true
		}
	}
	for _, v := range vs {
		if v.CountsAt(now) {
			consider(v.ExpiresAt)
		}
	}
	for _, p := range ps {
		if p.InForce(now) && p.EndsAt != nil {
			consider(*p.EndsAt)
		}
	}
	return next, ok
}
