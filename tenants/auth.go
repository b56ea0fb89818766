package tenants

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
)

const refreshTokenTTL = 30 * 24 * time.Hour

// Auth signs people in and keeps their sessions: login, refresh-token rotation, logout, and partner-token
// authentication. Each step runs in its own short transaction whose row-level context lets it see only the
// one account, token family or API token it is about.
type Auth struct {
	DB     *sqlx.DB
	Access *AccessTokens
	Now    func() time.Time
}

// TokenPair is what a successful login or refresh returns.
type TokenPair struct {
	AccessToken      string
	AccessExpiresAt  time.Time
	RefreshToken     string
	RefreshExpiresAt time.Time
}

// Refusals of the sign-in mutations. They say no more than "wrong" on purpose: which half was wrong, or
// whether the account exists, is not for the caller to learn.
var (
	errBadCredentials = Refuse("INVALID_CREDENTIALS", "the e-mail or password is wrong, or the account is not active", "input")
	errBadRefresh     = Refuse("REFRESH_TOKEN_INVALID", "the refresh token is unknown, expired, revoked or already used; sign in again", "input", "refreshToken")
	errRefreshReused  = Refuse("REFRESH_TOKEN_INVALID", "the refresh token was already used, so every token of this sign-in is now revoked; sign in again", "input", "refreshToken")
)

// dummyHash makes a login for an unknown e-mail cost what a wrong password costs, so timing tells nothing.
var dummyHash, _ = HashPassword("tradeguard-timing-equalizer")

// Login checks an e-mail and password and opens a new refresh-token family.
func (a *Auth) Login(ctx context.Context, email, password string) (TokenPair, error) {
	var u struct {
		ID     uuid.UUID `db:"id"`
		Hash   string    `db:"password_hash"`
		Status string    `db:"status"`
	}
	err := inTx(ctx, a.DB, dbContext{role: "login", loginEmail: email}, func(tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &u, `select id, password_hash, status from users where lower(email) = lower($1)`, email)
	})
	if errors.Is(err, sql.ErrNoRows) {
		_, _ = CheckPassword(dummyHash, password)
		return TokenPair{}, errBadCredentials
	}
	if err != nil {
		return TokenPair{}, err
	}
	ok, err := CheckPassword(u.Hash, password)
	if err != nil {
		// An unusable hash ("!" after anonymization, or a corrupt one) is a wrong password, not a failure.
		return TokenPair{}, errBadCredentials
	}
	// An account whose deletion is pending still signs in, so its owner can withdraw the request.
	if !ok || (u.Status != "ACTIVE" && u.Status != "DELETION_PENDING") {
		return TokenPair{}, errBadCredentials
	}
	var pair TokenPair
	err = inTx(ctx, a.DB, dbContext{role: "login", userID: u.ID.String()}, func(tx *sqlx.Tx) error {
		p, err := loadPrincipal(ctx, tx, u.ID)
		if err != nil {
			return err
		}
		pair, err = a.issue(ctx, tx, p, uuid.New())
		return err
	})
	if errors.Is(err, ErrUnauthenticated) {
		return TokenPair{}, errBadCredentials
	}
	return pair, err
}

// SignIn opens a refresh-token family for an account that has just proved who it is some other way
// (accepting an invitation with its password).
func (a *Auth) SignIn(ctx context.Context, userID uuid.UUID) (TokenPair, error) {
	var pair TokenPair
	err := inTx(ctx, a.DB, dbContext{role: "login", userID: userID.String()}, func(tx *sqlx.Tx) error {
		p, err := loadPrincipal(ctx, tx, userID)
		if err != nil {
			return err
		}
		pair, err = a.issue(ctx, tx, p, uuid.New())
		return err
	})
	return pair, err
}

// Refresh rotates a refresh token: the presented one is spent and a new one of the same family returned.
// Presenting a spent or revoked token means it leaked: the whole family is revoked.
func (a *Auth) Refresh(ctx context.Context, token string) (TokenPair, error) {
	family, hash, err := parseRefreshToken(token)
	if err != nil {
		return TokenPair{}, errBadRefresh
	}
	// First look: which user, and is this token still fresh? A reused token revokes its family right here.
	var row struct {
		ID        uuid.UUID    `db:"id"`
		UserID    uuid.UUID    `db:"user_id"`
		ExpiresAt time.Time    `db:"expires_at"`
		UsedAt    sql.NullTime `db:"used_at"`
		RevokedAt sql.NullTime `db:"revoked_at"`
	}
	reused := false
	err = inTx(ctx, a.DB, dbContext{role: "refresh", refreshFamily: family.String()}, func(tx *sqlx.Tx) error {
		if err := lockFamily(ctx, tx, family); err != nil {
			return err
		}
		err := tx.GetContext(ctx, &row, `select id, user_id, expires_at, used_at, revoked_at from refresh_tokens
			where family_id = $1 and token_hash = $2`, family, hash)
		if err != nil {
			return err
		}
		if row.UsedAt.Valid || row.RevokedAt.Valid {
			reused = true
			_, err = tx.ExecContext(ctx, `update refresh_tokens set revoked_at = $2 where family_id = $1 and revoked_at is null`, family, a.Now())
		}
		return err
	})
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return TokenPair{}, errBadRefresh
	case err != nil:
		return TokenPair{}, err
	case reused:
		return TokenPair{}, errRefreshReused
	case !a.Now().Before(row.ExpiresAt):
		return TokenPair{}, errBadRefresh
	}
	// Second step, as that user: spend the token (a concurrent spend of the same token finds it used and fails)
	// and issue the next one for the account as it is now (role or store may have changed).
	var pair TokenPair
	err = inTx(ctx, a.DB, dbContext{role: "refresh", refreshFamily: family.String(), userID: row.UserID.String()}, func(tx *sqlx.Tx) error {
		if err := lockFamily(ctx, tx, family); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `update refresh_tokens set used_at = $2
			where id = $1 and used_at is null and revoked_at is null`, row.ID, a.Now())
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			// Spent by a concurrent request between the two steps: that is reuse too.
			reused = true
			_, err = tx.ExecContext(ctx, `update refresh_tokens set revoked_at = $2 where family_id = $1 and revoked_at is null`, family, a.Now())
			return err
		}
		p, err := loadPrincipal(ctx, tx, row.UserID)
		if err != nil {
			return err
		}
		pair, err = a.issue(ctx, tx, p, family)
		return err
	})
	switch {
	case errors.Is(err, ErrUnauthenticated):
		return TokenPair{}, errBadRefresh
	case err == nil && reused:
		return TokenPair{}, errRefreshReused
	}
	return pair, err
}

// Logout revokes the refresh token's family; an unknown token is not an error (logging out twice is fine).
func (a *Auth) Logout(ctx context.Context, token string) error {
	family, _, err := parseRefreshToken(token)
	if err != nil {
		return nil
	}
	return inTx(ctx, a.DB, dbContext{role: "refresh", refreshFamily: family.String()}, func(tx *sqlx.Tx) error {
		if err := lockFamily(ctx, tx, family); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `update refresh_tokens set revoked_at = $2 where family_id = $1 and revoked_at is null`, family, a.Now())
		return err
	})
}

// lockFamily makes concurrent refreshes and revocations of one token family queue up. Row locks would not
// do: a rotation adds a row that a concurrent revocation locks in another order, and they deadlock.
func lockFamily(ctx context.Context, tx *sqlx.Tx, family uuid.UUID) error {
	_, err := tx.ExecContext(ctx, `select pg_advisory_xact_lock(hashtextextended($1::text, 0))`, family)
	return err
}

// loadPrincipal reads an account as it is now; disabled or deleted accounts get no tokens (one whose deletion
// is pending still does, until it is deleted).
func loadPrincipal(ctx context.Context, tx *sqlx.Tx, userID uuid.UUID) (Principal, error) {
	var u struct {
		Role   Role   `db:"role"`
		Status string `db:"status"`
	}
	if err := tx.GetContext(ctx, &u, `select role, status from users where id = $1`, userID); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return Principal{}, ErrUnauthenticated
		}
		return Principal{}, err
	}
	if u.Status != "ACTIVE" && u.Status != "DELETION_PENDING" {
		return Principal{}, ErrUnauthenticated
	}
	p := Principal{Role: u.Role, UserID: userID}
	if u.Role == RoleMerchant {
		var s struct {
			StoreID   uuid.UUID `db:"tenant_id"`
			StaffRole StaffRole `db:"staff_role"`
		}
		// The account's store (users.staff_store_id), then its staff row there: one store's lookup, never a
		// search of every store's staff.
		if err := tx.GetContext(ctx, &s, `select s.tenant_id, s.staff_role from store_staff s
			where s.tenant_id = (select staff_store_id from users where id = $1) and s.user_id = $1`, userID); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return Principal{}, ErrUnauthenticated // a merchant account with no store cannot act
			}
			return Principal{}, err
		}
		p.StoreID, p.StaffRole = s.StoreID, s.StaffRole
	}
	return p, nil
}

func (a *Auth) issue(ctx context.Context, tx *sqlx.Tx, p Principal, family uuid.UUID) (TokenPair, error) {
	access, accessExp, err := a.Access.Issue(p)
	if err != nil {
		return TokenPair{}, err
	}
	secret, err := randomSecret()
	if err != nil {
		return TokenPair{}, err
	}
	now := a.Now()
	refreshExp := now.Add(refreshTokenTTL)
	_, err = tx.ExecContext(ctx, `insert into refresh_tokens (id, family_id, user_id, token_hash, created_at, expires_at)
		values ($1, $2, $3, $4, $5, $6)`, uuid.New(), family, p.UserID, sha256Hex(secret), now, refreshExp)
	if err != nil {
		return TokenPair{}, err
	}
	return TokenPair{AccessToken: access, AccessExpiresAt: accessExp,
		RefreshToken: family.String() + "." + secret, RefreshExpiresAt: refreshExp}, nil
}

func parseRefreshToken(token string) (uuid.UUID, string, error) {
	fam, secret, ok := strings.Cut(token, ".")
	if !ok || len(secret) < 32 || len(token) > 200 {
		return uuid.Nil, "", ErrUnauthenticated
	}
	family, err := uuid.Parse(fam)
	if err != nil {
		return uuid.Nil, "", ErrUnauthenticated
	}
	return family, sha256Hex(secret), nil
}

func randomSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
