package scoring

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"tradeguard/tenants"
)

// Published is a stored policy version.
type Published struct {
	Policy
	Note        string
	PublishedAt time.Time
	PublishedBy *uuid.UUID
}

type policyRow struct {
	Version     int        `db:"version"`
	Doc         []byte     `db:"policy"`
	Note        string     `db:"note"`
	PublishedAt time.Time  `db:"published_at"`
	PublishedBy *uuid.UUID `db:"published_by"`
}

func (r policyRow) published() (Published, error) {
	var p Policy
	if err := json.Unmarshal(r.Doc, &p); err != nil {
		return Published{}, fmt.Errorf("scoring: policy %d: %w", r.Version, err)
	}
	p.Version = r.Version
	return Published{Policy: p, Note: r.Note, PublishedAt: r.PublishedAt, PublishedBy: r.PublishedBy}, nil
}

// Policies lists every version, newest first: admins see them all, anyone else only the one in force now.
func Policies(ctx context.Context, s *tenants.Session, now time.Time) ([]Published, error) {
	if !s.Principal().Is(tenants.RoleAdmin, tenants.RoleSystem) {
		p, err := PolicyAt(ctx, s, now)
		return []Published{p}, err
	}
	var rows []policyRow
	err := s.Do(ctx, func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &rows, `select version, policy, note, published_at, published_by
			from scoring_policies order by version desc`)
	})
	if err != nil {
		return nil, err
	}
	out := make([]Published, len(rows))
	for i, r := range rows {
		if out[i], err = r.published(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// PolicyAt is the version in force at t: the latest published by then (version 1 is in force since 2000).
func PolicyAt(ctx context.Context, s *tenants.Session, t time.Time) (Published, error) {
	var r policyRow
	err := s.Do(ctx, func(tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &r, `select version, policy, note, published_at, published_by from scoring_policies
			where published_at <= $1 order by version desc limit 1`, t)
	})
	if err != nil {
		return Published{}, err
	}
	return r.published()
}

// PolicyVersion is one stored version.
func PolicyVersion(ctx context.Context, s *tenants.Session, version int) (Published, error) {
	var r policyRow
	err := s.Do(ctx, func(tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &r, `select version, policy, note, published_at, published_by from scoring_policies
			where version = $1`, version)
	})
	if err != nil {
		return Published{}, err
	}
	return r.published()
}

// Publish stores p as the next version, in force from now; versions never change once stored. Admins only.
// Every problem with p is refused at once, each naming its field (input.rules.2.excellent …).
func Publish(ctx context.Context, s *tenants.Session, p Policy, note string, now time.Time) (Published, error) {
	if !s.Principal().Is(tenants.RoleAdmin) {
		return Published{}, tenants.ErrForbidden
	}
	for i := range p.Rules {
		p.Rules[i] = Shape(p.Rules[i])
	}
	if p.LowestLevel == "" {
		p.LowestLevel = "D"
	}
	var errs tenants.RuleErrors
	if len([]rune(note)) > 2000 {
		errs = append(errs, &tenants.RuleError{Code: "NOTE_TOO_LONG", Message: "a note has at most 2000 characters", Field: []string{"input", "note"}})
	}
	if err := p.Validate(); err != nil {
		var joined interface{ Unwrap() []error }
		if errors.As(err, &joined) {
			for _, e := range joined.Unwrap() {
				var fe *FieldError
				if errors.As(e, &fe) {
					errs = append(errs, &tenants.RuleError{Code: "INVALID_POLICY", Message: fe.Message,
						Field: append([]string{"input"}, strings.Split(fe.Field, ".")...)})
				}
			}
		}
	}
	if len(errs) > 0 {
		return Published{}, errs
	}
	var out Published
	err := s.Do(ctx, func(tx *sqlx.Tx) error {
		// one publisher at a time: versions are consecutive and times never go backwards
		if _, err := tx.ExecContext(ctx, `select pg_advisory_xact_lock(hashtext('tradeguard.scoring.publish'))`); err != nil {
			return err
		}
		var last struct {
			Version int       `db:"version"`
			At      time.Time `db:"published_at"`
		}
		if err := tx.GetContext(ctx, &last, `select version, published_at from scoring_policies order by version desc limit 1`); err != nil {
			return err
		}
		p.Version = last.Version + 1
		at := now
		if !at.After(last.At) {
			at = last.At.Add(time.Microsecond)
		}
		doc, err := json.Marshal(p)
		if err != nil {
			return err
		}
		by := s.Principal().UserID
		if _, err := tx.ExecContext(ctx, `insert into scoring_policies (version, policy, note, published_at, published_by)
			values ($1, $2, $3, $4, $5)`, p.Version, doc, note, at, by); err != nil {
			return err
		}
		out = Published{Policy: p, Note: note, PublishedAt: at, PublishedBy: &by}
		return nil
	})
	return out, err
}
