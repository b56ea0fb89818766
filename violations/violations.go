package violations

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"tradeguard/internal/sqlq"
	"tradeguard/tenants"
)

const (
	maxNoteRunes     = 2000
	maxEvidenceRunes = 4000
	maxReasonRunes   = 2000
)

// Code is one entry of the catalogue of violation codes.
type Code struct {
	Code          string `db:"code"`
	Name          string `db:"name"`
	Track         string `db:"track"`
	DefaultPoints int    `db:"default_points"`
	IssuedBy      string `db:"issued_by"`
	Description   string `db:"description"`
}

// Codes returns the catalogue of violation codes (reference data: any signed-in or anonymous context reads it).
func Codes(ctx context.Context, s *tenants.Session) ([]Code, error) {
	var out []Code
	err := s.Do(ctx, func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &out, `select code, name, track, default_points, issued_by, description
			from violation_codes order by track, default_points, code`)
	})
	return out, err
}

func codeOf(ctx context.Context, tx *sqlx.Tx, code string) (*Code, error) {
	var c Code
	err := tx.GetContext(ctx, &c, `select code, name, track, default_points, issued_by, description
		from violation_codes where code = $1`, code)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return &c, err
}

// CanRead says whether the principal may read a store's violations, points and penalties: the platform, and
// the store's own staff (API tokens with metrics:read). Another store's id answers like a missing one.
func CanRead(p tenants.Principal, storeID uuid.UUID) error {
	switch {
	case p.Is(tenants.RoleAdmin, tenants.RoleSystem):
		return nil
	case p.Is(tenants.RoleMerchant):
		if p.StoreID != storeID {
			return tenants.ErrNotFound
		}
		if !p.Allows(tenants.ScopeMetricsRead) {
			return tenants.ErrForbidden
		}
		return nil
	}
	return tenants.ErrForbidden
}

// IssueInput is an admin's violation. Points nil means the code's default points.
type IssueInput struct {
	StoreID  uuid.UUID
	Code     string
	Points   *int
	Note     string
	Evidence string // links and notes backing it: required
	CaseID   *uuid.UUID
}

// Issue records an admin's violation of a code the admins issue (not a system one: CODE_NOT_ADMIN_ISSUED),
// with evidence (EVIDENCE_REQUIRED), then recomputes the store's penalties. Every refusal of the input is
// reported at once.
func Issue(ctx context.Context, s *tenants.Session, in IssueInput, now time.Time) (Violation, error) {
	p := s.Principal()
	if !p.Is(tenants.RoleAdmin) || p.UserID == uuid.Nil {
		return Violation{}, tenants.ErrForbidden
	}
	in.Code, in.Note, in.Evidence = strings.TrimSpace(in.Code), strings.TrimSpace(in.Note), strings.TrimSpace(in.Evidence)
	var v Violation
	err := s.Do(ctx, func(tx *sqlx.Tx) error {
		var errs tenants.RuleErrors
		var exists bool
		if err := tx.GetContext(ctx, &exists, `select exists (select 1 from stores where id = $1)`, in.StoreID); err != nil {
			return err
		}
		if !exists {
			errs = append(errs, tenants.Refuse("STORE_NOT_FOUND", "no such store", "input", "storeId"))
		}
		code, err := codeOf(ctx, tx, in.Code)
		if err != nil {
			return err
		}
		switch {
		case code == nil:
			errs = append(errs, tenants.Refuse("UNKNOWN_CODE", fmt.Sprintf("there is no violation code %q", in.Code), "input", "code"))
		case code.IssuedBy != ByAdmin:
			errs = append(errs, tenants.Refuse("CODE_NOT_ADMIN_ISSUED", fmt.Sprintf(
				"violation code %s is issued by the system from after-sales facts, not by an admin", code.Code), "input", "code"))
		}
		if n := utf8.RuneCountInString(in.Evidence); n == 0 || n > maxEvidenceRunes {
			errs = append(errs, tenants.Refuse("EVIDENCE_REQUIRED", fmt.Sprintf(
				"give the evidence (links, notes) backing the violation: 1 to %d characters; the store sees it", maxEvidenceRunes), "input", "evidence"))
		}
		if utf8.RuneCountInString(in.Note) > maxNoteRunes {
			errs = append(errs, tenants.Refuse("NOTE_TOO_LONG", fmt.Sprintf("the note may be at most %d characters", maxNoteRunes), "input", "note"))
		}
		if in.Points != nil && (*in.Points < 1 || *in.Points > MaxPoints) {
			errs = append(errs, tenants.Refuse("INVALID_POINTS", fmt.Sprintf("points must be 1 to %d", MaxPoints), "input", "points"))
		}
		if in.CaseID != nil && exists {
			var found bool
			if err := tx.GetContext(ctx, &found, `select exists (select 1 from cases where tenant_id = $1 and id = $2)`,
				in.StoreID, *in.CaseID); err != nil {
				return err
			}
			if !found {
				errs = append(errs, tenants.Refuse("CASE_NOT_FOUND", "the store has no such case", "input", "caseId"))
			}
		}
		if err := errs.Err(); err != nil {
			return err
		}
		points := code.DefaultPoints
		if in.Points != nil {
			points = *in.Points
		}
		return tx.GetContext(ctx, &v, `insert into violations (tenant_id, id, code, track, points, issued_at, expires_at,
				issued_by, issuer_id, note, evidence, case_id)
			values ($1, $2, $3, $4, $5, $6, $7, 'ADMIN', $8, $9, $10, $11) returning `+columns,
			in.StoreID, uuid.New(), code.Code, code.Track, points, now, now.Add(Lifetime), p.UserID, in.Note, in.Evidence, in.CaseID)
	})
	if err != nil {
		return Violation{}, err
	}
	return v, Recompute(ctx, s, v.StoreID, now)
}

// IssueSystem records a system violation of code for cause (e.g. "case:<id>:MERCHANT_NO_RESPONSE") exactly once
// per store and cause: when the cause already has its violation, that one is returned with created false and
// nothing is written. A new one recomputes the store's penalties. Only the system issues these.
func IssueSystem(ctx context.Context, s *tenants.Session, storeID uuid.UUID, code, cause string, caseID *uuid.UUID, now time.Time) (Violation, bool, error) {
	if !s.Principal().Is(tenants.RoleSystem) {
		return Violation{}, false, tenants.ErrForbidden
	}
	if cause == "" {
		return Violation{}, false, errors.New("violations: a system violation needs a cause")
	}
	var v Violation
	created := false
	err := s.Do(ctx, func(tx *sqlx.Tx) error {
		// The store's lock first (Recompute takes it again): two scans issuing for the same stores then queue
		// up store by store instead of each holding a violation row the other waits for.
		if err := lockStore(ctx, tx, storeID); err != nil {
			return err
		}
		c, err := codeOf(ctx, tx, code)
		if err != nil {
			return err
		}
		if c == nil || c.IssuedBy != BySystem {
			return fmt.Errorf("violations: %q is not a system-issued violation code", code)
		}
		// A second run (or a concurrent one) finds the cause taken and writes nothing.
		err = tx.GetContext(ctx, &v, `insert into violations (tenant_id, id, code, track, points, issued_at, expires_at,
				issued_by, case_id, cause)
			values ($1, $2, $3, $4, $5, $6, $7, 'SYSTEM', $8, $9)
			on conflict (tenant_id, cause) do nothing returning `+columns,
			storeID, uuid.New(), c.Code, c.Track, c.DefaultPoints, now, now.Add(Lifetime), caseID, cause)
		if err == nil {
			created = true
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		return tx.GetContext(ctx, &v, `select `+columns+` from violations where tenant_id = $1 and cause = $2`, storeID, cause)
	})
	if err != nil || !created {
		return v, false, err
	}
	return v, true, Recompute(ctx, s, storeID, now)
}

// Appeal is the store owner's one appeal of a violation, within 7 days of its issue (until issued_at + 7 days,
// exclusive). The violation keeps counting while appealed; an admin then upholds or revokes it (Decide).
func Appeal(ctx context.Context, s *tenants.Session, k Key, reason string, now time.Time) (Violation, error) {
	p := s.Principal()
	if p.Is(tenants.RoleMerchant) && p.StoreID != k.StoreID {
		return Violation{}, tenants.ErrNotFound
	}
	if !p.IsStoreOwner() || p.UserID == uuid.Nil {
		return Violation{}, tenants.ErrForbidden
	}
	reason = strings.TrimSpace(reason)
	if n := utf8.RuneCountInString(reason); n == 0 || n > maxReasonRunes {
		return Violation{}, tenants.Refuse("REASON_REQUIRED", fmt.Sprintf(
			"say why the violation is wrong (1 to %d characters); an admin decides", maxReasonRunes), "input", "reason")
	}
	var v Violation
	err := s.Do(ctx, func(tx *sqlx.Tx) error {
		var err error
		if v, err = get(ctx, tx, k, false); err != nil {
			return err
		}
		if err := appealable(v, now); err != nil {
			return err
		}
		// Only an ACTIVE violation changes (the owner's row-level policy and trigger say the same): a concurrent
		// appeal that came first leaves nothing to update.
		err = tx.GetContext(ctx, &v, `update violations set status = 'APPEALED', appeal_reason = $3, appealed_at = $4,
				appealed_by = $5
			where tenant_id = $1 and id = $2 and status = 'ACTIVE' returning `+columns, k.StoreID, k.ID, reason, now, p.UserID)
		if errors.Is(err, sql.ErrNoRows) {
			return alreadyAppealed(v)
		}
		return err
	})
	return v, err
}

// appealable is the appeal rule: once (ALREADY_APPEALED), before issued_at + 7 days (APPEAL_WINDOW_CLOSED).
func appealable(v Violation, now time.Time) error {
	if v.Status != StatusActive {
		return alreadyAppealed(v)
	}
	if !now.Before(v.AppealDeadline()) {
		return tenants.Refuse("APPEAL_WINDOW_CLOSED", fmt.Sprintf(
			"a violation may be appealed within 7 days of its issue; the window of this one (issued %s) closed at %s",
			v.IssuedAt.UTC().Format(time.RFC3339), v.AppealDeadline().UTC().Format(time.RFC3339)))
	}
	return nil
}

func alreadyAppealed(v Violation) error {
	msg := "the violation has already been appealed"
	if v.AppealedAt != nil {
		msg += " on " + v.AppealedAt.UTC().Format(time.RFC3339)
	}
	if v.Status == StatusRevoked || v.Status == StatusUpheld {
		msg += " and the appeal was decided: " + strings.ToLower(v.Status)
	}
	return tenants.Refuse("ALREADY_APPEALED", msg+"; a violation is appealed once")
}

// Decide is an admin's decision on an open appeal (NO_OPEN_APPEAL otherwise): uphold keeps the violation
// counting (UPHELD), otherwise it is REVOKED and stops counting from now. The note (1 to 2000 characters) gives
// the reasons; the store sees it. The store's penalties are recomputed (a revocation may lift them).
func Decide(ctx context.Context, s *tenants.Session, k Key, uphold bool, note string, now time.Time) (Violation, error) {
	p := s.Principal()
	if !p.Is(tenants.RoleAdmin) || p.UserID == uuid.Nil {
		return Violation{}, tenants.ErrForbidden
	}
	note = strings.TrimSpace(note)
	if n := utf8.RuneCountInString(note); n == 0 || n > maxNoteRunes {
		return Violation{}, tenants.Refuse("NOTE_REQUIRED", fmt.Sprintf(
			"give the decision's reasons (1 to %d characters); the store sees them", maxNoteRunes), "input", "note")
	}
	status := StatusRevoked
	if uphold {
		status = StatusUpheld
	}
	var v Violation
	err := s.Do(ctx, func(tx *sqlx.Tx) error {
		var err error
		if v, err = get(ctx, tx, k, true); err != nil {
			return err
		}
		if v.Status != StatusAppealed {
			msg := "the violation has no open appeal"
			switch v.Status {
			case StatusActive:
				msg += ": the store has not appealed it"
			default:
				msg += fmt.Sprintf(": its appeal was already decided (%s)", strings.ToLower(v.Status))
			}
			return tenants.Refuse("NO_OPEN_APPEAL", msg)
		}
		return tx.GetContext(ctx, &v, `update violations set status = $3, decided_at = $4, decided_by = $5, decision_note = $6
			where tenant_id = $1 and id = $2 returning `+columns, k.StoreID, k.ID, status, now, p.UserID, note)
	})
	if err != nil {
		return Violation{}, err
	}
	return v, Recompute(ctx, s, k.StoreID, now)
}

func get(ctx context.Context, tx *sqlx.Tx, k Key, lock bool) (Violation, error) {
	q := `select ` + columns + ` from violations where tenant_id = $1 and id = $2`
	if lock {
		q += ` for update`
	}
	var v Violation
	err := tx.GetContext(ctx, &v, q, k.StoreID, k.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return Violation{}, tenants.ErrNotFound
	}
	return v, err
}

// Get returns one violation, or tenants.ErrNotFound if there is none the caller may see.
func Get(ctx context.Context, s *tenants.Session, k Key) (Violation, error) {
	if err := CanRead(s.Principal(), k.StoreID); err != nil {
		if errors.Is(err, tenants.ErrForbidden) {
			return Violation{}, tenants.ErrNotFound
		}
		return Violation{}, err
	}
	var v Violation
	err := s.Do(ctx, func(tx *sqlx.Tx) error {
		var err error
		v, err = get(ctx, tx, k, false)
		return err
	})
	return v, err
}

// ByKeys returns the visible violations among keys (a loader's batch); keys of other stores find nothing.
func ByKeys(ctx context.Context, s *tenants.Session, keys []Key) ([]Violation, error) {
	p := s.Principal()
	stores, ids := make([]uuid.UUID, 0, len(keys)), make([]uuid.UUID, 0, len(keys))
	for _, k := range keys {
		if CanRead(p, k.StoreID) == nil {
			stores, ids = append(stores, k.StoreID), append(ids, k.ID)
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	var out []Violation
	err := s.Do(ctx, func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &out, `select `+columns+` from violations
			where (tenant_id, id) in (select * from unnest($1::uuid[], $2::uuid[]))`, pq.Array(stores), pq.Array(ids))
	})
	return out, err
}

// Filter narrows a store's violations.
type Filter struct {
	Statuses []string
	Tracks   []string
	Codes    []string
	// CountingAt keeps the violations whose points count at that time (see Violation.CountsAt).
	CountingAt *time.Time
}

// Cursor is the keyset position after which a page starts (newest first).
type Cursor struct {
	IssuedAt time.Time
	ID       uuid.UUID
}

func where(storeID uuid.UUID, f Filter) *sqlq.Where {
	w := &sqlq.Where{}
	w.Add("tenant_id = ?", storeID)
	if len(f.Statuses) > 0 {
		w.Add("status = any(?)", pq.Array(f.Statuses))
	}
	if len(f.Tracks) > 0 {
		w.Add("track = any(?)", pq.Array(f.Tracks))
	}
	if len(f.Codes) > 0 {
		w.Add("code = any(?)", pq.Array(f.Codes))
	}
	if f.CountingAt != nil {
		at := *f.CountingAt
		w.Add("issued_at <= ? and expires_at > ? and (status <> 'REVOKED' or decided_at > ?)", at, at, at)
	}
	return w
}

// List returns up to limit of a store's violations after the cursor, newest first; more tells whether another
// page exists. The store's staff see their own store's; admins any store's; buyers none.
func List(ctx context.Context, s *tenants.Session, storeID uuid.UUID, f Filter, after *Cursor, limit int) (out []Violation, more bool, err error) {
	if err := CanRead(s.Principal(), storeID); err != nil {
		return nil, false, err
	}
	w := where(storeID, f)
	if after != nil {
		w.Add("(issued_at, id) < (?, ?)", after.IssuedAt, after.ID)
	}
	q := `select ` + columns + ` from violations where ` + w.SQL() + ` order by issued_at desc, id desc limit ` + w.Arg(limit+1)
	err = s.Do(ctx, func(tx *sqlx.Tx) error { return tx.SelectContext(ctx, &out, q, w.Args...) })
	if len(out) > limit {
		return out[:limit], true, err
	}
	return out, false, err
}

// Count counts a store's violations that the filter matches.
func Count(ctx context.Context, s *tenants.Session, storeID uuid.UUID, f Filter) (n int, err error) {
	if err := CanRead(s.Principal(), storeID); err != nil {
		return 0, err
	}
	w := where(storeID, f)
	err = s.Do(ctx, func(tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &n, `select count(*) from violations where `+w.SQL(), w.Args...)
	})
	return n, err
}

// ActivePointsOf is the store's active points per track as of any time, past or future (a future date shows
// what will remain after expiries, as things stand now).
func ActivePointsOf(ctx context.Context, s *tenants.Session, storeID uuid.UUID, asOf time.Time) (general, serious int, err error) {
	if err := CanRead(s.Principal(), storeID); err != nil {
		return 0, 0, err
	}
	var vs []Violation
	err = s.Do(ctx, func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &vs, `select `+columns+` from violations
			where tenant_id = $1 and issued_at <= $2 and expires_at > $2`, storeID, asOf)
	})
	general, serious = ActivePoints(vs, asOf)
	return general, serious, err
}
