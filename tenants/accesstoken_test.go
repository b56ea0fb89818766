package tenants_test

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"tradeguard/internal/jwttest"
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

type badToken struct {
	name  string
	token string
}

// badTokens is every kind of token Verify must refuse, built against now with key testKey.
func badTokens(t *testing.T, now time.Time) []badToken {
	t.Helper()
	user := uuid.New()
	store := uuid.New()
	base := jwttest.Claims(now, user, "BUYER")
	hs := func(c jwt.MapClaims) string { return jwttest.Sign(t, jwt.SigningMethodHS256, testKey, c) }
	rsaKey := jwttest.RSAKey(t)
	valid := hs(base)
	return []badToken{
		{"alg none", jwttest.AlgNone(t, base)},
		{"alg none, lower-case signature-less variant", jwttest.B64JSON(t, map[string]string{"alg": "None", "typ": "JWT"}) + "." + jwttest.B64JSON(t, base) + "."},
		{"HS512 with the same key", jwttest.Sign(t, jwt.SigningMethodHS512, testKey, base)},
		{"HS384 with the same key", jwttest.Sign(t, jwt.SigningMethodHS384, testKey, base)},
		{"RS256 with a generated key", jwttest.Sign(t, jwt.SigningMethodRS256, rsaKey, base)},
		{"bad signature", jwttest.FlipSignature(valid, 4)},
		{"signature stripped", valid[:strings.LastIndexByte(valid, '.')+1]},
		{"signed with another key", jwttest.Sign(t, jwt.SigningMethodHS256, otherKey, base)},
		{"expired beyond leeway", hs(jwttest.With(base, map[string]any{"iat": now.Add(-ttl - 31*time.Second).Unix(),
			"nbf": now.Add(-ttl - 31*time.Second).Unix(), "exp": now.Add(-31 * time.Second).Unix()}))},
		{"missing exp", hs(jwttest.With(base, map[string]any{"exp": nil}))},
		{"not yet valid (nbf beyond leeway)", hs(jwttest.With(base, map[string]any{"nbf": now.Add(time.Hour).Unix()}))},
		{"issued in the future beyond leeway", hs(jwttest.With(base, map[string]any{"iat": now.Add(time.Hour).Unix()}))},
		{"wrong issuer", hs(jwttest.With(base, map[string]any{"iss": "someone-else"}))},
		{"missing issuer", hs(jwttest.With(base, map[string]any{"iss": nil}))},
		{"wrong audience", hs(jwttest.With(base, map[string]any{"aud": []string{"another-api"}}))},
		{"missing audience", hs(jwttest.With(base, map[string]any{"aud": nil}))},
		{"unknown role", hs(jwttest.With(base, map[string]any{"role": "SUPERUSER"}))},
		{"missing role", hs(jwttest.With(base, map[string]any{"role": nil}))},
		{"SYSTEM role from a token", hs(jwttest.With(base, map[string]any{"role": "SYSTEM"}))},
		{"role claim tampered (BUYER to ADMIN, signature kept)", jwttest.RetagRole(t, valid, "ADMIN")},
		{"merchant without store", hs(jwttest.With(base, map[string]any{"role": "MERCHANT", "staff": "OWNER"}))},
		{"merchant with a malformed store", hs(jwttest.With(base, map[string]any{"role": "MERCHANT", "staff": "OWNER", "store": "lotus"}))},
		{"merchant without staff role", hs(jwttest.With(base, map[string]any{"role": "MERCHANT", "store": store.String()}))},
		{"merchant with staff role API", hs(jwttest.With(base, map[string]any{"role": "MERCHANT", "store": store.String(), "staff": "API"}))},
		{"buyer with a store claim", hs(jwttest.With(base, map[string]any{"store": store.String()}))},
		{"subject not a user id", hs(jwttest.With(base, map[string]any{"sub": "admin"}))},
		{"missing subject", hs(jwttest.With(base, map[string]any{"sub": nil}))},
		{"exp as a JSON string", hs(jwttest.With(base, map[string]any{"exp": strconv.FormatInt(now.Add(ttl).Unix(), 10)}))},
		{"nbf as a JSON string", hs(jwttest.With(base, map[string]any{"nbf": strconv.FormatInt(now.Unix(), 10)}))},
		{"iat as a JSON string", hs(jwttest.With(base, map[string]any{"iat": strconv.FormatInt(now.Unix(), 10)}))},
		{"crit header parameter", signHeader(t, base, map[string]any{"crit": []string{"exp"}})},
		{"no kid", signHeader(t, base, map[string]any{"kid": nil})},
		{"unknown kid", signHeader(t, base, map[string]any{"kid": tenants.KeyID(otherKey)})},
		{"garbage", "this is not a token"},
		{"three garbage segments", "a.b.c"},
		{"empty", ""},
		{"longer than MaxTokenBytes", hs(jwttest.With(base, map[string]any{"pad": strings.Repeat("x", tenants.MaxTokenBytes)}))},
	}
}

// signHeader signs c with HS256 and testKey, the header the product writes (alg, typ, kid) edited: a nil
// value removes a parameter.
func signHeader(t *testing.T, c jwt.MapClaims, edits map[string]any) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, c)
	tok.Header["kid"] = tenants.KeyID(testKey)
	for k, v := range edits {
		if v == nil {
			delete(tok.Header, k)
		} else {
			tok.Header[k] = v
		}
	}
	s, err := tok.SignedString(testKey)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Keys rotate: tokens name their key by kid; the previous key still verifies the tokens it signed until they
// expire, and once it is dropped they are refused. New tokens are signed with the current key.
func TestKeyRotation(t *testing.T) {
	now := func() time.Time { return fixedNow }
	before, err := tenants.NewAccessTokens(otherKey, now)
	if err != nil {
		t.Fatal(err)
	}
	p := tenants.Principal{Role: tenants.RoleBuyer, UserID: uuid.New()}
	old, _, err := before.Issue(p)
	if err != nil {
		t.Fatal(err)
	}
	during, err := tenants.NewAccessTokens(testKey, now, otherKey)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := during.Verify(old); err != nil || got.UserID != p.UserID {
		t.Fatalf("a token of the previous key during rotation: %+v, %v", got, err)
	}
	fresh, _, err := during.Issue(p)
	if err != nil {
		t.Fatal(err)
	}
	parsed, _, err := jwt.NewParser().ParseUnverified(fresh, &jwt.RegisteredClaims{})
	if err != nil || parsed.Header["kid"] != tenants.KeyID(testKey) {
		t.Fatalf("a new token's kid %v (%v), want the current key's %s", parsed.Header["kid"], err, tenants.KeyID(testKey))
	}
	if _, err := before.Verify(fresh); err == nil {
		t.Fatal("a server without the new key accepted its token")
	}
	after := newTokens(t, now)
	if _, err := after.Verify(old); !errors.Is(err, tenants.ErrUnauthenticated) {
		t.Fatalf("a token of a dropped key: %v, want refused", err)
	}
	if _, err := after.Verify(fresh); err != nil {
		t.Fatalf("a token of the current key after rotation: %v", err)
	}
	if _, err := tenants.NewAccessTokens(testKey, now, []byte("short")); err == nil {
		t.Fatal("a short previous key was accepted")
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
	// The baselines the refusals are variations of are themselves accepted.
	if _, err := a.Verify(jwttest.Sign(t, jwt.SigningMethodHS256, testKey, jwttest.Claims(fixedNow, uuid.New(), "BUYER"))); err != nil {
		t.Fatalf("baseline token refused: %v", err)
	}
	if _, err := a.Verify(signHeader(t, jwttest.Claims(fixedNow, uuid.New(), "BUYER"), nil)); err != nil {
		t.Fatalf("baseline token with the product's header refused: %v", err)
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
		c := jwttest.Claims(exp.Add(-ttl), user, "BUYER")
		return jwttest.Sign(t, jwt.SigningMethodHS256, testKey, c)
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
	c := jwttest.Claims(fixedNow.Add(20*time.Second), user, "BUYER")
	if _, err := a.Verify(jwttest.Sign(t, jwt.SigningMethodHS256, testKey, c)); err != nil {
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
