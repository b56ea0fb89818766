package tenants

import (
	"crypto/sha256"
	"encoding/hex"
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

// AccessTokens signs access tokens (JWT, HS256) with the current key and verifies them with the key their
// `kid` names: the current one or a previous one still accepted while its tokens run out (key rotation).
type AccessTokens struct {
	key  []byte
	kid  string
	keys map[string][]byte // by kid: the current key and the previous ones
	now  func() time.Time
}

// KeyID is the `kid` of a signing key: the first 16 bytes of its SHA-256, in hex. It names the key without
// revealing it, and is the same on every server holding that key.
func KeyID(key []byte) string {
	sum := sha256.Sum256(key)
	return hex.EncodeToString(sum[:16])
}

// NewAccessTokens needs keys of at least 32 bytes: key signs; previous keys (the ones rotated out, kept until
// the tokens they signed have expired, i.e. accessTokenTTL) only verify. now is the clock (tests control it).
func NewAccessTokens(key []byte, now func() time.Time, previous ...[]byte) (*AccessTokens, error) {
	a := &AccessTokens{key: key, kid: KeyID(key), keys: map[string][]byte{}, now: now}
	for _, k := range append([][]byte{key}, previous...) {
		if len(k) < 32 {
			return nil, fmt.Errorf("tenants: signing key must be at least 32 bytes, got %d", len(k))
		}
		a.keys[KeyID(k)] = k
	}
	return a, nil
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
	t := jwt.NewWithClaims(signingMethod, c)
	t.Header["kid"] = a.kid
	token, err = t.SignedString(a.key)
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
	if err := checkEncoding(token); err != nil {
		return Principal{}, fmt.Errorf("%w: %v", ErrUnauthenticated, err)
	}
	var c accessClaims
	if _, err := parser.ParseWithClaims(token, &c, a.keyFor); err != nil {
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

// keyFor picks the key by the token's `kid`; a token without one, or naming a key this server does not hold
// (never issued here, or rotated out and dropped), is refused.
func (a *AccessTokens) keyFor(t *jwt.Token) (any, error) {
	kid, _ := t.Header["kid"].(string)
	key, ok := a.keys[kid]
	if !ok {
		return nil, fmt.Errorf("unknown key id %q", kid)
	}
	return key, nil
}
