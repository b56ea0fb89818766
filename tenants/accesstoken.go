package tenants

import (
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
)

// Access-token rules: one algorithm, issuer, audience and expiry required, short lifetime, small leeway,
// and a size cap checked before any parsing so a huge header costs nothing.
const (
	accessTokenTTL    = 15 * time.Minute
	accessTokenLeeway = 30 * time.Second
	// MaxTokenBytes caps a bearer token; anything longer is refused unparsed.
	MaxTokenBytes = 4096
	tokenIssuer   = "tradeguard"
	tokenAudience = "tradeguard-api"
)

var signingMethod = jwt.SigningMethodHS256

// ErrUnauthenticated is returned for every token that is not accepted; the reason is logged, not shown.
var ErrUnauthenticated = errors.New("invalid or expired credentials")

type accessClaims struct {
	jwt.RegisteredClaims
	Role  Role      `json:"role"`
	Store string    `json:"store,omitempty"`
	Staff StaffRole `json:"staff,omitempty"`
}

// AccessTokens signs and verifies access tokens (JWT, HS256) with one key.
type AccessTokens struct {
	key []byte
	now func() time.Time
}

// NewAccessTokens needs a key of at least 32 bytes; now is the clock (tests control it).
func NewAccessTokens(key []byte, now func() time.Time) (*AccessTokens, error) {
	if len(key) < 32 {
		return nil, fmt.Errorf("tenants: signing key must be at least 32 bytes, got %d", len(key))
	}
	return &AccessTokens{key: key, now: now}, nil
}

// Issue signs an access token for a person (buyer, merchant staff or admin).
func (a *AccessTokens) Issue(p Principal) (token string, expires time.Time, err error) {
	now := a.now()
	expires = now.Add(accessTokenTTL)
	c := accessClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: tokenIssuer, Audience: jwt.ClaimStrings{tokenAudience}, Subject: p.UserID.String(),
			IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(expires),
			ID: uuid.NewString(),
		},
		Role: p.Role, Staff: p.StaffRole,
	}
	if p.StoreID != uuid.Nil {
		c.Store = p.StoreID.String()
	}
	token, err = jwt.NewWithClaims(signingMethod, c).SignedString(a.key)
	return token, expires, err
}

// Verify checks a token and returns its principal, or ErrUnauthenticated wrapped with the reason.
func (a *AccessTokens) Verify(token string) (Principal, error) {
	if len(token) > MaxTokenBytes {
		return Principal{}, fmt.Errorf("%w: token longer than %d bytes", ErrUnauthenticated, MaxTokenBytes)
	}
	parser := jwt.NewParser(
		jwt.WithValidMethods([]string{signingMethod.Alg()}),
		jwt.WithIssuer(tokenIssuer), jwt.WithAudience(tokenAudience),
		jwt.WithExpirationRequired(), jwt.WithIssuedAt(), jwt.WithLeeway(accessTokenLeeway),
		jwt.WithTimeFunc(a.now),
	)
	var c accessClaims
	if _, err := parser.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return a.key, nil }); err != nil {
		return Principal{}, fmt.Errorf("%w: %v", ErrUnauthenticated, err)
	}
	p, err := c.principal()
	if err != nil {
		return Principal{}, fmt.Errorf("%w: %v", ErrUnauthenticated, err)
	}
	return p, nil
}

// principal validates the claims' shape: a known person role, a user id, and a store exactly for merchants.
func (c accessClaims) principal() (Principal, error) {
	user, err := uuid.Parse(c.Subject)
	if err != nil {
		return Principal{}, errors.New("subject is not a user id")
	}
	p := Principal{Role: c.Role, UserID: user}
	switch c.Role {
	case RoleBuyer, RoleAdmin:
		if c.Store != "" || c.Staff != "" {
			return Principal{}, errors.New("store claims on a non-merchant token")
		}
	case RoleMerchant:
		if p.StoreID, err = uuid.Parse(c.Store); err != nil {
			return Principal{}, errors.New("merchant token without a store")
		}
		if c.Staff != StaffOwner && c.Staff != StaffAgent {
			return Principal{}, fmt.Errorf("unknown staff role %q", c.Staff)
		}
		p.StaffRole = c.Staff
	default:
		return Principal{}, fmt.Errorf("unknown role %q", c.Role)
	}
	return p, nil
}
