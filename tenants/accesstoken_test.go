package tenants_test

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"tradeguard/tenants"
)

// The access-token rules as the product documents them (tenants/accesstoken.go, DESIGN §2).
const (
	issuer   = "tradeguard"
	audience = "tradeguard-api"
	ttl      = 15 * time.Minute
	leeway   = 30 * time.Second
)

var (
	testKey  = bytes.Repeat([]byte("s"), 32)
	otherKey = bytes.Repeat([]byte("o"), 32)
	fixedNow = time.Date(2026, 6, 15, 2, 0, 0, 0, time.UTC)
)

// fixedClock is a settable clock for the unit tests.
type fixedClock struct{ t time.Time }

func (c *fixedClock) now() time.Time { return c.t }

func newTokens(t *testing.T, now func() time.Time) *tenants.AccessTokens {
	t.Helper()
	a, err := tenants.NewAccessTokens(testKey, now)
	if err != nil {
		t.Fatalf("NewAccessTokens: %v", err)
	}
	return a
}

// baseClaims are the claims a product-issued token carries, for a buyer, at now.
func baseClaims(now time.Time, user uuid.UUID) jwt.MapClaims {
	return jwt.MapClaims{
		"iss":  issuer,
		"aud":  []string{audience},
		"sub":  user.String(),
		"iat":  now.Unix(),
		"nbf":  now.Unix(),
		"exp":  now.Add(ttl).Unix(),
		"jti":  uuid.NewString(),
		"role": "BUYER",
	}
}

func with(c jwt.MapClaims, edits map[string]any) jwt.MapClaims {
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

func sign(t *testing.T, m jwt.SigningMethod, key any, c jwt.Claims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(m, c).SignedString(key)
	if err != nil {
		t.Fatalf("sign %s: %v", m.Alg(), err)
	}
	return s
}

func b64json(t *testing.T, v any) string {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(raw)
}

// algNone builds an unsigned token by hand: {"alg":"none"} header, the claims, an empty signature.
func algNone(t *testing.T, c jwt.MapClaims) string {
	return b64json(t, map[string]string{"alg": "none", "typ": "JWT"}) + "." + b64json(t, c) + "."
}

// flipSignature changes one character in the middle of the signature.
func flipSignature(tok string) string {
	i := strings.LastIndexByte(tok, '.') + 5
	b := []byte(tok)
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}

// retagRole re-encodes the payload of a signed token with another role and keeps the original signature.
func retagRole(t *testing.T, tok, role string) string {
	t.Helper()
	parts := strings.Split(tok, ".")
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	c["role"] = role
	return parts[0] + "." + b64json(t, c) + "." + parts[2]
}

type badToken struct {
	name  string
	token string
}

// badTokens is every kind of token Verify must refuse, built against now with key testKey.
func badTokens(t *testing.T, now time.Time) []badToken {
	t.Helper()
	user := uuid.New()
	store := uuid.New()
	base := baseClaims(now, user)
	hs := func(c jwt.MapClaims) string { return sign(t, jwt.SigningMethodHS256, testKey, c) }
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	valid := hs(base)
	return []badToken{
		{"alg none", algNone(t, base)},
		{"alg none, lower-case signature-less variant", b64json(t, map[string]string{"alg": "None", "typ": "JWT"}) + "." + b64json(t, base) + "."},
		{"HS512 with the same key", sign(t, jwt.SigningMethodHS512, testKey, base)},
		{"HS384 with the same key", sign(t, jwt.SigningMethodHS384, testKey, base)},
		{"RS256 with a generated key", sign(t, jwt.SigningMethodRS256, rsaKey, base)},
		{"bad signature", flipSignature(valid)},
		{"signature stripped", valid[:strings.LastIndexByte(valid, '.')+1]},
		{"signed with another key", sign(t, jwt.SigningMethodHS256, otherKey, base)},
		{"expired beyond leeway", hs(with(base, map[string]any{"iat": now.Add(-ttl - 31*time.Second).Unix(),
			"nbf": now.Add(-ttl - 31*time.Second).Unix(), "exp": now.Add(-31 * time.Second).Unix()}))},
		{"missing exp", hs(with(base, map[string]any{"exp": nil}))},
		{"not yet valid (nbf beyond leeway)", hs(with(base, map[string]any{"nbf": now.Add(time.Hour).Unix()}))},
		{"issued in the future beyond leeway", hs(with(base, map[string]any{"iat": now.Add(time.Hour).Unix()}))},
		{"wrong issuer", hs(with(base, map[string]any{"iss": "someone-else"}))},
		{"missing issuer", hs(with(base, map[string]any{"iss": nil}))},
		{"wrong audience", hs(with(base, map[string]any{"aud": []string{"another-api"}}))},
		{"missing audience", hs(with(base, map[string]any{"aud": nil}))},
		{"unknown role", hs(with(base, map[string]any{"role": "SUPERUSER"}))},
		{"missing role", hs(with(base, map[string]any{"role": nil}))},
		{"SYSTEM role from a token", hs(with(base, map[string]any{"role": "SYSTEM"}))},
		{"role claim tampered (BUYER to ADMIN, signature kept)", retagRole(t, valid, "ADMIN")},
		{"merchant without store", hs(with(base, map[string]any{"role": "MERCHANT", "staff": "OWNER"}))},
		{"merchant with a malformed store", hs(with(base, map[string]any{"role": "MERCHANT", "staff": "OWNER", "store": "lotus"}))},
		{"merchant without staff role", hs(with(base, map[string]any{"role": "MERCHANT", "store": store.String()}))},
		{"merchant with staff role API", hs(with(base, map[string]any{"role": "MERCHANT", "store": store.String(), "staff": "API"}))},
		{"buyer with a store claim", hs(with(base, map[string]any{"store": store.String()}))},
		{"subject not a user id", hs(with(base, map[string]any{"sub": "admin"}))},
		{"missing subject", hs(with(base, map[string]any{"sub": nil}))},
		{"garbage", "this is not a token"},
		{"three garbage segments", "a.b.c"},
		{"empty", ""},
		{"longer than MaxTokenBytes", hs(with(base, map[string]any{"pad": strings.Repeat("x", tenants.MaxTokenBytes)}))},
	}
}

func TestIssueVerifyRoundTrip(t *testing.T) {
	clk := &fixedClock{t: fixedNow}
	a := newTokens(t, clk.now)
	cases := []tenants.Principal{
		{Role: tenants.RoleBuyer, UserID: uuid.New()},
		{Role: tenants.RoleMerchant, UserID: uuid.New(), StoreID: uuid.New(), StaffRole: tenants.StaffOwner},
		{Role: tenants.RoleMerchant, UserID: uuid.New(), StoreID: uuid.New(), StaffRole: tenants.StaffAgent},
		{Role: tenants.RoleAdmin, UserID: uuid.New()},
	}
	for _, p := range cases {
		t.Run(string(p.Role)+"/"+string(p.StaffRole), func(t *testing.T) {
			tok, exp, err := a.Issue(p)
			if err != nil {
				t.Fatalf("Issue: %v", err)
			}
			if want := fixedNow.Add(ttl); !exp.Equal(want) {
				t.Errorf("expires %v, want %v", exp, want)
			}
			got, err := a.Verify(tok)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if got.Role != p.Role || got.UserID != p.UserID || got.StoreID != p.StoreID || got.StaffRole != p.StaffRole ||
				len(got.Scopes) != 0 || got.TokenID != uuid.Nil {
				t.Fatalf("round trip: got %+v, want %+v", got, p)
			}
			// The token is what the documentation says: HS256, issuer, audience, subject, 15 minutes.
			var c jwt.RegisteredClaims
			parsed, _, err := jwt.NewParser().ParseUnverified(tok, &c)
			if err != nil {
				t.Fatal(err)
			}
			if parsed.Method.Alg() != "HS256" || c.Issuer != issuer || len(c.Audience) != 1 || c.Audience[0] != audience ||
				c.Subject != p.UserID.String() || c.ExpiresAt == nil || !c.ExpiresAt.Time.Equal(fixedNow.Add(ttl)) || c.ID == "" {
				t.Fatalf("claims: alg %s %+v", parsed.Method.Alg(), c)
			}
		})
	}
}

func TestIssuedTokensAreDistinct(t *testing.T) {
	a := newTokens(t, func() time.Time { return fixedNow })
	p := tenants.Principal{Role: tenants.RoleBuyer, UserID: uuid.New()}
	t1, _, _ := a.Issue(p)
	t2, _, _ := a.Issue(p)
	if t1 == t2 {
		t.Fatal("two tokens issued in the same second are identical (no jti)")
	}
}

func TestNewAccessTokensRefusesShortKeys(t *testing.T) {
	for _, n := range []int{0, 1, 16, 31} {
		if _, err := tenants.NewAccessTokens(bytes.Repeat([]byte("k"), n), time.Now); err == nil {
			t.Errorf("a %d-byte key was accepted", n)
		}
	}
	if _, err := tenants.NewAccessTokens(bytes.Repeat([]byte("k"), 32), time.Now); err != nil {
		t.Errorf("a 32-byte key was refused: %v", err)
	}
}

func TestVerifyRefusals(t *testing.T) {
	a := newTokens(t, func() time.Time { return fixedNow })
	// The baseline the refusals are variations of is itself accepted.
	if _, err := a.Verify(sign(t, jwt.SigningMethodHS256, testKey, baseClaims(fixedNow, uuid.New()))); err != nil {
		t.Fatalf("baseline token refused: %v", err)
	}
	for _, bt := range badTokens(t, fixedNow) {
		t.Run(bt.name, func(t *testing.T) {
			p, err := a.Verify(bt.token)
			if err == nil {
				t.Fatalf("accepted as %+v", p)
			}
			if !errors.Is(err, tenants.ErrUnauthenticated) {
				t.Fatalf("error %v does not wrap ErrUnauthenticated", err)
			}
			if p.Role != "" || p.UserID != uuid.Nil {
				t.Fatalf("a refusal returned a principal: %+v", p)
			}
		})
	}
}

// The leeway is 30 s and, as in RFC 7519 and golang-jwt, exp is exclusive: a token is accepted while
// now < exp + leeway. So expired 29 s ago is accepted, expired exactly 30 s ago is already refused, 31 s refused.
func TestVerifyLeewayEdges(t *testing.T) {
	a := newTokens(t, func() time.Time { return fixedNow })
	user := uuid.New()
	at := func(exp time.Time) string {
		c := baseClaims(exp.Add(-ttl), user)
		return sign(t, jwt.SigningMethodHS256, testKey, c)
	}
	for _, c := range []struct {
		expiredFor time.Duration
		ok         bool
	}{
		{-time.Second, true}, {0, true}, {20 * time.Second, true}, {29 * time.Second, true},
		{30 * time.Second, false}, {31 * time.Second, false}, {time.Hour, false},
	} {
		_, err := a.Verify(at(fixedNow.Add(-c.expiredFor)))
		if c.ok && err != nil {
			t.Errorf("exp = now-%v (inside the leeway): refused: %v", c.expiredFor, err)
		}
		if !c.ok && !errors.Is(err, tenants.ErrUnauthenticated) {
			t.Errorf("exp = now-%v (beyond the leeway): err = %v, want ErrUnauthenticated", c.expiredFor, err)
		}
	}
	// nbf/iat a little in the future (clock skew between servers) is tolerated within the leeway too.
	c := baseClaims(fixedNow.Add(20*time.Second), user)
	if _, err := a.Verify(sign(t, jwt.SigningMethodHS256, testKey, c)); err != nil {
		t.Errorf("token issued 20 s in the future refused: %v", err)
	}
}

func TestIssuedTokenLifetime(t *testing.T) {
	clk := &fixedClock{t: fixedNow}
	a := newTokens(t, clk.now)
	p := tenants.Principal{Role: tenants.RoleAdmin, UserID: uuid.New()}
	tok, _, err := a.Issue(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		after time.Duration
		ok    bool
	}{
		{0, true},
		{14*time.Minute + 59*time.Second, true},
		{15 * time.Minute, true},
		{15*time.Minute + 29*time.Second, true},
		{15*time.Minute + 30*time.Second, false},
		{15*time.Minute + 31*time.Second, false},
		{24 * time.Hour, false},
	} {
		clk.t = fixedNow.Add(step.after)
		_, err := a.Verify(tok)
		if step.ok && err != nil {
			t.Errorf("at +%v: refused: %v", step.after, err)
		}
		if !step.ok && !errors.Is(err, tenants.ErrUnauthenticated) {
			t.Errorf("at +%v: err = %v, want ErrUnauthenticated", step.after, err)
		}
	}
}

func TestVerifyKeyMatters(t *testing.T) {
	a := newTokens(t, func() time.Time { return fixedNow })
	b, err := tenants.NewAccessTokens(otherKey, func() time.Time { return fixedNow })
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := a.Issue(tenants.Principal{Role: tenants.RoleBuyer, UserID: uuid.New()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Verify(tok); !errors.Is(err, tenants.ErrUnauthenticated) {
		t.Fatalf("a token of another key: err = %v", err)
	}
}
