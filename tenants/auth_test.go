package tenants_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"tradeguard/demo"
	"tradeguard/internal/clock"
	"tradeguard/internal/testdb"
	"tradeguard/tenants"
)

// These tests run Login, Refresh, Logout and AuthenticateAPIToken against a real PostgreSQL database, migrated
// as the server does it, with the demo data, connected as the server's own role (row-level security applies),
// each test with its own controllable clock.

func TestMain(m *testing.M) { testdb.Main(m) }

const (
	adminEmail = "admin@tradeguard.test"
	lotusOwner = "owner@lotus-electronics.test"
	lotusAgent = "agent@lotus-electronics.test"
	mapleOwner = "owner@maple-apparel.test"
	buyer1     = "buyer1@tradeguard.test"
)

var (
	dbOnce  sync.Once
	dbErr   error
	ownerDB *sqlx.DB
	appDB   *sqlx.DB
)

// keepAlive lets the package-wide connections outlive the first test that opened them.
type keepAlive struct{ testing.TB }

func (keepAlive) Cleanup(func()) {}

type authEnv struct {
	auth  *tenants.Auth
	clock *clock.Fake
	owner *sqlx.DB
	app   *sqlx.DB
}

// newAuth returns an Auth over the shared demo database with a fresh clock at fixedNow.
func newAuth(t *testing.T) *authEnv {
	t.Helper()
	dbOnce.Do(func() {
		ownerDB, appDB = testdb.Migrated(keepAlive{t})
		_, dbErr = demo.Load(context.Background(), appDB, fixedNow)
	})
	if dbErr != nil || appDB == nil {
		t.Fatalf("demo database: %v", dbErr)
	}
	clk := clock.NewFake(fixedNow)
	access, err := tenants.NewAccessTokens(testKey, clk.Now)
	if err != nil {
		t.Fatal(err)
	}
	return &authEnv{auth: &tenants.Auth{DB: appDB, Access: access, Now: clk.Now}, clock: clk, owner: ownerDB, app: appDB}
}

// asSystem runs fn as the schema owner in a transaction with the SYSTEM row-level context (RLS is forced,
// so even the owner sees nothing without it).
func (e *authEnv) asSystem(t *testing.T, fn func(tx *sqlx.Tx) error) {
	t.Helper()
	tx, err := e.owner.Beginx()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.Exec(`select set_config('app.role', 'system', true)`); err != nil {
		t.Fatal(err)
	}
	if err := fn(tx); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

func (e *authEnv) login(t *testing.T, email string) tenants.TokenPair {
	t.Helper()
	pair, err := e.auth.Login(context.Background(), email, demo.Password)
	if err != nil {
		t.Fatalf("login %s: %v", email, err)
	}
	return pair
}

func (e *authEnv) principal(t *testing.T, access string) tenants.Principal {
	t.Helper()
	p, err := e.auth.Access.Verify(access)
	if err != nil {
		t.Fatalf("the access token just issued is refused: %v", err)
	}
	return p
}

// ruleCode is the code of a single RuleError, or "" (and the test fails) for anything else.
func ruleCode(t *testing.T, err error) (code, msg string) {
	t.Helper()
	rules, ok := tenants.AsRuleErrors(err)
	if !ok || len(rules) != 1 {
		t.Fatalf("want one rule refusal, got %v", err)
	}
	return rules[0].Code, rules[0].Message
}

func wantRefreshInvalid(t *testing.T, what string, pair tenants.TokenPair, err error) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: refresh succeeded (%.20s…)", what, pair.AccessToken)
	}
	if code, _ := ruleCode(t, err); code != "REFRESH_TOKEN_INVALID" {
		t.Fatalf("%s: code %s, want REFRESH_TOKEN_INVALID", what, code)
	}
	if pair.AccessToken != "" || pair.RefreshToken != "" {
		t.Fatalf("%s: a refusal returned tokens", what)
	}
}

func sha(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func TestLoginEachRole(t *testing.T) {
	e := newAuth(t)
	cases := []struct {
		email string
		role  tenants.Role
		staff tenants.StaffRole
		store bool
	}{
		{adminEmail, tenants.RoleAdmin, "", false},
		{lotusOwner, tenants.RoleMerchant, tenants.StaffOwner, true},
		{lotusAgent, tenants.RoleMerchant, tenants.StaffAgent, true},
		{mapleOwner, tenants.RoleMerchant, tenants.StaffOwner, true},
		{buyer1, tenants.RoleBuyer, "", false},
	}
	stores := map[string]uuid.UUID{}
	for _, c := range cases {
		pair := e.login(t, c.email)
		if !pair.AccessExpiresAt.Equal(fixedNow.Add(15*time.Minute)) || !pair.RefreshExpiresAt.Equal(fixedNow.Add(30*24*time.Hour)) {
			t.Errorf("%s: expiries %v / %v", c.email, pair.AccessExpiresAt, pair.RefreshExpiresAt)
		}
		p := e.principal(t, pair.AccessToken)
		if p.Role != c.role || p.StaffRole != c.staff || (p.StoreID != uuid.Nil) != c.store || p.UserID == uuid.Nil {
			t.Errorf("%s: principal %+v", c.email, p)
		}
		stores[c.email] = p.StoreID
		// Only the refresh token's hash is stored.
		fam, secret, _ := strings.Cut(pair.RefreshToken, ".")
		if _, err := uuid.Parse(fam); err != nil || len(secret) < 32 {
			t.Errorf("%s: refresh token %q is not <family>.<secret>", c.email, pair.RefreshToken)
		}
		e.asSystem(t, func(tx *sqlx.Tx) error {
			var plain, hashed int
			if err := tx.Get(&plain, `select count(*) from refresh_tokens where token_hash in ($1, $2)`, pair.RefreshToken, secret); err != nil {
				return err
			}
			if err := tx.Get(&hashed, `select count(*) from refresh_tokens where token_hash = $1 and family_id = $2 and user_id = $3`,
				sha(secret), fam, p.UserID); err != nil {
				return err
			}
			if plain != 0 || hashed != 1 {
				t.Errorf("%s: refresh token stored in plain %d times, hashed %d times", c.email, plain, hashed)
			}
			return nil
		})
	}
	if stores[lotusOwner] != stores[lotusAgent] || stores[lotusOwner] == stores[mapleOwner] {
		t.Errorf("stores: %v", stores)
	}
}

func TestLoginEmailIsCaseInsensitive(t *testing.T) {
	e := newAuth(t)
	a := e.principal(t, e.login(t, buyer1).AccessToken)
	b := e.principal(t, e.login(t, "Buyer1@TradeGuard.TEST").AccessToken)
	if a.UserID != b.UserID {
		t.Fatalf("same account, two users: %v %v", a.UserID, b.UserID)
	}
}

func TestLoginRefusalsLookAlike(t *testing.T) {
	e := newAuth(t)
	ctx := context.Background()
	var msgs []string
	for _, c := range []struct{ email, password string }{
		{buyer1, "wrong-password"},
		{buyer1, ""},
		{buyer1, strings.ToUpper(demo.Password)},
		{"nobody@tradeguard.test", demo.Password},
		{"", ""},
		{"' or 1=1 --", demo.Password},
		{"buyer1@tradeguard.test' --", "x"},
		{"%", demo.Password},
	} {
		pair, err := e.auth.Login(ctx, c.email, c.password)
		if err == nil {
			t.Fatalf("login %q/%q succeeded", c.email, c.password)
		}
		code, msg := ruleCode(t, err)
		if code != "INVALID_CREDENTIALS" {
			t.Errorf("login %q/%q: code %s", c.email, c.password, code)
		}
		if pair != (tenants.TokenPair{}) {
			t.Errorf("login %q/%q: tokens returned with the refusal", c.email, c.password)
		}
		msgs = append(msgs, msg)
	}
	for _, m := range msgs[1:] {
		if m != msgs[0] {
			t.Fatalf("refusals differ, which tells an attacker which half was wrong: %q vs %q", msgs[0], m)
		}
	}
}

func TestRefreshRotation(t *testing.T) {
	e := newAuth(t)
	ctx := context.Background()
	first := e.login(t, lotusOwner)
	owner := e.principal(t, first.AccessToken)

	e.clock.Advance(10 * time.Minute)
	second, err := e.auth.Refresh(ctx, first.RefreshToken)
	if err != nil {
		t.Fatalf("refresh R1: %v", err)
	}
	if second.RefreshToken == first.RefreshToken || second.AccessToken == first.AccessToken {
		t.Fatal("rotation returned the same tokens")
	}
	if famA, _, _ := strings.Cut(first.RefreshToken, "."); !strings.HasPrefix(second.RefreshToken, famA+".") {
		t.Errorf("rotation left the family: %q -> %q", first.RefreshToken, second.RefreshToken)
	}
	if !second.AccessExpiresAt.Equal(e.clock.Now().Add(15*time.Minute)) || !second.RefreshExpiresAt.Equal(e.clock.Now().Add(30*24*time.Hour)) {
		t.Errorf("rotated expiries %v / %v", second.AccessExpiresAt, second.RefreshExpiresAt)
	}
	if p := e.principal(t, second.AccessToken); p.UserID != owner.UserID || p.StoreID != owner.StoreID || p.StaffRole != owner.StaffRole {
		t.Fatalf("refreshed principal %+v, want %+v", p, owner)
	}

	// R1 again: it leaked; the family is revoked, so R2 dies too.
	again, err := e.auth.Refresh(ctx, first.RefreshToken)
	wantRefreshInvalid(t, "reusing R1", again, err)
	third, err := e.auth.Refresh(ctx, second.RefreshToken)
	wantRefreshInvalid(t, "R2 after R1's reuse", third, err)
	fam, _, _ := strings.Cut(first.RefreshToken, ".")
	e.asSystem(t, func(tx *sqlx.Tx) error {
		var live int
		if err := tx.Get(&live, `select count(*) from refresh_tokens where family_id = $1 and revoked_at is null`, fam); err != nil {
			return err
		}
		if live != 0 {
			t.Errorf("%d tokens of the reused family are still live", live)
		}
		return nil
	})

	// A new sign-in is a new family and works.
	fresh := e.login(t, lotusOwner)
	if _, err := e.auth.Refresh(ctx, fresh.RefreshToken); err != nil {
		t.Fatalf("refresh after a new login: %v", err)
	}
}

func TestRefreshChain(t *testing.T) {
	e := newAuth(t)
	ctx := context.Background()
	pair := e.login(t, buyer1)
	user := e.principal(t, pair.AccessToken).UserID
	for i := range 5 {
		e.clock.Advance(14 * time.Minute)
		next, err := e.auth.Refresh(ctx, pair.RefreshToken)
		if err != nil {
			t.Fatalf("rotation %d: %v", i, err)
		}
		if p := e.principal(t, next.AccessToken); p.UserID != user {
			t.Fatalf("rotation %d: principal %+v", i, p)
		}
		pair = next
	}
}

func TestRefreshExpiresAfter30Days(t *testing.T) {
	e := newAuth(t)
	ctx := context.Background()
	a := e.login(t, buyer1)
	b := e.login(t, buyer1)

	e.clock.Set(fixedNow.Add(30*24*time.Hour - time.Second))
	if _, err := e.auth.Refresh(ctx, a.RefreshToken); err != nil {
		t.Fatalf("refresh 1 s before the 30 days end: %v", err)
	}
	e.clock.Set(fixedNow.Add(30 * 24 * time.Hour))
	pair, err := e.auth.Refresh(ctx, b.RefreshToken)
	wantRefreshInvalid(t, "refresh at 30 days", pair, err)
	e.clock.Set(fixedNow.Add(31 * 24 * time.Hour))
	pair, err = e.auth.Refresh(ctx, b.RefreshToken)
	wantRefreshInvalid(t, "refresh at 31 days", pair, err)
}

func TestRefreshMalformed(t *testing.T) {
	e := newAuth(t)
	ctx := context.Background()
	genuine := e.login(t, buyer1)
	fam, secret, _ := strings.Cut(genuine.RefreshToken, ".")
	for name, tok := range map[string]string{
		"empty":                  "",
		"garbage":                "garbage",
		"no secret":              fam + ".",
		"short secret":           fam + ".abc",
		"not a family":           "family." + secret,
		"unknown family":         uuid.NewString() + "." + secret,
		"secret of another fam.": uuid.NewString() + "." + secret,
		"wrong secret":           fam + "." + strings.Repeat("A", len(secret)),
		"access token":           genuine.AccessToken,
		"oversized":              fam + "." + strings.Repeat("A", 10000),
		"sql":                    fam + ".' or 1=1 --" + strings.Repeat("x", 40),
	} {
		pair, err := e.auth.Refresh(ctx, tok)
		wantRefreshInvalid(t, name, pair, err)
	}
	// None of those counted as a reuse of the genuine token.
	if _, err := e.auth.Refresh(ctx, genuine.RefreshToken); err != nil {
		t.Fatalf("the genuine token after the bad ones: %v", err)
	}
}

func TestLogout(t *testing.T) {
	e := newAuth(t)
	ctx := context.Background()

	t.Run("revokes the token", func(t *testing.T) {
		pair := e.login(t, buyer1)
		if err := e.auth.Logout(ctx, pair.RefreshToken); err != nil {
			t.Fatal(err)
		}
		got, err := e.auth.Refresh(ctx, pair.RefreshToken)
		wantRefreshInvalid(t, "after logout", got, err)
		if err := e.auth.Logout(ctx, pair.RefreshToken); err != nil {
			t.Fatalf("second logout: %v", err)
		}
	})
	t.Run("revokes every rotation of the sign-in", func(t *testing.T) {
		r1 := e.login(t, buyer1)
		r2, err := e.auth.Refresh(ctx, r1.RefreshToken)
		if err != nil {
			t.Fatal(err)
		}
		r3, err := e.auth.Refresh(ctx, r2.RefreshToken)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.auth.Logout(ctx, r3.RefreshToken); err != nil {
			t.Fatal(err)
		}
		got, err := e.auth.Refresh(ctx, r3.RefreshToken)
		wantRefreshInvalid(t, "latest token after logout", got, err)
	})
	t.Run("leaves other sign-ins alone", func(t *testing.T) {
		phone := e.login(t, buyer1)
		laptop := e.login(t, buyer1)
		if err := e.auth.Logout(ctx, phone.RefreshToken); err != nil {
			t.Fatal(err)
		}
		if _, err := e.auth.Refresh(ctx, laptop.RefreshToken); err != nil {
			t.Fatalf("another sign-in of the same account was signed out too: %v", err)
		}
	})
	t.Run("unknown tokens are fine", func(t *testing.T) {
		for _, tok := range []string{"", "garbage", uuid.NewString() + "." + strings.Repeat("x", 43)} {
			if err := e.auth.Logout(ctx, tok); err != nil {
				t.Errorf("Logout(%q) = %v", tok, err)
			}
		}
	})
}

// Two (or more) requests racing with the same refresh token: at most one gets a new pair, and since a token was
// presented twice the whole family ends revoked, including whatever the winner got.
func TestConcurrentRefresh(t *testing.T) {
	e := newAuth(t)
	ctx := context.Background()
	for round := range 5 {
		n := 2
		if round >= 3 {
			n = 8
		}
		pair := e.login(t, buyer1)
		var (
			wg      sync.WaitGroup
			start   = make(chan struct{})
			mu      sync.Mutex
			winners []tenants.TokenPair
			errs    []error
		)
		for range n {
			wg.Go(func() {
				<-start
				got, err := e.auth.Refresh(ctx, pair.RefreshToken)
				mu.Lock()
				defer mu.Unlock()
				if err == nil {
					winners = append(winners, got)
				} else {
					errs = append(errs, err)
				}
			})
		}
		close(start)
		wg.Wait()
		if len(winners) > 1 {
			t.Fatalf("round %d: %d of %d concurrent refreshes of one token succeeded", round, len(winners), n)
		}
		for _, err := range errs {
			// A loser must be told REFRESH_TOKEN_INVALID, not fail with a database error (e.g. a deadlock
			// between the concurrent family revocations).
			var pe *pq.Error
			if errors.As(err, &pe) {
				t.Errorf("round %d: a losing refresh failed in the database: %s (%s; detail: %s; where: %s)",
					round, pe.Message, pe.Code, pe.Detail, pe.Where)
				continue
			}
			if code, _ := ruleCode(t, err); code != "REFRESH_TOKEN_INVALID" {
				t.Errorf("round %d: a losing refresh failed with %v", round, err)
			}
		}
		fam, _, _ := strings.Cut(pair.RefreshToken, ".")
		e.asSystem(t, func(tx *sqlx.Tx) error {
			var live int
			if err := tx.Get(&live, `select count(*) from refresh_tokens where family_id = $1 and revoked_at is null`, fam); err != nil {
				return err
			}
			if live != 0 {
				t.Errorf("round %d: %d tokens of the family are still live", round, live)
			}
			return nil
		})
		for _, w := range winners {
			got, err := e.auth.Refresh(ctx, w.RefreshToken)
			wantRefreshInvalid(t, "the winner's token after the race", got, err)
		}
	}
}

func TestDisabledAccount(t *testing.T) {
	e := newAuth(t)
	ctx := context.Background()
	const email = "buyer19@tradeguard.test"
	pair := e.login(t, email)
	setStatus := func(status string) {
		e.asSystem(t, func(tx *sqlx.Tx) error {
			res, err := tx.Exec(`update users set status = $2 where email = $1`, email, status)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				t.Fatalf("update users: %d rows", n)
			}
			return nil
		})
	}
	setStatus("DISABLED")
	t.Cleanup(func() { setStatus("ACTIVE") })

	got, err := e.auth.Login(ctx, email, demo.Password)
	if err == nil {
		t.Fatal("a disabled account signed in")
	}
	if code, _ := ruleCode(t, err); code != "INVALID_CREDENTIALS" || got != (tenants.TokenPair{}) {
		t.Fatalf("login of a disabled account: %s %+v", code, got)
	}
	got, err = e.auth.Refresh(ctx, pair.RefreshToken)
	wantRefreshInvalid(t, "refresh of a disabled account", got, err)

	// While its deletion is pending the account still signs in and refreshes: that is how its owner withdraws.
	setStatus("DELETION_PENDING")
	pending, err := e.auth.Login(ctx, email, demo.Password)
	if err != nil {
		t.Fatalf("login while deletion is pending: %v", err)
	}
	if _, err := e.auth.Refresh(ctx, pair.RefreshToken); err != nil {
		t.Fatalf("refresh while deletion is pending: %v", err)
	}

	setStatus("DELETED")
	if got, err := e.auth.Login(ctx, email, demo.Password); err == nil {
		t.Errorf("a DELETED account signed in")
	} else if code, _ := ruleCode(t, err); code != "INVALID_CREDENTIALS" || got != (tenants.TokenPair{}) {
		t.Errorf("login of a deleted account: %s %+v", code, got)
	}
	got, err = e.auth.Refresh(ctx, pending.RefreshToken)
	wantRefreshInvalid(t, "refresh of a DELETED account", got, err)
}

// ownerSession opens a request session for the lotus owner, as the GraphQL layer does.
func (e *authEnv) session(t *testing.T, email string) (*tenants.Session, tenants.Principal) {
	t.Helper()
	p := e.principal(t, e.login(t, email).AccessToken)
	return tenants.NewSession(e.app, p, false), p
}

func TestAuthenticateAPIToken(t *testing.T) {
	e := newAuth(t)
	ctx := context.Background()
	s, owner := e.session(t, lotusOwner)
	tok, plain, err := tenants.CreateAPIToken(ctx, s, "auth_test ERP", []tenants.Scope{tenants.ScopeOrdersRead, tenants.ScopeCasesRead})
	if err != nil {
		t.Fatalf("CreateAPIToken: %v", err)
	}
	if err := s.Commit(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s := tenants.NewSession(e.app, owner, false)
		_, _ = tenants.RevokeAPIToken(ctx, s, tok.ID)
		_ = s.Commit()
	})
	if !tenants.IsPartnerToken(plain) || !strings.HasPrefix(plain, "tgp_"+strings.ReplaceAll(owner.StoreID.String(), "-", "")+"_") {
		t.Fatalf("token %q does not look like tgp_<store>_<secret>", plain)
	}
	e.asSystem(t, func(tx *sqlx.Tx) error {
		var plainRows, hashed int
		if err := tx.Get(&plainRows, `select count(*) from api_tokens where token_hash = $1 or name = $1`, plain); err != nil {
			return err
		}
		if err := tx.Get(&hashed, `select count(*) from api_tokens where token_hash = $1`, sha(plain)); err != nil {
			return err
		}
		if plainRows != 0 || hashed != 1 {
			t.Errorf("api token stored in plain %d times, hashed %d times", plainRows, hashed)
		}
		return nil
	})

	p, err := e.auth.AuthenticateAPIToken(ctx, plain)
	if err != nil {
		t.Fatalf("AuthenticateAPIToken: %v", err)
	}
	if p.Role != tenants.RoleMerchant || p.StaffRole != tenants.StaffAPI || p.StoreID != owner.StoreID ||
		p.UserID != uuid.Nil || p.TokenID != tok.ID || len(p.Scopes) != 2 || p.IsStoreOwner() {
		t.Fatalf("principal %+v", p)
	}
	if !p.Allows(tenants.ScopeOrdersRead) || !p.Allows(tenants.ScopeCasesRead) || p.Allows(tenants.ScopeOrdersWrite) || p.Allows(tenants.ScopeMetricsRead) {
		t.Fatalf("scopes %v", p.Scopes)
	}

	lastUsed := func() *time.Time {
		var at *time.Time
		e.asSystem(t, func(tx *sqlx.Tx) error {
			return tx.Get(&at, `select last_used_at from api_tokens where id = $1`, tok.ID)
		})
		return at
	}
	if at := lastUsed(); at == nil || !at.Equal(fixedNow) {
		t.Errorf("last_used_at = %v, want %v", at, fixedNow)
	}
	e.clock.Advance(30 * time.Second)
	if _, err := e.auth.AuthenticateAPIToken(ctx, plain); err != nil {
		t.Fatal(err)
	}
	if at := lastUsed(); at == nil || !at.Equal(fixedNow) {
		t.Errorf("last_used_at moved within the minute: %v", at)
	}
	e.clock.Advance(30 * time.Second)
	if _, err := e.auth.AuthenticateAPIToken(ctx, plain); err != nil {
		t.Fatal(err)
	}
	if at := lastUsed(); at == nil || !at.Equal(fixedNow.Add(time.Minute)) {
		t.Errorf("last_used_at = %v after a minute, want %v", at, fixedNow.Add(time.Minute))
	}

	// Variations of the token are refused.
	_, mapleStore := e.session(t, mapleOwner)
	storeHex := strings.ReplaceAll(owner.StoreID.String(), "-", "")
	secret := plain[len("tgp_"+storeHex+"_"):]
	flipped := []byte(plain)
	if flipped[len(flipped)-3] == 'A' {
		flipped[len(flipped)-3] = 'B'
	} else {
		flipped[len(flipped)-3] = 'A'
	}
	for name, bad := range map[string]string{
		"empty":              "",
		"prefix only":        "tgp_",
		"no secret":          "tgp_" + storeHex + "_",
		"short secret":       "tgp_" + storeHex + "_abc",
		"not a store":        "tgp_lotus_" + secret,
		"another store":      "tgp_" + strings.ReplaceAll(mapleStore.StoreID.String(), "-", "") + "_" + secret,
		"unknown store":      "tgp_" + strings.ReplaceAll(uuid.NewString(), "-", "") + "_" + secret,
		"secret changed":     string(flipped),
		"trailing byte":      plain + "x",
		"oversized":          plain + strings.Repeat("x", 300),
		"no prefix":          strings.TrimPrefix(plain, "tgp_"),
		"sql in the secret":  "tgp_" + storeHex + "_' or 1=1 --" + strings.Repeat("x", 40),
		"upper-cased prefix": "TGP_" + plain[4:],
	} {
		if p, err := e.auth.AuthenticateAPIToken(ctx, bad); !errors.Is(err, tenants.ErrUnauthenticated) {
			t.Errorf("%s: principal %+v, err %v; want ErrUnauthenticated", name, p, err)
		}
	}

	// Revoked: refused at once.
	s = tenants.NewSession(e.app, owner, false)
	revoked, err := tenants.RevokeAPIToken(ctx, s, tok.ID)
	if err != nil {
		t.Fatalf("RevokeAPIToken: %v", err)
	}
	if err := s.Commit(); err != nil {
		t.Fatal(err)
	}
	if revoked.RevokedAt == nil {
		t.Fatal("revoked token has no revokedAt")
	}
	if p, err := e.auth.AuthenticateAPIToken(ctx, plain); !errors.Is(err, tenants.ErrUnauthenticated) {
		t.Fatalf("revoked token: principal %+v, err %v", p, err)
	}
}

func TestAPITokenOnlyOwnersCreate(t *testing.T) {
	e := newAuth(t)
	ctx := context.Background()
	for _, email := range []string{lotusAgent, buyer1, adminEmail} {
		s, _ := e.session(t, email)
		if _, _, err := tenants.CreateAPIToken(ctx, s, "nope", []tenants.Scope{tenants.ScopeOrdersRead}); !errors.Is(err, tenants.ErrForbidden) {
			t.Errorf("%s: CreateAPIToken err = %v, want ErrForbidden", email, err)
		}
		_ = s.Rollback()
	}
}
