package webhooks

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"tradeguard/tenants"
)

// Subscription is an endpoint and the topics it receives. StoreID nil: every store's events (an admin's).
type Subscription struct {
	ID             uuid.UUID      `db:"id"`
	StoreID        *uuid.UUID     `db:"tenant_id"`
	URL            string         `db:"url"`
	Topics         pq.StringArray `db:"topics"`
	Status         string         `db:"status"` // ACTIVE or DISABLED
	DisabledReason *string        `db:"disabled_reason"`
	PreviousUntil  *time.Time     `db:"previous_until"`
	CreatedBy      uuid.UUID      `db:"created_by"`
	CreatedAt      time.Time      `db:"created_at"`
	UpdatedAt      time.Time      `db:"updated_at"`
}

const subColumns = `id, tenant_id, url, topics, status, disabled_reason, previous_until, created_by, created_at, updated_at`

// RotationOverlap is how long the previous secret still signs after a rotation.
const RotationOverlap = 24 * time.Hour

// maxPerOwner bounds the subscriptions of one store (or of the platform).
const maxPerOwner = 10

// Input is what a subscription is made of; nil fields are left as they are on update.
type Input struct {
	URL    *string
	Topics []string
}

// may: a store's owner for its store, an admin for the platform; nobody else manages subscriptions.
func may(p tenants.Principal) error {
	if p.Is(tenants.RoleAdmin) || (p.Is(tenants.RoleMerchant) && p.IsStoreOwner()) {
		return nil
	}
	return tenants.ErrForbidden
}

func (e Endpoints) validate(in Input, creating bool) error {
	var errs tenants.RuleErrors
	if in.URL != nil {
		if err := e.CheckURL(*in.URL); err != nil {
			errs = append(errs, tenants.Refuse("INVALID_URL", "the endpoint URL "+err.Error(), "input", "url"))
		}
	} else if creating {
		errs = append(errs, tenants.Refuse("INVALID_URL", "an endpoint URL is required", "input", "url"))
	}
	if in.Topics != nil || creating {
		if len(in.Topics) == 0 {
			errs = append(errs, tenants.Refuse("INVALID_TOPICS", "name at least one topic", "input", "topics"))
		}
		for _, t := range in.Topics {
			if !KnownTopic(t) {
				errs = append(errs, tenants.Refuse("INVALID_TOPICS", "unknown topic "+quote(t)+"; the topics are "+strings.Join(Topics, ", "), "input", "topics"))
				break
			}
		}
	}
	return errs.Err()
}

// Create saves a subscription of the caller's store (a merchant owner) or of the platform (an admin) and
// returns it with its signing secret, which is shown only here.
func (e Endpoints) Create(ctx context.Context, s *tenants.Session, in Input, now time.Time) (Subscription, string, error) {
	p := s.Principal()
	if err := may(p); err != nil {
		return Subscription{}, "", err
	}
	if err := e.validate(in, true); err != nil {
		return Subscription{}, "", err
	}
	var store *uuid.UUID
	if !p.Is(tenants.RoleAdmin) {
		store = &p.StoreID
	}
	secret := newSecret()
	sub := Subscription{ID: uuid.New(), StoreID: store, URL: *in.URL, Topics: dedupe(in.Topics), Status: "ACTIVE",
		CreatedBy: p.UserID, CreatedAt: now, UpdatedAt: now}
	err := s.Do(ctx, func(tx *sqlx.Tx) error {
		var n int
		if err := tx.GetContext(ctx, &n, `select count(*) from webhook_subscriptions where tenant_id is not distinct from $1`, store); err != nil {
			return err
		}
		if n >= maxPerOwner {
			return tenants.Refuse("TOO_MANY_SUBSCRIPTIONS", "at most 10 subscriptions; delete one first", "input")
		}
		_, err := tx.ExecContext(ctx, `insert into webhook_subscriptions (id, tenant_id, url, topics, secret, status, created_by, created_at, updated_at)
			values ($1, $2, $3, $4, $5, 'ACTIVE', $6, $7, $7)`, sub.ID, store, sub.URL, sub.Topics, secret, sub.CreatedBy, now)
		return err
	})
	return sub, secret, err
}

// Change is an update: new URL or topics, enabling or disabling, and a new secret.
type Change struct {
	Input
	Enabled      *bool
	RotateSecret bool
}

// Update changes a subscription; with RotateSecret it returns the new secret (the previous one keeps signing
// for RotationOverlap). Enabling a disabled subscription clears its reason; its failed deliveries stay failed
// (webhookRedeliver sends one again).
func (e Endpoints) Update(ctx context.Context, s *tenants.Session, id uuid.UUID, c Change, now time.Time) (Subscription, string, error) {
	if err := may(s.Principal()); err != nil {
		return Subscription{}, "", err
	}
	if err := e.validate(c.Input, false); err != nil {
		return Subscription{}, "", err
	}
	var secret string
	var sub Subscription
	err := s.Do(ctx, func(tx *sqlx.Tx) error {
		if err := tx.GetContext(ctx, &sub, `select `+subColumns+` from webhook_subscriptions where id = $1 for update`, id); err != nil {
			return notFound(err)
		}
		if !owns(s.Principal(), sub) {
			return tenants.ErrNotFound
		}
		if c.URL != nil {
			sub.URL = *c.URL
		}
		if c.Topics != nil {
			sub.Topics = dedupe(c.Topics)
		}
		if c.Enabled != nil {
			sub.Status, sub.DisabledReason = "DISABLED", ptr("disabled by its owner")
			if *c.Enabled {
				sub.Status, sub.DisabledReason = "ACTIVE", nil
			}
		}
		sub.UpdatedAt = now
		if c.RotateSecret {
			secret = newSecret()
			until := now.Add(RotationOverlap)
			sub.PreviousUntil = &until
			_, err := tx.ExecContext(ctx, `update webhook_subscriptions set previous_secret = secret, previous_until = $2, secret = $3
				where id = $1`, id, until, secret)
			if err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `update webhook_subscriptions set url = $2, topics = $3, status = $4, disabled_reason = $5,
			updated_at = $6 where id = $1`, id, sub.URL, sub.Topics, sub.Status, sub.DisabledReason, now)
		return err
	})
	return sub, secret, err
}

// Delete removes a subscription with its deliveries.
func Delete(ctx context.Context, s *tenants.Session, id uuid.UUID) error {
	if err := may(s.Principal()); err != nil {
		return err
	}
	return s.Do(ctx, func(tx *sqlx.Tx) error {
		var sub Subscription
		if err := tx.GetContext(ctx, &sub, `select `+subColumns+` from webhook_subscriptions where id = $1 for update`, id); err != nil {
			return notFound(err)
		}
		if !owns(s.Principal(), sub) {
			return tenants.ErrNotFound
		}
		_, err := tx.ExecContext(ctx, `delete from webhook_subscriptions where id = $1`, id)
		return err
	})
}

// List is the caller's subscriptions: a merchant's store's, or an admin's platform ones.
func List(ctx context.Context, s *tenants.Session) ([]Subscription, error) {
	p := s.Principal()
	if err := may(p); err != nil {
		return nil, err
	}
	var out []Subscription
	err := s.Do(ctx, func(tx *sqlx.Tx) error {
		if p.Is(tenants.RoleAdmin) {
			return tx.SelectContext(ctx, &out, `select `+subColumns+` from webhook_subscriptions where tenant_id is null order by created_at, id`)
		}
		return tx.SelectContext(ctx, &out, `select `+subColumns+` from webhook_subscriptions where tenant_id = $1 order by created_at, id`, p.StoreID)
	})
	return out, err
}

// owns: a merchant owner manages its store's subscriptions, an admin the platform's (row-level security
// already hides other stores' rows; this keeps admins to their own kind).
func owns(p tenants.Principal, sub Subscription) bool {
	if p.Is(tenants.RoleAdmin) {
		return sub.StoreID == nil
	}
	return sub.StoreID != nil && *sub.StoreID == p.StoreID
}

func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return tenants.ErrNotFound
	}
	return err
}

func newSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return "whsec_" + base64.RawURLEncoding.EncodeToString(b)
}

func dedupe(ts []string) pq.StringArray {
	out := slices.Clone(ts)
	slices.Sort(out)
	return slices.Compact(out)
}

func ptr[T any](v T) *T { return &v }

func quote(s string) string { return "\"" + s + "\"" }
