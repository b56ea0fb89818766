package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"tradeguard/demo"
	"tradeguard/internal/jwttest"
)

// Tokens over real HTTP: every access token the server must refuse gets 401 UNAUTHENTICATED (never a silent
// downgrade to anonymous), refresh tokens rotate and a reuse revokes the family, partner tokens stop working
// when revoked, and only safe requests are accepted (GET for queries only, JSON content type for POST).

const tokViewerQuery = `{ viewer { id } }`

// tokRaw sends a request and returns the status, headers and body; a transport error is returned, not fatal.
func tokRaw(t *testing.T, req *http.Request) (int, http.Header, []byte, error) {
	t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, raw, nil
}

// tokWithAuth posts `{ viewer { id } }` with the given Authorization header value (none if "").
func tokWithAuth(t *testing.T, h *harness, authorization string) *http.Request {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": tokViewerQuery})
	req, err := http.NewRequest(http.MethodPost, h.URL+"/graphql", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	return req
}

// tokUserID decodes a User global id (base64url of "User:<uuid>").
func tokUserID(t *testing.T, global string) uuid.UUID {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(global)
	if err != nil {
		t.Fatalf("id %q is not base64url: %v", global, err)
	}
	kind, id, _ := strings.Cut(string(raw), ":")
	u, err := uuid.Parse(id)
	if kind != "User" || err != nil {
		t.Fatalf("id %q decodes to %q, not User:<uuid>", global, raw)
	}
	return u
}

// tokViewerID is the global id of the caller.
func tokViewerID(t *testing.T, h *harness, token string) string {
	t.Helper()
	r := ok(t, h.post(t, token, tokViewerQuery, nil))
	var v struct{ ID string }
	field(t, r, "viewer", &v)
	return v.ID
}

// tokWantUnauthenticated checks a 401 in the GraphQL error shape with code UNAUTHENTICATED and no data.
func tokWantUnauthenticated(t *testing.T, status int, hdr http.Header, raw []byte) {
	t.Helper()
	if status != http.StatusUnauthorized {
		t.Fatalf("status %d, want 401; body %.300s", status, raw)
	}
	var r gqlResponse
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("401 body is not JSON: %.300s", raw)
	}
	if r.code() != "UNAUTHENTICATED" || r.Data != nil {
		t.Fatalf("401 body: code %q, data %v, errors %+v", r.code(), r.Data, r.Errors)
	}
	if !strings.HasPrefix(hdr.Get("WWW-Authenticate"), "Bearer") {
		t.Errorf("401 without a Bearer WWW-Authenticate challenge: %q", hdr.Get("WWW-Authenticate"))
	}
}

func TestRefusedAccessTokens(t *testing.T) {
	h := setup(t)
	buyer := tokUserID(t, tokViewerID(t, h, h.login(t, buyer1)))
	owner := tokUserID(t, tokViewerID(t, h, h.login(t, lotusOwner)))
	base := jwttest.Claims(h.Clock.Now(), buyer, "BUYER")
	hs := func(c jwt.MapClaims) string { return jwttest.Sign(t, jwt.SigningMethodHS256, h.Key, c) }
	// The baseline, built as the product builds it, is accepted: every case below differs from it in one way.
	if got := tokViewerID(t, h, hs(base)); tokUserID(t, got) != buyer {
		t.Fatalf("baseline token is someone else: %s", got)
	}
	valid := hs(base)
	rsaKey := jwttest.RSAKey(t)
	now := h.Clock.Now()
	flipped := jwttest.FlipSignature(valid, 6)
	parts := strings.Split(valid, ".")
	tampered := jwttest.RetagRole(t, valid, "ADMIN")
	expiredAt := func(ago time.Duration) jwt.MapClaims {
		exp := now.Add(-ago)
		return jwttest.With(base, map[string]any{"iat": exp.Add(-15 * time.Minute).Unix(), "nbf": exp.Add(-15 * time.Minute).Unix(), "exp": exp.Unix()})
	}
	big := hs(jwttest.With(base, map[string]any{"pad": strings.Repeat("x", 5000)}))
	if len(big) <= 4096 || len(big) > 8000 {
		t.Fatalf("oversized token is %d bytes", len(big))
	}

	cases := []struct{ name, authorization string }{
		{"alg none", "Bearer " + jwttest.AlgNone(t, base)},
		{"HS512 with the same key", "Bearer " + jwttest.Sign(t, jwt.SigningMethodHS512, h.Key, base)},
		{"HS384 with the same key", "Bearer " + jwttest.Sign(t, jwt.SigningMethodHS384, h.Key, base)},
		{"RS256 with a generated key", "Bearer " + jwttest.Sign(t, jwt.SigningMethodRS256, rsaKey, base)},
		{"bad signature", "Bearer " + flipped},
		{"signature removed", "Bearer " + parts[0] + "." + parts[1] + "."},
		{"signed with another key", "Bearer " + jwttest.Sign(t, jwt.SigningMethodHS256, bytes.Repeat([]byte("x"), 32), base)},
		{"expired 31 s ago (beyond the leeway)", "Bearer " + hs(expiredAt(31*time.Second))},
		{"expired an hour ago", "Bearer " + hs(expiredAt(time.Hour))},
		{"missing exp", "Bearer " + hs(jwttest.With(base, map[string]any{"exp": nil}))},
		{"exp as a JSON string", "Bearer " + hs(jwttest.With(base, map[string]any{"exp": strconv.FormatInt(now.Add(10*time.Minute).Unix(), 10)}))},
		{"nbf as a JSON string", "Bearer " + hs(jwttest.With(base, map[string]any{"nbf": strconv.FormatInt(now.Unix(), 10)}))},
		{"wrong issuer", "Bearer " + hs(jwttest.With(base, map[string]any{"iss": "evil"}))},
		{"wrong audience", "Bearer " + hs(jwttest.With(base, map[string]any{"aud": []string{"other-api"}}))},
		{"unknown role SUPERUSER", "Bearer " + hs(jwttest.With(base, map[string]any{"role": "SUPERUSER"}))},
		{"role SYSTEM", "Bearer " + hs(jwttest.With(base, map[string]any{"role": "SYSTEM"}))},
		{"role claim tampered BUYER to ADMIN", "Bearer " + tampered},
		{"merchant without store", "Bearer " + hs(jwttest.With(jwttest.Claims(h.Clock.Now(), owner, "MERCHANT"), map[string]any{"staff": "OWNER"}))},
		{"garbage", "Bearer garbage"},
		{"Bearer with an empty token", "Bearer "},
		{"Bearer alone", "Bearer"},
		{"5 KB token", "Bearer " + big},
		{"Basic scheme", "Basic " + base64.StdEncoding.EncodeToString([]byte(buyer1+":"+demo.Password))},
		{"lower-case bearer with a garbage token", "bearer garbage"},
		{"Bearer and a tab", "Bearer\t" + valid},
		{"partner-token prefix, garbage", "Bearer tgp_garbage"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, hdr, raw, err := tokRaw(t, tokWithAuth(t, h, c.authorization))
			if err != nil {
				t.Fatal(err)
			}
			tokWantUnauthenticated(t, status, hdr, raw)
		})
	}
}

// The Bearer scheme is case-insensitive (RFC 7235); two Authorization headers are refused, not resolved by
// taking one of them.
func TestAuthorizationHeaderForms(t *testing.T) {
	h := setup(t)
	token := h.login(t, buyer1)
	want := tokViewerID(t, h, token)
	for _, scheme := range []string{"bearer", "BEARER", "bEaReR"} {
		req := tokWithAuth(t, h, scheme+" "+token)
		status, _, raw, err := tokRaw(t, req)
		if err != nil {
			t.Fatal(err)
		}
		if status != http.StatusOK || !strings.Contains(string(raw), want) {
			t.Errorf("%q scheme: status %d %.200s, want the viewer %s", scheme, status, raw, want)
		}
	}
	for _, second := range []string{"Bearer " + token, "Bearer garbage", ""} {
		req := tokWithAuth(t, h, "Bearer "+token)
		req.Header.Add("Authorization", second)
		status, _, raw, err := tokRaw(t, req)
		if err != nil {
			t.Fatal(err)
		}
		var r gqlResponse
		_ = json.Unmarshal(raw, &r)
		if status != http.StatusBadRequest || r.code() != "BAD_REQUEST" || r.Data != nil {
			t.Errorf("two Authorization headers (second %.20q): status %d code %q %.200s, want 400 BAD_REQUEST", second, status, r.code(), raw)
		}
	}
}

func TestAccessTokenInsideLeewayAccepted(t *testing.T) {
	h := setup(t)
	buyer := tokUserID(t, tokViewerID(t, h, h.login(t, buyer1)))
	now := h.Clock.Now()
	exp := now.Add(-20 * time.Second)
	c := jwttest.With(jwttest.Claims(h.Clock.Now(), buyer, "BUYER"), map[string]any{
		"iat": exp.Add(-15 * time.Minute).Unix(), "nbf": exp.Add(-15 * time.Minute).Unix(), "exp": exp.Unix()})
	if got := tokUserID(t, tokViewerID(t, h, jwttest.Sign(t, jwt.SigningMethodHS256, h.Key, c))); got != buyer {
		t.Fatalf("viewer %v, want %v", got, buyer)
	}
}

// A login's access token dies 15 min (+ leeway) later on the server's clock.
func TestAccessTokenExpiresOnServerClock(t *testing.T) {
	h := setup(t)
	saved := h.Clock.Now()
	t.Cleanup(func() { h.Clock.Set(saved) })
	tok := h.login(t, buyer1)
	h.Clock.Advance(15*time.Minute + 29*time.Second)
	tokViewerID(t, h, tok)
	h.Clock.Advance(2 * time.Second)
	status, hdr, raw, err := tokRaw(t, tokWithAuth(t, h, "Bearer "+tok))
	if err != nil {
		t.Fatal(err)
	}
	tokWantUnauthenticated(t, status, hdr, raw)
}

// A huge Authorization header is never served: the token size cap answers 401, or net/http answers 431 once the
// header block passes its limit (64 KiB in the real server; Go's default 1 MiB under httptest).
func TestHugeAuthorizationHeader(t *testing.T) {
	h := setup(t)
	for _, size := range []int{64 << 10, 1 << 20, 2 << 20} {
		status, _, raw, err := tokRaw(t, tokWithAuth(t, h, "Bearer "+strings.Repeat("a", size)))
		if err != nil {
			// The server may answer 431 and close before the client has finished writing; what matters is
			// that the request was not served.
			t.Logf("%d-byte header: transport error %v (not served)", size, err)
			continue
		}
		t.Logf("%d-byte Authorization header: HTTP %d", size, status)
		if status != http.StatusRequestHeaderFieldsTooLarge && status != http.StatusUnauthorized {
			t.Errorf("%d-byte Authorization header: status %d, want 431 or 401; body %.200s", size, status, raw)
		}
	}
}

// ---------------------------------------------------------------- sign-in over GraphQL

const (
	tokLoginMutation   = `mutation($i: LoginInput!) { login(input: $i) { accessToken refreshToken refreshTokenExpiresAt userErrors { code field message } } }`
	tokRefreshMutation = `mutation($i: TokenRefreshInput!) { tokenRefresh(input: $i) { accessToken refreshToken userErrors { code field message } } }`
	tokRevokeMutation  = `mutation($i: TokenRevokeInput!) { tokenRevoke(input: $i) { revoked userErrors { code message } } }`
)

type tokPayload struct {
	AccessToken, RefreshToken *string
	RefreshTokenExpiresAt     *string
	UserErrors                []struct {
		Code    string
		Field   []string
		Message string
	}
}

func tokLogin(t *testing.T, h *harness, email, password string) tokPayload {
	t.Helper()
	r := ok(t, h.post(t, "", tokLoginMutation, map[string]any{"i": map[string]any{"email": email, "password": password}}))
	var p tokPayload
	field(t, r, "login", &p)
	return p
}

func tokSignIn(t *testing.T, h *harness, email string) (access, refresh string) {
	t.Helper()
	p := tokLogin(t, h, email, demo.Password)
	if p.AccessToken == nil || p.RefreshToken == nil || len(p.UserErrors) != 0 {
		t.Fatalf("login %s: %+v", email, p)
	}
	return *p.AccessToken, *p.RefreshToken
}

func tokRefresh(t *testing.T, h *harness, refresh string) tokPayload {
	t.Helper()
	r := ok(t, h.post(t, "", tokRefreshMutation, map[string]any{"i": map[string]any{"refreshToken": refresh}}))
	var p tokPayload
	field(t, r, "tokenRefresh", &p)
	return p
}

func tokWantRefreshInvalid(t *testing.T, what string, p tokPayload) {
	t.Helper()
	if p.AccessToken != nil || p.RefreshToken != nil {
		t.Fatalf("%s: tokens returned: %+v", what, p)
	}
	if len(p.UserErrors) != 1 || p.UserErrors[0].Code != "REFRESH_TOKEN_INVALID" {
		t.Fatalf("%s: userErrors %+v, want REFRESH_TOKEN_INVALID", what, p.UserErrors)
	}
}

func TestRefreshRotationOverGraphQL(t *testing.T) {
	h := setup(t)
	_, r1 := tokSignIn(t, h, buyer2)
	me := tokViewerID(t, h, h.login(t, buyer2))

	second := tokRefresh(t, h, r1)
	if second.AccessToken == nil || second.RefreshToken == nil || len(second.UserErrors) != 0 {
		t.Fatalf("refresh R1: %+v", second)
	}
	r2 := *second.RefreshToken
	if r2 == r1 {
		t.Fatal("refresh returned the same refresh token")
	}
	if got := tokViewerID(t, h, *second.AccessToken); got != me {
		t.Fatalf("refreshed access token is %s, want %s", got, me)
	}

	tokWantRefreshInvalid(t, "R1 presented again", tokRefresh(t, h, r1))
	tokWantRefreshInvalid(t, "R2 after R1's reuse (family revoked)", tokRefresh(t, h, r2))

	_, r3 := tokSignIn(t, h, buyer2)
	if p := tokRefresh(t, h, r3); p.AccessToken == nil || len(p.UserErrors) != 0 {
		t.Fatalf("refresh after a new login: %+v", p)
	}
}

func TestTokenRevokeOverGraphQL(t *testing.T) {
	h := setup(t)
	_, refresh := tokSignIn(t, h, buyer2)
	r := ok(t, h.post(t, "", tokRevokeMutation, map[string]any{"i": map[string]any{"refreshToken": refresh}}))
	var p struct {
		Revoked    bool
		UserErrors []struct{ Code string }
	}
	field(t, r, "tokenRevoke", &p)
	if !p.Revoked || len(p.UserErrors) != 0 {
		t.Fatalf("tokenRevoke: %+v", p)
	}
	tokWantRefreshInvalid(t, "refresh after logout", tokRefresh(t, h, refresh))
}

func TestRefreshAfter30DaysFails(t *testing.T) {
	h := setup(t)
	saved := h.Clock.Now()
	t.Cleanup(func() { h.Clock.Set(saved) })
	_, early := tokSignIn(t, h, buyer2)
	_, late := tokSignIn(t, h, buyer2)

	h.Clock.Set(saved.Add(30*24*time.Hour - time.Minute))
	if p := tokRefresh(t, h, early); p.AccessToken == nil || len(p.UserErrors) != 0 {
		t.Fatalf("refresh a minute before 30 days: %+v", p)
	}
	h.Clock.Set(saved.Add(30 * 24 * time.Hour))
	tokWantRefreshInvalid(t, "refresh at 30 days", tokRefresh(t, h, late))
}

func TestLoginRefusalsAreIdentical(t *testing.T) {
	h := setup(t)
	wrong := tokLogin(t, h, buyer1, "not-the-password")
	unknown := tokLogin(t, h, "nobody-here@tradeguard.test", demo.Password)
	for name, p := range map[string]tokPayload{"wrong password": wrong, "unknown e-mail": unknown} {
		if p.AccessToken != nil || p.RefreshToken != nil {
			t.Errorf("%s: tokens returned", name)
		}
		if len(p.UserErrors) != 1 || p.UserErrors[0].Code != "INVALID_CREDENTIALS" {
			t.Fatalf("%s: userErrors %+v", name, p.UserErrors)
		}
	}
	if wrong.UserErrors[0].Message != unknown.UserErrors[0].Message ||
		strings.Join(wrong.UserErrors[0].Field, ".") != strings.Join(unknown.UserErrors[0].Field, ".") {
		t.Fatalf("refusals differ: %+v vs %+v", wrong.UserErrors[0], unknown.UserErrors[0])
	}
}

// ---------------------------------------------------------------- partner tokens

type tokAPIToken struct {
	ID, Name  string
	RevokedAt *string
}

func tokListAPITokens(t *testing.T, h *harness, owner string) []tokAPIToken {
	t.Helper()
	r := ok(t, h.post(t, owner, `{ apiTokens { id name revokedAt } }`, nil))
	var ts []tokAPIToken
	field(t, r, "apiTokens", &ts)
	return ts
}

// tokRevokeByName revokes the owner's live tokens with that name (test cleanup).
func tokRevokeByName(t *testing.T, h *harness, owner, name string) {
	for _, tk := range tokListAPITokens(t, h, owner) {
		if tk.Name == name && tk.RevokedAt == nil {
			h.post(t, owner, `mutation($i: ApiTokenRevokeInput!) { apiTokenRevoke(input: $i) { apiToken { id } } }`,
				map[string]any{"i": map[string]any{"id": tk.ID}})
		}
	}
}

func tokCountNamed(t *testing.T, h *harness, owner, name string) int {
	t.Helper()
	n := 0
	for _, tk := range tokListAPITokens(t, h, owner) {
		if tk.Name == name {
			n++
		}
	}
	return n
}

func TestRevokedPartnerTokenStopsWorking(t *testing.T) {
	h := setup(t)
	owner := h.login(t, lotusOwner)
	const name = "tokens_test partner"
	t.Cleanup(func() { tokRevokeByName(t, h, h.login(t, lotusOwner), name) })
	r := ok(t, h.post(t, owner, `mutation($i: ApiTokenCreateInput!) { apiTokenCreate(input: $i) {
		apiToken { id name scopes } token userErrors { code message } } }`,
		map[string]any{"i": map[string]any{"name": name, "scopes": []string{"ORDERS_READ"}}}))
	var created struct {
		APIToken   *struct{ ID string }
		Token      *string
		UserErrors []struct{ Code, Message string }
	}
	field(t, r, "apiTokenCreate", &created)
	if created.Token == nil || created.APIToken == nil {
		t.Fatalf("apiTokenCreate: %+v", created)
	}
	partner := *created.Token

	r = ok(t, h.post(t, partner, `{ orders(first: 1) { totalCount nodes { store { slug } } } }`, nil))
	var o struct {
		TotalCount int
		Nodes      []struct{ Store struct{ Slug string } }
	}
	field(t, r, "orders", &o)
	if o.TotalCount == 0 || len(o.Nodes) != 1 || o.Nodes[0].Store.Slug != "lotus-electronics" {
		t.Fatalf("orders with the partner token: %+v", o)
	}

	r = ok(t, h.post(t, owner, `mutation($i: ApiTokenRevokeInput!) { apiTokenRevoke(input: $i) { apiToken { id revokedAt } userErrors { code } } }`,
		map[string]any{"i": map[string]any{"id": created.APIToken.ID}}))
	var revoked struct {
		APIToken *struct {
			ID        string
			RevokedAt *string
		}
	}
	field(t, r, "apiTokenRevoke", &revoked)
	if revoked.APIToken == nil || revoked.APIToken.RevokedAt == nil {
		t.Fatalf("apiTokenRevoke: %+v", revoked)
	}

	body, _ := json.Marshal(map[string]any{"query": `{ orders(first: 1) { totalCount } }`})
	req, _ := http.NewRequest(http.MethodPost, h.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+partner)
	status, hdr, raw, err := tokRaw(t, req)
	if err != nil {
		t.Fatal(err)
	}
	tokWantUnauthenticated(t, status, hdr, raw)
}

// ---------------------------------------------------------------- transports

func TestQueryOverGET(t *testing.T) {
	h := setup(t)
	req, _ := http.NewRequest(http.MethodGet, h.URL+"/graphql?query="+url.QueryEscape(`{products(first:1){totalCount}}`), nil)
	r := ok(t, h.do(t, req))
	var p struct{ TotalCount int }
	field(t, r, "products", &p)
	if p.TotalCount == 0 {
		t.Fatal("no products over GET")
	}
}

func TestMutationOverGETRefused(t *testing.T) {
	h := setup(t)
	owner := h.login(t, lotusOwner)
	const name = "tokens_test via GET"
	t.Cleanup(func() { tokRevokeByName(t, h, h.login(t, lotusOwner), name) })
	q := `mutation { apiTokenCreate(input: {name: "` + name + `", scopes: [ORDERS_READ]}) { token } }`
	req, _ := http.NewRequest(http.MethodGet, h.URL+"/graphql?query="+url.QueryEscape(q), nil)
	req.Header.Set("Authorization", "Bearer "+owner)
	status, _, raw, err := tokRaw(t, req)
	if err != nil {
		t.Fatal(err)
	}
	if status == http.StatusOK || status < 400 {
		t.Errorf("mutation over GET: status %d; body %.300s", status, raw)
	}
	var r gqlResponse
	if err := json.Unmarshal(raw, &r); err != nil || len(r.Errors) == 0 {
		t.Errorf("mutation over GET: no error in %.300s", raw)
	}
	if strings.Contains(string(raw), "tgp_") {
		t.Errorf("mutation over GET returned a token: %.300s", raw)
	}
	if n := tokCountNamed(t, h, owner, name); n != 0 {
		t.Fatalf("mutation over GET created %d tokens", n)
	}
}

// Content types a browser may send cross-site without a preflight (a "simple request") must not reach GraphQL.
func TestSimpleContentTypesRefused(t *testing.T) {
	h := setup(t)
	owner := h.login(t, lotusOwner)
	const name = "tokens_test csrf"
	t.Cleanup(func() { tokRevokeByName(t, h, h.login(t, lotusOwner), name) })
	mutation := `mutation { apiTokenCreate(input: {name: "` + name + `", scopes: [ORDERS_READ]}) { token } }`
	jsonBody, _ := json.Marshal(map[string]any{"query": mutation})
	operations, _ := json.Marshal(map[string]any{"query": mutation, "variables": map[string]any{}})
	var multipart bytes.Buffer
	multipart.WriteString("--XyZ\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n")
	multipart.Write(operations)
	multipart.WriteString("\r\n--XyZ\r\nContent-Disposition: form-data; name=\"map\"\r\n\r\n{}\r\n--XyZ--\r\n")

	for _, c := range []struct {
		contentType string
		body        []byte
	}{
		{"text/plain", jsonBody},
		{"text/plain;charset=UTF-8", jsonBody},
		{"application/x-www-form-urlencoded", []byte("query=" + url.QueryEscape(mutation))},
		{"multipart/form-data; boundary=XyZ", multipart.Bytes()},
		{"", jsonBody},
	} {
		for _, withToken := range []bool{false, true} {
			req, _ := http.NewRequest(http.MethodPost, h.URL+"/graphql", bytes.NewReader(c.body))
			if c.contentType != "" {
				req.Header.Set("Content-Type", c.contentType)
			}
			if withToken {
				req.Header.Set("Authorization", "Bearer "+owner)
			}
			status, _, raw, err := tokRaw(t, req)
			if err != nil {
				t.Fatal(err)
			}
			if status == http.StatusOK || status < 400 {
				t.Errorf("POST %q (token %v): status %d; body %.300s", c.contentType, withToken, status, raw)
			}
			if strings.Contains(string(raw), "tgp_") {
				t.Errorf("POST %q: returned a token", c.contentType)
			}
		}
	}
	if n := tokCountNamed(t, h, owner, name); n != 0 {
		t.Fatalf("a simple cross-site request created %d tokens", n)
	}
	// The same mutation as JSON works, so the refusals above were about the content type.
	ok(t, h.post(t, owner, mutation, nil))
	if n := tokCountNamed(t, h, owner, name); n != 1 {
		t.Fatalf("the JSON request created %d tokens, want 1", n)
	}
}
