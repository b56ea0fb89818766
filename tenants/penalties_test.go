package tenants_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"tradeguard/tenants"
)

// Penalties as the API enforces them: CheckPenalty's refusals (which penalty, why, until when), what
// STORE_SUSPENDED blocks, the edges of a penalty's time, and that any context may read them. The rows are
// written here directly as the system (the violations package writes them in the product).

type penaltyRow struct {
	kind, track       string
	threshold, points int
	closure           bool
	starts            time.Time
	ends              *time.Time
}

// penaltyStore writes a fresh store with the given penalties and returns its id and the penalties' ids.
func (e *authEnv) penaltyStore(t *testing.T, rows ...penaltyRow) (uuid.UUID, []uuid.UUID) {
	t.Helper()
	store := uuid.New()
	var ids []uuid.UUID
	e.asSystem(t, func(tx *sqlx.Tx) error {
		if _, err := tx.Exec(`insert into stores (id, slug, name, category, currency) values ($1, $2, 'Penalized', 'electronics', 'TWD')`,
			store, unique("pen-")); err != nil {
			return err
		}
		for _, r := range rows {
			id := uuid.New()
			ids = append(ids, id)
			if _, err := tx.Exec(`insert into store_penalties (tenant_id, id, kind, track, threshold, points, closure_review,
					starts_at, ends_at, reason) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'test')`,
				store, id, r.kind, r.track, r.threshold, r.points, r.closure, r.starts, r.ends); err != nil {
				return err
			}
		}
		return nil
	})
	return store, ids
}

// checkAs runs CheckPenalty in a read-only session of p.
func (e *authEnv) checkAs(t *testing.T, p tenants.Principal, store uuid.UUID, kind string, at time.Time, field ...string) error {
	t.Helper()
	s := tenants.NewSession(e.app, p, true)
	defer s.Rollback()
	return tenants.CheckPenalty(context.Background(), s, store, kind, at, field...)
}

func TestCheckPenalty(t *testing.T) {
	e := newAuth(t)
	buyer := e.principal(t, e.login(t, buyer1).AccessToken)
	at := time.Date(2026, 8, 1, 10, 0, 0, 0, time.UTC)
	week, threeWeeks := at.Add(7*24*time.Hour), at.Add(21*24*time.Hour)
	store, _ := e.penaltyStore(t,
		penaltyRow{kind: tenants.PenaltyNoNewProducts, track: "GENERAL", threshold: 12, points: 13, starts: at, ends: &week},
		penaltyRow{kind: tenants.PenaltySellingSuspended, track: "SERIOUS", threshold: 36, points: 36, starts: at, ends: &threeWeeks},
	)
	for _, c := range []struct {
		name     string
		kind     string
		at       time.Time
		wantCode string
		wantMsg  []string
	}{
		{"before it starts", tenants.PenaltyNoNewProducts, at.Add(-time.Second), "", nil},
		{"from its start", tenants.PenaltyNoNewProducts, at, tenants.PenaltyNoNewProducts,
			[]string{"may not add new products", "until 2026-08-08T10:00:00Z", "NO_NEW_PRODUCTS", "13 active points", "GENERAL", "threshold 12"}},
		{"one second before its end", tenants.PenaltyNoNewProducts, week.Add(-time.Second), tenants.PenaltyNoNewProducts, []string{"until " + week.Format(time.RFC3339)}},
		{"at its end", tenants.PenaltyNoNewProducts, week, "", nil},
		{"selling", tenants.PenaltySellingSuspended, at, tenants.PenaltySellingSuspended,
			[]string{"selling is suspended", "no new orders", "until 2026-08-22T10:00:00Z", "36 active points", "SERIOUS", "threshold 36"}},
		{"a kind with no penalty", tenants.PenaltyHiddenFromSearch, at, "", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := e.checkAs(t, buyer, store, c.kind, c.at)
			if c.wantCode == "" {
				if err != nil {
					t.Fatalf("CheckPenalty = %v, want nil", err)
				}
				return
			}
			code, msg := ruleCode(t, err)
			if code != c.wantCode {
				t.Fatalf("code %s, want %s (%s)", code, c.wantCode, msg)
			}
			for _, w := range c.wantMsg {
				if !strings.Contains(msg, w) {
					t.Errorf("message %q does not say %q", msg, w)
				}
			}
		})
	}
	// The refusal carries the field it is given; anonymous callers are refused the same way.
	err := e.checkAs(t, tenants.Anonymous, store, tenants.PenaltySellingSuspended, at, "input", "storeId")
	rules, _ := tenants.AsRuleErrors(err)
	if len(rules) != 1 || strings.Join(rules[0].Field, ".") != "input.storeId" {
		t.Fatalf("refusal with a field: %v", err)
	}
	if err := e.checkAs(t, buyer, store, "NO_SUCH_KIND", at); err == nil {
		t.Fatal("an unknown kind passed")
	} else if _, ok := tenants.AsRuleErrors(err); ok {
		t.Fatalf("an unknown kind is a rule refusal (%v); it is a programming error", err)
	}
}

func TestStoreSuspensionBlocksEverything(t *testing.T) {
	e := newAuth(t)
	at := time.Date(2026, 8, 1, 10, 0, 0, 0, time.UTC)
	week := at.Add(7 * 24 * time.Hour)
	month := at.Add(30 * 24 * time.Hour) // a penalty that has not started yet
	monthEnd := month.Add(7 * 24 * time.Hour)
	longer := at.Add(14 * 24 * time.Hour)
	store, ids := e.penaltyStore(t,
		penaltyRow{kind: tenants.PenaltyNoNewProducts, track: "GENERAL", threshold: 12, points: 12, starts: at, ends: &week},
		penaltyRow{kind: tenants.PenaltyNoNewProducts, track: "GENERAL", threshold: 24, points: 24, starts: at.Add(time.Hour), ends: &longer},
		penaltyRow{kind: tenants.PenaltyStoreSuspended, track: "SERIOUS", threshold: 48, points: 50, closure: true, starts: at.Add(24 * time.Hour)},
		penaltyRow{kind: tenants.PenaltyHiddenFromSearch, track: "SERIOUS", threshold: 12, points: 12, starts: month, ends: &monthEnd},
	)
	// Two of a kind: the one that lasts longer is the answer (it is when adding products becomes possible).
	code, msg := ruleCode(t, e.checkAs(t, tenants.Anonymous, store, tenants.PenaltyNoNewProducts, at.Add(2*time.Hour)))
	if code != tenants.PenaltyNoNewProducts || !strings.Contains(msg, "until "+longer.Format(time.RFC3339)) {
		t.Fatalf("two NO_NEW_PRODUCTS: %s %q, want the one until %s", code, msg, longer.Format(time.RFC3339))
	}
	suspended := at.Add(24 * time.Hour)
	for _, kind := range tenants.PenaltyKinds {
		code, msg := ruleCode(t, e.checkAs(t, tenants.Anonymous, store, kind, suspended))
		if code != tenants.PenaltyStoreSuspended || !strings.Contains(msg, "until a platform review") ||
			!strings.Contains(msg, "close the store") || !strings.Contains(msg, "50 active points on the SERIOUS") {
			t.Errorf("CheckPenalty(%s) while suspended: %s %q", kind, code, msg)
		}
	}
	ps, err := activeAs(e, tenants.Anonymous, store, suspended)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, p := range ps {
		kinds = append(kinds, p.Kind)
		if !p.InForce(suspended) {
			t.Errorf("ActivePenalties returned %s, not in force", p.Kind)
		}
	}
	if !slices.Equal(kinds, []string{tenants.PenaltyNoNewProducts, tenants.PenaltyNoNewProducts, tenants.PenaltyStoreSuspended}) {
		t.Fatalf("in force while suspended: %v", kinds)
	}
	// An admin's review lifts the suspension: the timed penalty under it shows again, then nothing.
	e.asSystem(t, func(tx *sqlx.Tx) error {
		_, err := tx.Exec(`update store_penalties set lifted_at = $3, lift_reason = 'reviewed' where tenant_id = $1 and id = $2`,
			store, ids[2], suspended.Add(time.Hour))
		return err
	})
	if code, _ := ruleCode(t, e.checkAs(t, tenants.Anonymous, store, tenants.PenaltyNoNewProducts, suspended.Add(time.Hour))); code != tenants.PenaltyNoNewProducts {
		t.Errorf("after the lift: %s, want NO_NEW_PRODUCTS (still 14 days)", code)
	}
	if err := e.checkAs(t, tenants.Anonymous, store, tenants.PenaltySellingSuspended, suspended.Add(time.Hour)); err != nil {
		t.Errorf("after the lift, selling: %v", err)
	}
	if err := e.checkAs(t, tenants.Anonymous, store, tenants.PenaltyNoNewProducts, longer); err != nil {
		t.Errorf("after every penalty ended: %v", err)
	}
}

func activeAs(e *authEnv, p tenants.Principal, store uuid.UUID, at time.Time) ([]tenants.Penalty, error) {
	s := tenants.NewSession(e.app, p, true)
	defer s.Rollback()
	return tenants.ActivePenalties(context.Background(), s, store, at)
}

func TestPenaltyDescriptions(t *testing.T) {
	at := time.Date(2026, 8, 1, 18, 0, 0, 0, time.FixedZone("Taipei", 8*3600))
	end := at.Add(7 * 24 * time.Hour)
	p := tenants.Penalty{Kind: tenants.PenaltyHiddenFromSearch, Track: "SERIOUS", Threshold: 12, Points: 12, StartsAt: at, EndsAt: &end}
	if got := p.Until(); got != "until 2026-08-08T10:00:00Z" {
		t.Errorf("Until = %q, want the end in UTC RFC 3339", got)
	}
	if d := p.Describe(); !strings.HasPrefix(d, "the store is hidden from search until 2026-08-08T10:00:00Z (penalty HIDDEN_FROM_SEARCH since 2026-08-01T10:00:00Z") {
		t.Errorf("Describe = %q", d)
	}
	p.EndsAt = nil
	if got := p.Until(); got != "until a platform review" {
		t.Errorf("Until without an end = %q", got)
	}
	if !p.InForce(at) || p.InForce(at.Add(-time.Nanosecond)) {
		t.Error("InForce at the start edge")
	}
	lifted := at.Add(time.Hour)
	p.LiftedAt = &lifted
	if p.InForce(at.Add(2 * time.Hour)) {
		t.Error("a lifted penalty is in force")
	}
	if sql := tenants.NotHiddenFromSearchSQL("p"); !strings.Contains(sql, "hp.tenant_id = p.tenant_id") || strings.Count(sql, "?") != 2 {
		t.Errorf("NotHiddenFromSearchSQL(p) = %s", sql)
	}
}
