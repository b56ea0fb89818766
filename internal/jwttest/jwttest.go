// Package jwttest builds hostile and valid access tokens (JWTs) for tests: the claims a product-issued token
// carries, copies of them with edits, tokens signed with any method and key, and hand-made ones (alg none,
// a flipped signature, a tampered payload under the original signature).
package jwttest

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"tradeguard/tenants"
)

// Claims are the claims the product puts in an access token for user with role, issued at now.
func Claims(now time.Time, user uuid.UUID, role string) jwt.MapClaims {
	return jwt.MapClaims{
		"iss":  "tradeguard",
		"aud":  []string{"tradeguard-api"},
		"sub":  user.String(),
		"iat":  now.Unix(),
		"nbf":  now.Unix(),
		"exp":  now.Add(15 * time.Minute).Unix(),
		"jti":  uuid.NewString(),
		"role": role,
	}
}

// With returns a copy of c with edits applied: a nil value deletes the claim, any other sets it.
func With(c jwt.MapClaims, edits map[string]any) jwt.MapClaims {
	out := jwt.MapClaims{}
	for k, v := range c {
		out[k] = v
	}
	for k, v := range edits {
		if v == nil {
			delete(out, k)
		} else {
			out[k] = v
		}
	}
	return out
}

// Sign signs c with method m and key.
func Sign(tb testing.TB, m jwt.SigningMethod, key any, c jwt.Claims) string {
	tb.Helper()
	t := jwt.NewWithClaims(m, c)
	if k, ok := key.([]byte); ok {
		// The kid the product gives a token signed with this key, so a forged token is refused for what it
		// tests, not for a missing kid.
		t.Header["kid"] = tenants.KeyID(k)
	}
	s, err := t.SignedString(key)
	if err != nil {
		tb.Fatalf("sign %s: %v", m.Alg(), err)
	}
	return s
}

// B64JSON is v as JSON, base64url-encoded without padding: one JWT segment.
func B64JSON(tb testing.TB, v any) string {
	tb.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(raw)
}

// AlgNone builds an unsigned token by hand: {"alg":"none"} header, the claims, an empty signature.
func AlgNone(tb testing.TB, c jwt.MapClaims) string {
	tb.Helper()
	return B64JSON(tb, map[string]string{"alg": "none", "typ": "JWT"}) + "." + B64JSON(tb, c) + "."
}

// FlipSignature changes the character at offset at (0-based) of tok's signature to 'A', or to 'B' if it is 'A'.
func FlipSignature(tok string, at int) string {
	i := strings.LastIndexByte(tok, '.') + 1 + at
	b := []byte(tok)
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}

// RetagRole re-encodes the payload of a signed token with another role and keeps the original signature.
func RetagRole(tb testing.TB, tok, role string) string {
	tb.Helper()
	parts := strings.Split(tok, ".")
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		tb.Fatal(err)
	}
	var c map[string]any
	if err := json.Unmarshal(raw, &c); err != nil {
		tb.Fatal(err)
	}
	c["role"] = role
	return parts[0] + "." + B64JSON(tb, c) + "." + parts[2]
}

// RSAKey generates a 2048-bit RSA key (for tokens signed with an algorithm the product does not accept).
func RSAKey(tb testing.TB) *rsa.PrivateKey {
	tb.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		tb.Fatal(err)
	}
	return k
}
