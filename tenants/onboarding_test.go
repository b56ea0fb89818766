package tenants_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"tradeguard/tenants"
)

// Onboarding tests: stores created by an admin, invitations, acceptance, staff management. Every destructive
// test works on a store it creates itself, so the demo stores stay as they are for the other tests.

const newPassword = "correct horse battery"

// codes maps each refusal's code to its field path ("input.slug"); it fails the test for anything that is not
// a rule refusal.
func codes(t *testing.T, err error) map[string]string {
	t.Helper()
	rules, ok := tenants.AsRuleErrors(err)
	if !ok {
		t.Fatalf("want rule refusals, got %v", err)
	}
	out := map[string]string{}
	for _, r := range rules {
		out[r.Code] = strings.Join(r.Field, ".")
	}
	return out
}

func hasCode(t *testing.T, err error, code string) bool {
	t.Helper()
	_, ok := codes(t, err)[code]
	return ok
}

func commit(t *testing.T, s *tenants.Session) {
	t.Helper()
	if err := s.Commit(); err != nil {
		t.Fatalf("commit: %v", err)
	}
}

func unique(prefix string) string { return prefix + strings.ReplaceAll(uuid.NewString(), "-", "")[:10] }

func storeInput(slug, ownerEmail string) tenants.StoreInput {
	return tenants.StoreInput{Slug: slug, Name: "Onboarding " + slug, Category: "electronics", Currency: "TWD",
		TimeZone: "Asia/Taipei", OwnerEmail: ownerEmail}
}

// onboarded is a store made by CreateStore, with its owner signed up through the invitation.
type onboarded struct {
	store      tenants.Store
	ownerEmail string
	ownerID    uuid.UUID
	owner      tenants.Principal
}

// createStore has the admin onboard a store and returns it with the owner's invitation token.
func (e *authEnv) createStore(t *testing.T) (tenants.Store, tenants.Invite, string, string) {
	t.Helper()
	s, _ := e.session(t, adminEmail)
	email := unique("owner-") + "@onboarding.test"
	st, inv, token, err := tenants.CreateStore(context.Background(), s, storeInput(unique("onb-"), email), e.clock.Now())
	if err != nil {
		t.Fatalf("CreateStore: %v", err)
	}
	commit(t, s)
	return st, inv, token, email
}

// onboard creates a store and signs its owner up.
func (e *authEnv) onboard(t *testing.T) onboarded {
	t.Helper()
	st, _, token, email := e.createStore(t)
	id, err := tenants.AcceptInvite(context.Background(), e.app, token, "Owner of "+st.Slug, newPassword, e.clock.Now())
	if err != nil {
		t.Fatalf("AcceptInvite (owner): %v", err)
	}
	return onboarded{store: st, ownerEmail: email, ownerID: id, owner: e.loginWith(t, email, newPassword)}
}

func (e *authEnv) loginWith(t *testing.T, email, password string) tenants.Principal {
	t.Helper()
	pair, err := e.auth.Login(context.Background(), email, password)
	if err != nil {
		t.Fatalf("login %s: %v", email, err)
	}
	return e.principal(t, pair.AccessToken)
}

// invite has p invite email as role and returns the token.
func (e *authEnv) invite(t *testing.T, p tenants.Principal, email string, role tenants.StaffRole) (tenants.Invite, string) {
	t.Helper()
	s := tenants.NewSession(e.app, p, false)
	inv, token, err := tenants.InviteStaff(context.Background(), s, email, role, e.clock.Now())
	if err != nil {
		t.Fatalf("InviteStaff %s: %v", email, err)
	}
	commit(t, s)
	return inv, token
}

// join invites a new account as role into the store of owner and signs it up.
func (e *authEnv) join(t *testing.T, owner tenants.Principal, role tenants.StaffRole) (email string, id uuid.UUID) {
	t.Helper()
	email = unique(strings.ToLower(string(role))+"-") + "@onboarding.test"
	_, token := e.invite(t, owner, email, role)
	id, err := tenants.AcceptInvite(context.Background(), e.app, token, "Staff "+email, newPassword, e.clock.Now())
	if err != nil {
		t.Fatalf("AcceptInvite (%s): %v", role, err)
	}
	return email, id
}

func (e *authEnv) history(t *testing.T, storeID uuid.UUID) []string {
	t.Helper()
	s, _ := e.session(t, adminEmail)
	defer s.Rollback()
	evs, err := tenants.StoreHistory(context.Background(), s, storeID)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, ev := range evs {
		out = append(out, ev.Action)
	}
	return out
}

func apiPrincipal(store uuid.UUID) tenants.Principal {
	return tenants.Principal{Role: tenants.RoleMerchant, StoreID: store, StaffRole: tenants.StaffAPI,
		Scopes: tenants.Scopes, TokenID: uuid.New()}
}

func TestRoleChecks(t *testing.T) {
	store := uuid.New()
	owner := tenants.Principal{Role: tenants.RoleMerchant, UserID: uuid.New(), StoreID: store, StaffRole: tenants.StaffOwner}
	agent := tenants.Principal{Role: tenants.RoleMerchant, UserID: uuid.New(), StoreID: store, StaffRole: tenants.StaffAgent}
	admin := tenants.Principal{Role: tenants.RoleAdmin, UserID: uuid.New()}
	buyer := tenants.Principal{Role: tenants.RoleBuyer, UserID: uuid.New()}
	cases := []struct {
		name                                           string
		p                                              tenants.Principal
		createStore, manageStaff, listStaff, anonymize bool
	}{
		{"anonymous", tenants.Anonymous, false, false, false, false},
		{"buyer", buyer, false, false, false, false},
		{"owner", owner, false, true, true, false},
		{"agent", agent, false, false, true, false},
		{"api token with every scope", apiPrincipal(store), false, false, false, false},
		{"admin", admin, true, false, false, true},
		{"system", tenants.System, false, false, false, true},
	}
	for _, c := range cases {
		for _, check := range []struct {
			what string
			fn   func(tenants.Principal) error
			want bool
		}{
			{"CanCreateStore", tenants.CanCreateStore, c.createStore},
			{"CanManageStaff", tenants.CanManageStaff, c.manageStaff},
			{"CanListStaff", tenants.CanListStaff, c.listStaff},
			{"CanAnonymize", tenants.CanAnonymize, c.anonymize},
		} {
			err := check.fn(c.p)
			if check.want && err != nil || !check.want && !errors.Is(err, tenants.ErrForbidden) {
				t.Errorf("%s(%s) = %v, want allowed=%v", check.what, c.name, err, check.want)
			}
		}
	}
}

func TestCreateStoreRefusals(t *testing.T) {
	e := newAuth(t)
	ctx := context.Background()
	countStores := func() (n int) {
		e.asSystem(t, func(tx *sqlx.Tx) error { return tx.Get(&n, `select count(*) from stores`) })
		return n
	}
	before := countStores()

	_, lotus := e.session(t, lotusOwner)
	for name, p := range map[string]tenants.Principal{
		"owner": lotus, "agent": e.principal(t, e.login(t, lotusAgent).AccessToken), "buyer": e.principal(t, e.login(t, buyer1).AccessToken),
		"api token": apiPrincipal(lotus.StoreID), "anonymous": tenants.Anonymous, "system": tenants.System,
	} {
		s := tenants.NewSession(e.app, p, false)
		if _, _, _, err := tenants.CreateStore(ctx, s, storeInput(unique("onb-"), unique("x")+"@onboarding.test"), e.clock.Now()); !errors.Is(err, tenants.ErrForbidden) {
			t.Errorf("%s: CreateStore err = %v, want ErrForbidden", name, err)
		}
		_ = s.Rollback()
	}

	admin, _ := e.session(t, adminEmail)
	defer admin.Rollback()
	// Every field wrong at once: every refusal at once, each with its field.
	_, _, _, err := tenants.CreateStore(ctx, admin, tenants.StoreInput{Slug: "-Bad Slug", Name: strings.Repeat("n", 201),
		Category: "", Currency: "twd", TimeZone: "Mars/Olympus_Mons", OwnerEmail: "not an e-mail"}, e.clock.Now())
	want := map[string]string{"INVALID_SLUG": "input.slug", "INVALID_NAME": "input.name", "UNKNOWN_CATEGORY": "input.category",
		"INVALID_CURRENCY": "input.currencyCode", "INVALID_TIME_ZONE": "input.timeZone", "INVALID_EMAIL": "input.ownerEmail"}
	if got := codes(t, err); !mapsEqual(got, want) {
		t.Errorf("all fields wrong: %v, want %v", got, want)
	}
	// Well-formed, but the database says no: unknown category, slug taken, e-mail in use; all at once too.
	_, _, _, err = tenants.CreateStore(ctx, admin, tenants.StoreInput{Slug: "lotus-electronics", Name: "Another Lotus",
		Category: "toys", Currency: "TWD", TimeZone: "Asia/Taipei", OwnerEmail: "Buyer1@TradeGuard.test"}, e.clock.Now())
	want = map[string]string{"SLUG_TAKEN": "input.slug", "UNKNOWN_CATEGORY": "input.category", "EMAIL_IN_USE": "input.ownerEmail"}
	if got := codes(t, err); !mapsEqual(got, want) {
		t.Errorf("taken and unknown: %v, want %v", got, want)
	}
	for _, tz := range []string{"", "Local"} {
		in := storeInput(unique("onb-"), unique("x")+"@onboarding.test")
		in.TimeZone = tz
		if _, _, _, err := tenants.CreateStore(ctx, admin, in, e.clock.Now()); codes(t, err)["INVALID_TIME_ZONE"] != "input.timeZone" {
			t.Errorf("time zone %q: %v", tz, err)
		}
	}
	_ = admin.Rollback()
	if after := countStores(); after != before {
		t.Fatalf("refused onboardings wrote stores: %d → %d", before, after)
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func TestInviteAcceptLogin(t *testing.T) {
	e := newAuth(t)
	ctx := context.Background()
	now := e.clock.Now()
	st, inv, token, ownerEmail := e.createStore(t)
	if st.Status != tenants.StoreActive || st.TimeZone != "Asia/Taipei" || st.Currency != "TWD" || !st.CreatedAt.Equal(now) {
		t.Errorf("store %+v", st)
	}
	if inv.StaffRole != tenants.StaffOwner || inv.Email != ownerEmail || !inv.ExpiresAt.Equal(now.Add(7*24*time.Hour)) ||
		inv.StoreID != st.ID || inv.Status(now) != "PENDING" {
		t.Errorf("owner invitation %+v", inv)
	}
	if !strings.HasPrefix(token, "tgi_"+strings.ReplaceAll(st.ID.String(), "-", "")+"_") || len(token) < 4+32+1+32 {
		t.Errorf("token %q does not look like tgi_<store>_<secret>", token)
	}
	e.asSystem(t, func(tx *sqlx.Tx) error {
		var plain, hashed int
		if err := tx.Get(&plain, `select count(*) from staff_invites where token_hash = $1`, token); err != nil {
			return err
		}
		if err := tx.Get(&hashed, `select count(*) from staff_invites where token_hash = $1 and tenant_id = $2`, sha(token), st.ID); err != nil {
			return err
		}
		if plain != 0 || hashed != 1 {
			t.Errorf("invitation token stored in plain %d times, hashed %d times", plain, hashed)
		}
		return nil
	})

	ownerID, err := tenants.AcceptInvite(ctx, e.app, token, "  Onboarded Owner ", newPassword, now)
	if err != nil {
		t.Fatalf("AcceptInvite: %v", err)
	}
	owner := e.loginWith(t, ownerEmail, newPassword)
	if owner.Role != tenants.RoleMerchant || owner.StaffRole != tenants.StaffOwner || owner.StoreID != st.ID || owner.UserID != ownerID {
		t.Fatalf("owner principal %+v", owner)
	}
	if _, err := tenants.AcceptInvite(ctx, e.app, token, "Someone Else", newPassword, now); codes(t, err)["INVITE_INVALID"] != "input.token" {
		t.Errorf("accepting twice: %v", err)
	}

	agentEmail := unique("agent-") + "@onboarding.test"
	_, agentToken := e.invite(t, owner, agentEmail, tenants.StaffAgent)
	agentID, err := tenants.AcceptInvite(ctx, e.app, agentToken, "Onboarded Agent", newPassword, now)
	if err != nil {
		t.Fatalf("AcceptInvite (agent): %v", err)
	}
	agent := e.loginWith(t, agentEmail, newPassword)
	if agent.Role != tenants.RoleMerchant || agent.StaffRole != tenants.StaffAgent || agent.StoreID != st.ID || agent.UserID != agentID {
		t.Fatalf("agent principal %+v", agent)
	}

	for _, p := range []tenants.Principal{owner, agent} {
		s := tenants.NewSession(e.app, p, true)
		staff, err := tenants.ListStaff(ctx, s)
		_ = s.Rollback()
		if err != nil {
			t.Fatalf("ListStaff as %s: %v", p.StaffRole, err)
		}
		if len(staff) != 2 || staff[0].User.ID != ownerID || staff[0].StaffRole != tenants.StaffOwner ||
			staff[0].User.DisplayName != "Onboarded Owner" || staff[1].User.ID != agentID || staff[1].StaffRole != tenants.StaffAgent {
			t.Errorf("ListStaff as %s: %+v", p.StaffRole, staff)
		}
	}
	s := tenants.NewSession(e.app, owner, true)
	invites, err := tenants.ListInvites(ctx, s)
	_ = s.Rollback()
	if err != nil || len(invites) != 2 {
		t.Fatalf("ListInvites: %v %+v", err, invites)
	}
	for _, inv := range invites {
		if inv.Status(now) != "ACCEPTED" || inv.AcceptedUserID == nil {
			t.Errorf("invitation %+v", inv)
		}
	}
	// Agents do not manage staff.
	s = tenants.NewSession(e.app, agent, false)
	if _, _, err := tenants.InviteStaff(ctx, s, unique("x")+"@onboarding.test", tenants.StaffAgent, now); !errors.Is(err, tenants.ErrForbidden) {
		t.Errorf("agent InviteStaff: %v", err)
	}
	if _, err := tenants.ListInvites(ctx, s); !errors.Is(err, tenants.ErrForbidden) {
		t.Errorf("agent ListInvites: %v", err)
	}
	_ = s.Rollback()

	got := e.history(t, st.ID)
	want := []string{"STORE_CREATED", "STAFF_INVITED", "STAFF_JOINED", "STAFF_INVITED", "STAFF_JOINED"}
	if !slices.Equal(got, want) {
		t.Errorf("store history %v, want %v", got, want)
	}
}

func TestAcceptInviteRefusals(t *testing.T) {
	e := newAuth(t)
	ctx := context.Background()
	o := e.onboard(t)
	start := e.clock.Now()

	// Tokens that are not an invitation.
	_, token := e.invite(t, o.owner, unique("edge-")+"@onboarding.test", tenants.StaffAgent)
	storeHex := strings.ReplaceAll(o.store.ID.String(), "-", "")
	secret := token[len("tgi_"+storeHex+"_"):]
	flipped := []byte(token)
	flipped[len(flipped)-2] ^= 1
	for name, bad := range map[string]string{
		"empty": "", "prefix only": "tgi_", "short secret": "tgi_" + storeHex + "_abc", "secret changed": string(flipped),
		"another store":    "tgi_" + strings.ReplaceAll(uuid.NewString(), "-", "") + "_" + secret,
		"api token prefix": "tgp_" + storeHex + "_" + secret, "trailing byte": token + "x",
	} {
		if _, err := tenants.AcceptInvite(ctx, e.app, bad, "Name", newPassword, start); codes(t, err)["INVITE_INVALID"] != "input.token" {
			t.Errorf("%s: %v", name, err)
		}
	}

	// Weak password and missing name: both at once, nothing written, the invitation still usable.
	_, err := tenants.AcceptInvite(ctx, e.app, token, "   ", "short", start)
	if got, want := codes(t, err), map[string]string{"WEAK_PASSWORD": "input.password", "INVALID_DISPLAY_NAME": "input.displayName"}; !mapsEqual(got, want) {
		t.Errorf("weak password, no name: %v", got)
	}
	if _, err := tenants.AcceptInvite(ctx, e.app, token, strings.Repeat("n", 101), "0123456789", start); codes(t, err)["INVALID_DISPLAY_NAME"] != "input.displayName" {
		t.Errorf("long name: %v", err)
	}

	// The edge: one second before expiry is accepted, at expiry refused with the time.
	_, late := e.invite(t, o.owner, unique("late-")+"@onboarding.test", tenants.StaffAgent)
	expiry := start.Add(7 * 24 * time.Hour)
	if _, err := tenants.AcceptInvite(ctx, e.app, token, "Just In Time", "0123456789", expiry.Add(-time.Second)); err != nil {
		t.Fatalf("one second before expiry: %v", err)
	}
	_, err = tenants.AcceptInvite(ctx, e.app, late, "Too Late", newPassword, expiry)
	if codes(t, err)["INVITE_EXPIRED"] != "input.token" {
		t.Fatalf("at expiry: %v", err)
	}
	if _, msg := ruleCode(t, err); !strings.Contains(msg, o.store.FormatTime(expiry)) {
		t.Errorf("expiry refusal does not say when: %q", msg)
	}

	// Revoked.
	inv, revoked := e.invite(t, o.owner, unique("revoked-")+"@onboarding.test", tenants.StaffAgent)
	s := tenants.NewSession(e.app, o.owner, false)
	if r, err := tenants.RevokeInvite(ctx, s, inv.ID, start); err != nil || r.RevokedAt == nil {
		t.Fatalf("RevokeInvite: %+v %v", r, err)
	}
	commit(t, s)
	if _, err := tenants.AcceptInvite(ctx, e.app, revoked, "Revoked", newPassword, start); codes(t, err)["INVITE_INVALID"] != "input.token" {
		t.Errorf("revoked invitation: %v", err)
	}

	// Replaced: a second invitation for the same e-mail revokes the first.
	again := unique("again-") + "@onboarding.test"
	first, firstToken := e.invite(t, o.owner, again, tenants.StaffAgent)
	_, secondToken := e.invite(t, o.owner, strings.ToUpper(again), tenants.StaffOwner)
	if _, err := tenants.AcceptInvite(ctx, e.app, firstToken, "First", newPassword, start); codes(t, err)["INVITE_INVALID"] != "input.token" {
		t.Errorf("replaced invitation: %v", err)
	}
	s = tenants.NewSession(e.app, o.owner, true)
	invites, err := tenants.ListInvites(ctx, s)
	_ = s.Rollback()
	if err != nil {
		t.Fatal(err)
	}
	for _, inv := range invites {
		if inv.ID == first.ID && inv.Status(start) != "REVOKED" {
			t.Errorf("the replaced invitation is %s", inv.Status(start))
		}
	}
	if _, err := tenants.AcceptInvite(ctx, e.app, secondToken, "Second", newPassword, start); err != nil {
		t.Errorf("the replacing invitation: %v", err)
	}

	// An e-mail that already has an account (any case): refused, nothing written, the invitation still pending.
	inUse, inUseToken := e.invite(t, o.owner, "BUYER1@tradeguard.test", tenants.StaffAgent)
	if _, err := tenants.AcceptInvite(ctx, e.app, inUseToken, "Buyer One", newPassword, start); !hasCode(t, err, "EMAIL_IN_USE") {
		t.Errorf("e-mail in use: %v", err)
	}
	e.asSystem(t, func(tx *sqlx.Tx) error {
		var staff int
		var accepted *time.Time
		if err := tx.Get(&staff, `select count(*) from store_staff where tenant_id = $1`, o.store.ID); err != nil {
			return err
		}
		if err := tx.Get(&accepted, `select accepted_at from staff_invites where tenant_id = $1 and id = $2`, o.store.ID, inUse.ID); err != nil {
			return err
		}
		if staff != 3 || accepted != nil { // owner, "Just In Time", "Second"
			t.Errorf("after the refusals: %d staff, invitation accepted at %v", staff, accepted)
		}
		return nil
	})
}

func TestInviteStaffRefusals(t *testing.T) {
	e := newAuth(t)
	ctx := context.Background()
	now := e.clock.Now()
	_, lotus := e.session(t, lotusOwner)
	for name, p := range map[string]tenants.Principal{
		"agent":     e.principal(t, e.login(t, lotusAgent).AccessToken),
		"api token": apiPrincipal(lotus.StoreID),
		"buyer":     e.principal(t, e.login(t, buyer1).AccessToken),
		"admin":     e.principal(t, e.login(t, adminEmail).AccessToken),
		"anonymous": tenants.Anonymous,
	} {
		s := tenants.NewSession(e.app, p, false)
		if _, _, err := tenants.InviteStaff(ctx, s, unique("x")+"@onboarding.test", tenants.StaffAgent, now); !errors.Is(err, tenants.ErrForbidden) {
			t.Errorf("%s: InviteStaff err = %v, want ErrForbidden", name, err)
		}
		_ = s.Rollback()
	}

	s := tenants.NewSession(e.app, lotus, false)
	defer s.Rollback()
	_, _, err := tenants.InviteStaff(ctx, s, "nobody", "MANAGER", now)
	if got, want := codes(t, err), map[string]string{"INVALID_EMAIL": "input.email", "INVALID_ROLE": "input.staffRole"}; !mapsEqual(got, want) {
		t.Errorf("bad e-mail and role: %v", got)
	}
	if _, _, err := tenants.InviteStaff(ctx, s, "Agent@Lotus-Electronics.TEST", tenants.StaffAgent, now); codes(t, err)["ALREADY_STAFF"] != "input.email" {
		t.Errorf("inviting the store's own agent: %v", err)
	}
	_ = s.Rollback()

	// A closed store takes no new staff: neither new invitations nor acceptances of old ones.
	o := e.onboard(t)
	_, pending := e.invite(t, o.owner, unique("before-close-")+"@onboarding.test", tenants.StaffAgent)
	closedAt := now.Add(-3 * time.Hour)
	e.asSystem(t, func(tx *sqlx.Tx) error {
		_, err := tx.Exec(`update stores set status = 'CLOSED', closed_at = $2 where id = $1`, o.store.ID, closedAt)
		return err
	})
	s = tenants.NewSession(e.app, o.owner, false)
	_, _, err = tenants.InviteStaff(ctx, s, unique("x")+"@onboarding.test", tenants.StaffAgent, now)
	_ = s.Rollback()
	if code, msg := ruleCode(t, err); code != "STORE_CLOSED" || !strings.Contains(msg, "since "+o.store.FormatTime(closedAt)) {
		t.Errorf("invite in a closed store: %s %q", code, msg)
	}
	if _, err := tenants.AcceptInvite(ctx, e.app, pending, "Too Late", newPassword, now); !hasCode(t, err, "STORE_CLOSED") {
		t.Errorf("accept in a closed store: %v", err)
	}
}

func TestRemoveStaff(t *testing.T) {
	e := newAuth(t)
	ctx := context.Background()
	now := e.clock.Now()
	o := e.onboard(t)
	agentEmail, agentID := e.join(t, o.owner, tenants.StaffAgent)
	agentPair, err := e.auth.Login(ctx, agentEmail, newPassword)
	if err != nil {
		t.Fatal(err)
	}
	agent := e.principal(t, agentPair.AccessToken)
	_, lotusAgentP := e.session(t, lotusAgent)

	remove := func(p tenants.Principal, id uuid.UUID) error {
		s := tenants.NewSession(e.app, p, false)
		err := tenants.RemoveStaff(ctx, s, id, now)
		if err == nil {
			commit(t, s)
		} else {
			_ = s.Rollback()
		}
		return err
	}
	if err := remove(agent, o.ownerID); !errors.Is(err, tenants.ErrForbidden) {
		t.Errorf("agent removes owner: %v", err)
	}
	if err := remove(o.owner, o.ownerID); !hasCode(t, err, "LAST_OWNER") {
		t.Errorf("last owner removes itself: %v", err)
	}
	for name, id := range map[string]uuid.UUID{"unknown account": uuid.New(), "another store's agent": lotusAgentP.UserID} {
		if err := remove(o.owner, id); !errors.Is(err, tenants.ErrNotFound) {
			t.Errorf("%s: %v, want ErrNotFound", name, err)
		}
	}

	if err := remove(o.owner, agentID); err != nil {
		t.Fatalf("RemoveStaff(agent): %v", err)
	}
	e.asSystem(t, func(tx *sqlx.Tx) error {
		var live, all int
		if err := tx.Get(&live, `select count(*) from refresh_tokens where user_id = $1 and revoked_at is null`, agentID); err != nil {
			return err
		}
		if err := tx.Get(&all, `select count(*) from refresh_tokens where user_id = $1`, agentID); err != nil {
			return err
		}
		if live != 0 || all == 0 {
			t.Errorf("removed agent: %d of %d refresh tokens still live", live, all)
		}
		return nil
	})
	got, err := e.auth.Refresh(ctx, agentPair.RefreshToken)
	wantRefreshInvalid(t, "refresh of a removed agent", got, err)
	if _, err := e.auth.Login(ctx, agentEmail, newPassword); err == nil {
		t.Error("a removed agent signed in")
	} else if code, _ := ruleCode(t, err); code != "INVALID_CREDENTIALS" {
		t.Errorf("removed agent's login: %s", code)
	}
	if err := remove(o.owner, agentID); !errors.Is(err, tenants.ErrNotFound) {
		t.Errorf("removing twice: %v", err)
	}

	// With two owners either may leave; the one left is the last.
	owner2Email, owner2ID := e.join(t, o.owner, tenants.StaffOwner)
	owner2 := e.loginWith(t, owner2Email, newPassword)
	if err := remove(owner2, o.ownerID); err != nil {
		t.Fatalf("second owner removes the first: %v", err)
	}
	if err := remove(owner2, owner2ID); !hasCode(t, err, "LAST_OWNER") {
		t.Errorf("the remaining owner removes itself: %v", err)
	}
	s := tenants.NewSession(e.app, owner2, true)
	staff, err := tenants.ListStaff(ctx, s)
	_ = s.Rollback()
	if err != nil || len(staff) != 1 || staff[0].User.ID != owner2ID {
		t.Errorf("staff left: %+v %v", staff, err)
	}
	h := e.history(t, o.store.ID)
	if n := countOf(h, "STAFF_REMOVED"); n != 2 {
		t.Errorf("history %v has %d STAFF_REMOVED, want 2", h, n)
	}
}

func countOf(xs []string, x string) (n int) {
	for _, v := range xs {
		if v == x {
			n++
		}
	}
	return n
}

func TestAnonymizeUserIsForThePlatform(t *testing.T) {
	e := newAuth(t)
	for _, email := range []string{buyer1, lotusOwner} {
		s, p := e.session(t, email)
		if err := tenants.AnonymizeUser(context.Background(), s, p.UserID, e.clock.Now()); !errors.Is(err, tenants.ErrForbidden) {
			t.Errorf("%s anonymizes itself: %v", email, err)
		}
		_ = s.Rollback()
	}
}
