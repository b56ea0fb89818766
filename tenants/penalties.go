package tenants

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
)

// Penalty kinds (DESIGN §3.5): what a store may not do while a penalty of that kind is in force. A
// STORE_SUSPENDED penalty blocks everything the others block.
const (
	PenaltyNoNewProducts    = "NO_NEW_PRODUCTS"    // productCreate is refused
	PenaltyHiddenFromSearch = "HIDDEN_FROM_SEARCH" // the public catalogue leaves the store out
	PenaltySellingSuspended = "SELLING_SUSPENDED"  // orderCreate is refused
	PenaltyStoreSuspended   = "STORE_SUSPENDED"    // all of the above, until a platform review
)

// PenaltyKinds lists every penalty kind.
var PenaltyKinds = []string{PenaltyNoNewProducts, PenaltyHiddenFromSearch, PenaltySellingSuspended, PenaltyStoreSuspended}

// Penalty is a sanction on a store that a threshold of violation points brought (the violations package writes
// them). It is in force while StartsAt <= t < EndsAt (no EndsAt: until a platform review) and not lifted.
type Penalty struct {
	StoreID       uuid.UUID  `db:"tenant_id"`
	ID            uuid.UUID  `db:"id"`
	Kind          string     `db:"kind"`
	Track         string     `db:"track"`     // GENERAL or SERIOUS
	Threshold     int        `db:"threshold"` // 12, 24, 36 or 48
	Points        int        `db:"points"`    // the track's active points when it started
	ClosureReview bool       `db:"closure_review"`
	StartsAt      time.Time  `db:"starts_at"`
	EndsAt        *time.Time `db:"ends_at"`
	LiftedAt      *time.Time `db:"lifted_at"`
	LiftedBy      *uuid.UUID `db:"lifted_by"`
	LiftReason    *string    `db:"lift_reason"`
	Reason        string     `db:"reason"`
}

// PenaltyColumns are the store_penalties columns that Penalty scans.
const PenaltyColumns = `tenant_id, id, kind, track, threshold, points, closure_review, starts_at, ends_at, lifted_at,
	lifted_by, lift_reason, reason`

// InForce reports whether the penalty acts at t.
func (p Penalty) InForce(t time.Time) bool {
	return p.LiftedAt == nil && !t.Before(p.StartsAt) && (p.EndsAt == nil || t.Before(*p.EndsAt))
}

// Until says until when the penalty lasts: "until <RFC 3339, UTC>" or "until a platform review".
func (p Penalty) Until() string {
	if p.EndsAt == nil {
		if p.ClosureReview {
			return "until a platform review (the platform is reviewing whether to close the store)"
		}
		return "until a platform review"
	}
	return "until " + p.EndsAt.UTC().Format(time.RFC3339)
}

// Why says what brought the penalty: its track, points and threshold.
func (p Penalty) Why() string {
	return fmt.Sprintf("penalty %s since %s: the store has %d active points on the %s violation track (threshold %d)",
		p.Kind, p.StartsAt.UTC().Format(time.RFC3339), p.Points, p.Track, p.Threshold)
}

// blocked says, in words, what the penalty stops.
func (p Penalty) blocked() string {
	switch p.Kind {
	case PenaltyNoNewProducts:
		return "the store may not add new products"
	case PenaltyHiddenFromSearch:
		return "the store is hidden from search"
	case PenaltySellingSuspended:
		return "the store's selling is suspended: it takes no new orders"
	case PenaltyStoreSuspended:
		return "the store is suspended"
	}
	return "the store is under penalty " + p.Kind
}

// Describe is the penalty in one sentence: what it blocks, until when and why.
func (p Penalty) Describe() string { return p.blocked() + " " + p.Until() + " (" + p.Why() + ")" }

// ActivePenalties returns the store's penalties in force at now, oldest first. Any context may read penalties
// (row-level security), so a buyer's order and the public catalogue can respect them.
func ActivePenalties(ctx context.Context, s *Session, storeID uuid.UUID, now time.Time) ([]Penalty, error) {
	var out []Penalty
	err := s.Do(ctx, func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &out, `select `+PenaltyColumns+` from store_penalties
			where tenant_id = $1 and lifted_at is null and starts_at <= $2 and (ends_at is null or ends_at > $2)
			order by starts_at, id`, storeID, now)
	})
	return out, err
}

// CheckPenalty returns nil when no penalty in force at now blocks what kind stands for (e.g.
// PenaltySellingSuspended before an order, PenaltyNoNewProducts before a new product), else a RuleError whose
// code is the blocking penalty's kind (STORE_SUSPENDED blocks every kind) and whose message names the
// penalty, why and until when. When several block, the one that lasts longest is reported (it is when the
// action becomes possible again). field is the input path the refusal concerns, e.g. "input", "storeId".
func CheckPenalty(ctx context.Context, s *Session, storeID uuid.UUID, kind string, now time.Time, field ...string) error {
	if !slices.Contains(PenaltyKinds, kind) {
		return fmt.Errorf("tenants: unknown penalty kind %q", kind)
	}
	var in []Penalty
	err := s.Do(ctx, func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &in, `select `+PenaltyColumns+` from store_penalties
			where tenant_id = $1 and kind in ($2, 'STORE_SUSPENDED') and lifted_at is null and starts_at <= $3
				and (ends_at is null or ends_at > $3)
			order by ends_at desc nulls first, (kind = 'STORE_SUSPENDED') desc, starts_at, id
			limit 1`, storeID, kind, now)
	})
	if err != nil || len(in) == 0 {
		return err
	}
	p := in[0]
	return Refuse(p.Kind, p.Describe(), field...)
}

// NotHiddenFromSearchSQL is a condition for a query over a store-owned table (aliased or named by table) that
// leaves out the stores hidden from search — a HIDDEN_FROM_SEARCH or STORE_SUSPENDED penalty in force — at a
// bound time. It takes two "?" arguments, both the time, in sqlq.Where style:
//
//	w.Add(tenants.NotHiddenFromSearchSQL("products"), now, now)
func NotHiddenFromSearchSQL(table string) string {
	return strings.ReplaceAll(`not exists (select 1 from store_penalties hp where hp.tenant_id = T.tenant_id
		and hp.kind in ('HIDDEN_FROM_SEARCH', 'STORE_SUSPENDED') and hp.lifted_at is null and hp.starts_at <= ?
		and (hp.ends_at is null or hp.ends_at > ?))`, "T.", table+".")
}
