package tenants

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Partner API tokens look like "tgp_<store id, 32 hex>_<secret>": the store id lets authentication look the
// token up inside one tenant; only the SHA-256 of the whole token is stored.
const (
	apiTokenPrefix       = "tgp_"
	maxActiveAPITokens   = 20
	apiTokenTouchEvery   = time.Minute
	maxAPITokenNameRunes = 100
)

// APIToken is a partner token as its store's owner sees it (never the secret).
type APIToken struct {
	ID         uuid.UUID      `db:"id"`
	StoreID    uuid.UUID      `db:"tenant_id"`
	Name       string         `db:"name"`
	Scopes     []Scope        `db:"-"`
	RawScopes  pq.StringArray `db:"scopes"`
	CreatedBy  uuid.UUID      `db:"created_by"`
	CreatedAt  time.Time      `db:"created_at"`
	LastUsedAt *time.Time     `db:"last_used_at"`
	RevokedAt  *time.Time     `db:"revoked_at"`
}

func (t *APIToken) decode() {
	t.Scopes = make([]Scope, len(t.RawScopes))
	for i, s := range t.RawScopes {
		t.Scopes[i] = Scope(s)
	}
}

// IsPartnerToken tells a partner token from a JWT by its prefix.
func IsPartnerToken(bearer string) bool { return strings.HasPrefix(bearer, apiTokenPrefix) }

// AuthenticateAPIToken turns a partner token into a merchant principal limited by the token's scopes.
func (a *Auth) AuthenticateAPIToken(ctx context.Context, token string) (Principal, error) {
	rest, ok := strings.CutPrefix(token, apiTokenPrefix)
	store, secret, ok2 := strings.Cut(rest, "_")
	if !ok || !ok2 || len(token) > 200 || len(secret) < 32 {
		return Principal{}, ErrUnauthenticated
	}
	storeID, err := uuid.Parse(store)
	if err != nil {
		return Principal{}, ErrUnauthenticated
	}
	hash := sha256Hex(token)
	var t APIToken
	err = inTx(ctx, a.DB, dbContext{role: "token_auth", tenantID: storeID.String(), apiTokenHash: hash}, func(tx *sqlx.Tx) error {
		err := tx.GetContext(ctx, &t, `select id, tenant_id, name, scopes, created_by, created_at, last_used_at, revoked_at
			from api_tokens where tenant_id = $1 and token_hash = $2`, storeID, hash)
		if err != nil || t.RevokedAt != nil {
			return err
		}
		// Recording every use would turn each read into a write; once a minute is enough to see activity.
		now := a.Now()
		if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) >= apiTokenTouchEvery {
			_, err = tx.ExecContext(ctx, `update api_tokens set last_used_at = $3 where tenant_id = $1 and id = $2`, storeID, t.ID, now)
		}
		return err
	})
	if errors.Is(err, sql.ErrNoRows) {
		return Principal{}, ErrUnauthenticated
	}
	if err != nil {
		return Principal{}, err
	}
	if t.RevokedAt != nil {
		return Principal{}, fmt.Errorf("%w: token revoked", ErrUnauthenticated)
	}
	t.decode()
	return Principal{Role: RoleMerchant, StoreID: storeID, StaffRole: StaffAPI, Scopes: t.Scopes, TokenID: t.ID}, nil
}

// ValidateAPITokenInput checks a token request; every problem is reported at once.
func ValidateAPITokenInput(name string, scopes []Scope) error {
	var errs RuleErrors
	if n := utf8.RuneCountInString(strings.TrimSpace(name)); n == 0 || n > maxAPITokenNameRunes {
		errs = append(errs, Refuse("INVALID_NAME", fmt.Sprintf("name must be 1 to %d characters", maxAPITokenNameRunes), "input", "name"))
	}
	if len(scopes) == 0 {
		errs = append(errs, Refuse("INVALID_SCOPES", "give the token at least one scope", "input", "scopes"))
	}
	for _, s := range scopes {
		if !slices.Contains(Scopes, s) {
			errs = append(errs, Refuse("INVALID_SCOPES", fmt.Sprintf("unknown scope %q", s), "input", "scopes"))
		}
	}
	return errs.Err()
}

// CreateAPIToken makes a partner token for the caller's store. Only the store owner may; the plaintext token is
// returned once and never again.
func CreateAPIToken(ctx context.Context, s *Session, name string, scopes []Scope) (APIToken, string, error) {
	p := s.Principal()
	if !p.IsStoreOwner() {
		return APIToken{}, "", ErrForbidden
	}
	if err := ValidateAPITokenInput(name, scopes); err != nil {
		return APIToken{}, "", err
	}
	secret, err := randomSecret()
	if err != nil {
		return APIToken{}, "", err
	}
	plain := apiTokenPrefix + strings.ReplaceAll(p.StoreID.String(), "-", "") + "_" + secret
	slices.Sort(scopes)
	scopes = slices.Compact(scopes)
	raw := make(pq.StringArray, len(scopes))
	for i, sc := range scopes {
		raw[i] = string(sc)
	}
	var t APIToken
	err = s.Do(ctx, func(tx *sqlx.Tx) error {
		var active int
		if err := tx.GetContext(ctx, &active, `select count(*) from api_tokens where tenant_id = $1 and revoked_at is null`, p.StoreID); err != nil {
			return err
		}
		if active >= maxActiveAPITokens {
			return Refuse("TOO_MANY_TOKENS", fmt.Sprintf("a store may have at most %d active API tokens; revoke one first", maxActiveAPITokens))
		}
		return tx.GetContext(ctx, &t, `insert into api_tokens (tenant_id, id, name, token_hash, scopes, created_by, created_at)
			values ($1, $2, $3, $4, $5, $6, now()) returning id, tenant_id, name, scopes, created_by, created_at, last_used_at, revoked_at`,
			p.StoreID, uuid.New(), strings.TrimSpace(name), sha256Hex(plain), raw, p.UserID)
	})
	if err != nil {
		return APIToken{}, "", err
	}
	t.decode()
	return t, plain, nil
}

// ListAPITokens lists the caller's store's tokens, newest first (owner only).
func ListAPITokens(ctx context.Context, s *Session) ([]APIToken, error) {
	p := s.Principal()
	if !p.IsStoreOwner() {
		return nil, ErrForbidden
	}
	var ts []APIToken
	err := s.Do(ctx, func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &ts, `select id, tenant_id, name, scopes, created_by, created_at, last_used_at, revoked_at
			from api_tokens where tenant_id = $1 order by created_at desc, id`, p.StoreID)
	})
	for i := range ts {
		ts[i].decode()
	}
	return ts, err
}

// RevokeAPIToken stops a token from working at once. Revoking twice is harmless; another store's token is
// "not found".
func RevokeAPIToken(ctx context.Context, s *Session, id uuid.UUID) (APIToken, error) {
	p := s.Principal()
	if !p.IsStoreOwner() {
		return APIToken{}, ErrForbidden
	}
	var t APIToken
	err := s.Do(ctx, func(tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &t, `update api_tokens set revoked_at = coalesce(revoked_at, now())
			where tenant_id = $1 and id = $2
			returning id, tenant_id, name, scopes, created_by, created_at, last_used_at, revoked_at`, p.StoreID, id)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return APIToken{}, ErrNotFound
	}
	t.decode()
	return t, err
}
