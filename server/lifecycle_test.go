package main

// The store, staff and account lifecycle over real HTTP (issue 3, "Stores, staff and accounts"): onboarding a
// store and its staff, closing a store, deleting a buyer account, and isolation and role refusals of every new
// query and mutation. Every store here is onboarded through the API (storeCreate as admin); demo stores are
// never changed. The shared clock is never moved: deadlines are run by a runner of the test's own whose fake
// clock is set ahead (it also acts on any other deadline due by then, which is fine).

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"tradeguard/demo"
	"tradeguard/internal/clock"
	"tradeguard/payments"
	"tradeguard/tenants"
)

// A demo buyer that places orders only in stores onboarded here.
const lcDemoBuyer = "buyer19@tradeguard.test"

// ---------------------------------------------------------------- helpers

type lcUserError struct {
	Code    string
	Field   []string
	Message string
}

const lcUE = `userErrors { code field message }`

type lcInvite struct {
	ID, Email, StaffRole, Status string
	CreatedAt, ExpiresAt         time.Time
}

const lcInviteFields = `id email staffRole status createdAt expiresAt`

type lcInvitePayload struct {
	Invite      *lcInvite
	InviteToken *string
	UserErrors  []lcUserError
}

type lcLoginPayload struct {
	AccessToken, RefreshToken *string
	UserErrors                []lcUserError
}

const lcLoginFields = `accessToken refreshToken ` + lcUE

type lcEvent struct {
	At                   time.Time
	Actor, Action        string
	FromStatus, ToStatus *string
	Reason               *string
}

type lcStoreView struct {
	ID, Slug, Status   string
	ClosesAt, ClosedAt *time.Time
	History            []lcEvent
}

const lcStoreFields = `id slug status closesAt closedAt`

type lcBlocker struct {
	Kind   string
	ID     *string
	Label  string
	Status *string
}

type lcClosePayload struct {
	Store      *lcStoreView
	Blockers   []lcBlocker
	UserErrors []lcUserError
}

const lcCloseFields = `store { ` + lcStoreFields + ` } blockers { kind id label status } ` + lcUE

type lcDeletePayload struct {
	DeletesAt  *time.Time
	Blockers   []lcBlocker
	UserErrors []lcUserError
}

const lcDeleteFields = `deletesAt blockers { kind id label status } ` + lcUE

type lcStaffMember struct {
	User struct {
		ID, DisplayName string
		Email           *string
	}
	StaffRole string
	JoinedAt  time.Time
}

type lcProductPayload struct {
	Product *struct {
		ID, Sku, Status string
		Price           struct{ Amount, CurrencyCode string }
		Store           struct{ ID string }
	}
	UserErrors []lcUserError
}

const lcProductFields = `product { id sku status price { amount currencyCode } store { id } } ` + lcUE

// lcAdminOrder is an order as the admin reads it.
type lcAdminOrder struct {
	Number, Status  string
	Total, Paid     struct{ Amount, CurrencyCode string }
	Buyer           struct{ ID, DisplayName string }
	ShippingAddress struct{ Name, Phone, Address string }
}

type lcOrder struct {
	ID, Number, Status string
	Total              struct{ Amount, CurrencyCode string }
}

// lcStore is a store onboarded through the API, with its owner signed in and two products.
type lcStore struct {
	ID, Slug, OwnerEmail string
	UUID                 uuid.UUID
	OwnerUserID          string // the owner's User id
	Owner, OwnerRefresh  string // the owner's tokens from accepting the invitation
	OwnerInviteID        string
	Products             []string
}

func lcHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

func lcDigits(n int) string {
	var sb strings.Builder
	for range n {
		d, err := rand.Int(rand.Reader, big.NewInt(10))
		if err != nil {
			panic(err)
		}
		sb.WriteByte(byte('0' + d.Int64()))
	}
	return sb.String()
}

// lcMutate runs `name(input: $i) { sel }` and returns the response as is.
func lcMutate(t *testing.T, h *harness, token, name string, input map[string]any, sel string) gqlResponse {
	t.Helper()
	typ := strings.ToUpper(name[:1]) + name[1:] + "Input"
	return h.post(t, token, fmt.Sprintf(`mutation($i: %s!) { %s(input: $i) { %s } }`, typ, name, sel), map[string]any{"i": input})
}

// lcDo runs a mutation that must not fail at the top level and decodes its payload into v.
func lcDo(t *testing.T, h *harness, token, name string, input map[string]any, sel string, v any) {
	t.Helper()
	field(t, ok(t, lcMutate(t, h, token, name, input, sel)), name, v)
}

// lcWantUE fails unless ues is exactly one userError with the code and field path.
func lcWantUE(t *testing.T, what string, ues []lcUserError, code string, path ...string) {
	t.Helper()
	if len(ues) != 1 || ues[0].Code != code || !slices.Equal(ues[0].Field, path) {
		t.Fatalf("%s: userErrors %+v, want one %s at %v", what, ues, code, path)
	}
	if strings.TrimSpace(ues[0].Message) == "" {
		t.Fatalf("%s: %s has no message", what, code)
	}
}

func lcNoUE(t *testing.T, what string, ues []lcUserError) {
	t.Helper()
	if ues == nil || len(ues) != 0 {
		t.Fatalf("%s: userErrors %+v, want []", what, ues)
	}
}

func lcAccept(t *testing.T, h *harness, token, name, password string) lcLoginPayload {
	t.Helper()
	var p lcLoginPayload
	lcDo(t, h, "", "staffInviteAccept", map[string]any{"token": token, "displayName": name, "password": password}, lcLoginFields, &p)
	return p
}

// lcLogin signs in with a password and returns the payload (refusals included).
func lcLogin(t *testing.T, h *harness, email, password string) lcLoginPayload {
	t.Helper()
	var p lcLoginPayload
	lcDo(t, h, "", "login", map[string]any{"email": email, "password": password}, lcLoginFields, &p)
	return p
}

func lcRefresh(t *testing.T, h *harness, refresh string) lcLoginPayload {
	t.Helper()
	var p lcLoginPayload
	lcDo(t, h, "", "tokenRefresh", map[string]any{"refreshToken": refresh}, lcLoginFields, &p)
	return p
}

func lcInviteStaff(t *testing.T, h *harness, owner, email, role string) lcInvitePayload {
	t.Helper()
	var p lcInvitePayload
	lcDo(t, h, owner, "staffInvite", map[string]any{"email": email, "staffRole": role}, `invite { `+lcInviteFields+` } inviteToken `+lcUE, &p)
	return p
}

// lcInviteOK invites and fails unless the invitation was made.
func lcInviteOK(t *testing.T, h *harness, owner, email, role string) (lcInvite, string) {
	t.Helper()
	p := lcInviteStaff(t, h, owner, email, role)
	lcNoUE(t, "staffInvite "+email, p.UserErrors)
	if p.Invite == nil || p.InviteToken == nil || *p.InviteToken == "" {
		t.Fatalf("staffInvite %s: %+v", email, p)
	}
	return *p.Invite, *p.InviteToken
}

func lcRevoke(t *testing.T, h *harness, owner, id string) lcInvitePayload {
	t.Helper()
	var p lcInvitePayload
	lcDo(t, h, owner, "staffInviteRevoke", map[string]any{"id": id}, `invite { `+lcInviteFields+` } inviteToken `+lcUE, &p)
	return p
}

func lcInvites(t *testing.T, h *harness, owner string) []lcInvite {
	t.Helper()
	var out []lcInvite
	field(t, ok(t, h.post(t, owner, `{ staffInvites { `+lcInviteFields+` } }`, nil)), "staffInvites", &out)
	return out
}

// lcFindInvite is the owner's store's invitation with the id, from staffInvites.
func lcFindInvite(t *testing.T, h *harness, owner, id string) lcInvite {
	t.Helper()
	for _, i := range lcInvites(t, h, owner) {
		if i.ID == id {
			return i
		}
	}
	t.Fatalf("staffInvites does not list %s", id)
	return lcInvite{}
}

func lcStaff(t *testing.T, h *harness, token string) []lcStaffMember {
	t.Helper()
	var out []lcStaffMember
	field(t, ok(t, h.post(t, token, `{ staff { user { id displayName email } staffRole joinedAt } }`, nil)), "staff", &out)
	return out
}

type lcStaffRemovePayload struct {
	Removed    bool
	UserErrors []lcUserError
}

func lcRemove(t *testing.T, h *harness, owner, userID string) lcStaffRemovePayload {
	t.Helper()
	var p lcStaffRemovePayload
	lcDo(t, h, owner, "staffRemove", map[string]any{"userId": userID}, `removed `+lcUE, &p)
	return p
}

type lcViewer struct {
	ID, Role  string
	StaffRole *string
	Email     *string
	Store     *struct{ ID string }
}

func lcViewerOf(t *testing.T, h *harness, token string) lcViewer {
	t.Helper()
	var v *lcViewer
	field(t, ok(t, h.post(t, token, `{ viewer { id role staffRole email store { id } } }`, nil)), "viewer", &v)
	if v == nil {
		t.Fatal("viewer is null for a token that should work")
	}
	return *v
}

func lcProduct(t *testing.T, h *harness, token, sku, amount, currency string) lcProductPayload {
	t.Helper()
	var p lcProductPayload
	lcDo(t, h, token, "productCreate", map[string]any{"sku": sku, "title": "Product " + sku, "category": "electronics",
		"price": map[string]any{"amount": amount, "currencyCode": currency}}, lcProductFields, &p)
	return p
}

// lcStoreRead reads a store with its history as the caller (anonymous with "").
func lcStoreRead(t *testing.T, h *harness, token, id string) lcStoreView {
	t.Helper()
	var s *lcStoreView
	field(t, ok(t, h.post(t, token, `query($id: ID!) { store(id: $id) { `+lcStoreFields+`
		history { at actor action fromStatus toStatus reason } } }`, map[string]any{"id": id})), "store", &s)
	if s == nil {
		t.Fatalf("store %s is not found", id)
	}
	return *s
}

func lcActions(evs []lcEvent) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.Action
	}
	return out
}

// lcOnboard onboards a store as the admin (electronics, TWD, Asia/Taipei), has its owner accept the
// invitation with demo.Password, and creates two products as the owner.
func lcOnboard(t *testing.T, h *harness, admin string) lcStore {
	t.Helper()
	slug := "lc-" + lcHex(4)
	st := lcStore{Slug: slug, OwnerEmail: "owner@" + slug + ".test"}
	var p struct {
		Store *struct {
			ID, Slug, Status, CurrencyCode, TimeZone string
			ClosesAt, ClosedAt                       *time.Time
		}
		OwnerInvite *lcInvite
		InviteToken *string
		UserErrors  []lcUserError
	}
	lcDo(t, h, admin, "storeCreate", map[string]any{"slug": slug, "name": "Lifecycle " + slug, "category": "electronics",
		"currencyCode": "TWD", "timeZone": "Asia/Taipei", "ownerEmail": st.OwnerEmail},
		`store { id slug status currencyCode timeZone closesAt closedAt } ownerInvite { `+lcInviteFields+` } inviteToken `+lcUE, &p)
	lcNoUE(t, "storeCreate", p.UserErrors)
	if p.Store == nil || p.Store.Slug != slug || p.Store.Status != "ACTIVE" || p.Store.CurrencyCode != "TWD" ||
		p.Store.TimeZone != "Asia/Taipei" || p.Store.ClosesAt != nil || p.Store.ClosedAt != nil {
		t.Fatalf("storeCreate: store %+v", p.Store)
	}
	now := h.Clock.Now()
	if inv := p.OwnerInvite; inv == nil || inv.Email != st.OwnerEmail || inv.StaffRole != "OWNER" || inv.Status != "PENDING" ||
		!inv.CreatedAt.Equal(now) || !inv.ExpiresAt.Equal(now.Add(7*24*time.Hour)) {
		t.Fatalf("storeCreate: owner invite %+v", p.OwnerInvite)
	}
	if p.InviteToken == nil || *p.InviteToken == "" {
		t.Fatal("storeCreate returned no invite token")
	}
	st.ID, st.OwnerInviteID = p.Store.ID, p.OwnerInvite.ID
	st.UUID = isoParseID(t, st.ID, "Store")[0]
	acc := lcAccept(t, h, *p.InviteToken, "Owner of "+slug, demo.Password)
	lcNoUE(t, "staffInviteAccept (owner)", acc.UserErrors)
	if acc.AccessToken == nil || acc.RefreshToken == nil {
		t.Fatalf("staffInviteAccept (owner) returned no tokens: %+v", acc)
	}
	st.Owner, st.OwnerRefresh = *acc.AccessToken, *acc.RefreshToken
	st.OwnerUserID = lcViewerOf(t, h, st.Owner).ID
	for i := 1; i <= 2; i++ {
		pp := lcProduct(t, h, st.Owner, fmt.Sprintf("LC-%d", i), fmt.Sprintf("%d500.00", i), "TWD")
		lcNoUE(t, "productCreate", pp.UserErrors)
		if pp.Product == nil {
			t.Fatal("productCreate returned no product")
		}
		st.Products = append(st.Products, pp.Product.ID)
	}
	return st
}

var lcAddress = map[string]any{"name": "Chen Wei", "phone": "+886 922 000 111", "address": "No. 9, Xinyi Rd, Taipei"}

const lcOrderFields = `order { id number status total { amount currencyCode } } ` + lcUE

type lcOrderPayload struct {
	Order      *lcOrder
	UserErrors []lcUserError
}

func lcTryOrder(t *testing.T, h *harness, buyer string, st lcStore, ship map[string]any) lcOrderPayload {
	t.Helper()
	var p lcOrderPayload
	lcDo(t, h, buyer, "orderCreate", map[string]any{"storeId": st.ID, "paymentMethod": "CARD", "shippingAddress": ship,
		"lines": []any{map[string]any{"productId": st.Products[0], "quantity": 1}}}, lcOrderFields, &p)
	return p
}

func lcNewOrder(t *testing.T, h *harness, buyer string, st lcStore, ship map[string]any) lcOrder {
	t.Helper()
	p := lcTryOrder(t, h, buyer, st, ship)
	if p.Order == nil || len(p.UserErrors) != 0 {
		t.Fatalf("orderCreate in %s: %+v", st.Slug, p.UserErrors)
	}
	return *p.Order
}

// lcOrderStep runs an order mutation that must succeed.
func lcOrderStep(t *testing.T, h *harness, token, mutation string, input map[string]any) lcOrder {
	t.Helper()
	var p lcOrderPayload
	lcDo(t, h, token, mutation, input, lcOrderFields, &p)
	if p.Order == nil || len(p.UserErrors) != 0 {
		t.Fatalf("%s: %+v", mutation, p.UserErrors)
	}
	return *p.Order
}

// lcRunAt runs every deadline due at `at` with a runner of its own (the shared clock stays where it is).
func lcRunAt(t *testing.T, h *harness, at time.Time) {
	t.Helper()
	fake := clock.NewFake(at)
	r := newScheduler(h.App, fake.Now, payments.Recorder{}, slog.New(slog.NewJSONHandler(io.Discard, nil)), nil)
	if _, err := r.RunDue(context.Background()); err != nil {
		t.Fatalf("scheduler at %s: %v", at.Format(time.RFC3339), err)
	}
}

// lcSys runs fn as the schema owner in a transaction with the system context and commits it.
func lcSys(t *testing.T, h *harness, fn func(tx *sqlx.Tx)) {
	t.Helper()
	tx, err := h.Owner.BeginTxx(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.Exec(`select set_config('app.role', 'system', true)`); err != nil {
		t.Fatal(err)
	}
	fn(tx)
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

func lcCount(t *testing.T, h *harness, q string, args ...any) int {
	t.Helper()
	var n int
	lcSys(t, h, func(tx *sqlx.Tx) {
		if err := tx.Get(&n, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	})
	return n
}

// lcFindText lists every "table.column" of schema public whose text (any text-like column, JSON included)
// contains s, case-insensitively, looking with the system context.
func lcFindText(t *testing.T, h *harness, s string) []string {
	t.Helper()
	var hits []string
	lcSys(t, h, func(tx *sqlx.Tx) {
		var cols []struct {
			Table  string `db:"table_name"`
			Column string `db:"column_name"`
		}
		if err := tx.Select(&cols, `select c.table_name, c.column_name from information_schema.columns c
			join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
			where c.table_schema = 'public' and t.table_type = 'BASE TABLE'
			  and (c.data_type in ('text', 'character varying', 'character', 'json', 'jsonb')
			       or (c.data_type = 'ARRAY' and c.udt_name in ('_text', '_varchar', '_bpchar')))
			order by 1, 2`); err != nil {
			t.Fatal(err)
		}
		if len(cols) < 10 {
			t.Fatalf("only %d text columns found in schema public: %+v", len(cols), cols)
		}
		for _, c := range cols {
			var n int
			q := fmt.Sprintf(`select count(*) from public.%s where strpos(lower(%s::text), lower($1)) > 0`,
				pq.QuoteIdentifier(c.Table), pq.QuoteIdentifier(c.Column))
			if err := tx.Get(&n, q, s); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			if n > 0 {
				hits = append(hits, fmt.Sprintf("%s.%s (%d rows)", c.Table, c.Column, n))
			}
		}
	})
	return hits
}

// ---------------------------------------------------------------- onboarding and staff

func TestOnboardStoreAndStaff(t *testing.T) {
	h := setup(t)
	admin := h.login(t, adminEmail)
	st := lcOnboard(t, h, admin)
	now := h.Clock.Now()

	// The accepted invitation's tokens work: the viewer is the OWNER of the new store; signing in works too.
	v := lcViewerOf(t, h, st.Owner)
	if v.Role != "MERCHANT" || v.StaffRole == nil || *v.StaffRole != "OWNER" || v.Store == nil || v.Store.ID != st.ID ||
		v.Email == nil || *v.Email != st.OwnerEmail {
		t.Fatalf("new owner's viewer: %+v", v)
	}
	if got := lcViewerOf(t, h, h.login(t, st.OwnerEmail)); got.ID != v.ID {
		t.Fatalf("the owner signing in with its password is %s, want %s", got.ID, v.ID)
	}
	if r := lcRefresh(t, h, st.OwnerRefresh); r.AccessToken == nil || lcViewerOf(t, h, *r.AccessToken).ID != v.ID {
		t.Fatalf("the owner's refresh token from the invitation: %+v", r.UserErrors)
	}
	if invs := lcInvites(t, h, st.Owner); len(invs) != 1 || invs[0].ID != st.OwnerInviteID || invs[0].Status != "ACCEPTED" {
		t.Fatalf("after the owner joined, staffInvites = %+v", invs)
	}

	// The owner invites an agent; the invitation is listed and fetchable by id.
	agentEmail := "agent@" + st.Slug + ".test"
	inv, agentToken := lcInviteOK(t, h, st.Owner, agentEmail, "AGENT")
	if inv.Email != agentEmail || inv.StaffRole != "AGENT" || inv.Status != "PENDING" || !inv.ExpiresAt.Equal(now.Add(7*24*time.Hour)) {
		t.Fatalf("agent invite: %+v", inv)
	}
	if invs := lcInvites(t, h, st.Owner); len(invs) != 2 || lcFindInvite(t, h, st.Owner, inv.ID).Status != "PENDING" {
		t.Fatalf("staffInvites = %+v", invs)
	}
	var node *struct{ ID, Status string }
	field(t, ok(t, h.post(t, st.Owner, `query($id: ID!) { node(id: $id) { id ... on StaffInvite { status } } }`,
		map[string]any{"id": inv.ID})), "node", &node)
	if node == nil || node.ID != inv.ID || node.Status != "PENDING" {
		t.Fatalf("owner's node(invite) = %+v", node)
	}

	// The agent accepts (anonymously) and is signed in as the store's AGENT; it can also sign in with its password.
	acc := lcAccept(t, h, agentToken, "Agent of "+st.Slug, demo.Password)
	lcNoUE(t, "agent accepts", acc.UserErrors)
	if acc.AccessToken == nil || acc.RefreshToken == nil {
		t.Fatalf("agent accepts: no tokens %+v", acc)
	}
	av := lcViewerOf(t, h, *acc.AccessToken)
	if av.Role != "MERCHANT" || av.StaffRole == nil || *av.StaffRole != "AGENT" || av.Store == nil || av.Store.ID != st.ID {
		t.Fatalf("agent's viewer: %+v", av)
	}
	agent := h.login(t, agentEmail)
	if lcViewerOf(t, h, agent).ID != av.ID {
		t.Fatal("the agent signing in is another account")
	}

	// Both see both, owner first; each sees only its own e-mail.
	for who, tok := range map[string]string{"owner": st.Owner, "agent": agent} {
		staff := lcStaff(t, h, tok)
		if len(staff) != 2 || staff[0].User.ID != v.ID || staff[0].StaffRole != "OWNER" || staff[0].User.DisplayName != "Owner of "+st.Slug ||
			staff[1].User.ID != av.ID || staff[1].StaffRole != "AGENT" || !staff[1].JoinedAt.Equal(now) {
			t.Fatalf("%s's staff: %+v", who, staff)
		}
		self, other := staff[0], staff[1]
		if who == "agent" {
			self, other = other, self
		}
		if self.User.Email == nil || other.User.Email != nil {
			t.Fatalf("%s sees e-mails %v (self) and %v (colleague); want only its own", who, self.User.Email, other.User.Email)
		}
	}

	// An agent does not manage staff.
	isoExpectCode(t, lcMutate(t, h, agent, "staffInvite", map[string]any{"email": "x@" + st.Slug + ".test", "staffRole": "AGENT"},
		`invite { id } inviteToken `+lcUE), "FORBIDDEN", "staffInvite")
	isoExpectCode(t, h.post(t, agent, `{ staffInvites { id } }`, nil), "FORBIDDEN", "staffInvites")
	isoExpectCode(t, lcMutate(t, h, agent, "staffRemove", map[string]any{"userId": v.ID}, `removed `+lcUE), "FORBIDDEN", "staffRemove")
	isoExpectCode(t, lcMutate(t, h, agent, "staffInviteRevoke", map[string]any{"id": inv.ID}, `invite { id } `+lcUE), "FORBIDDEN", "staffInviteRevoke")
	var agentNode *struct{ ID string }
	field(t, ok(t, h.post(t, agent, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": inv.ID})), "node", &agentNode)
	if agentNode != nil {
		t.Fatalf("an agent fetches a StaffInvite by id: %+v", agentNode)
	}

	// An agent creates products, in the store's currency only.
	pp := lcProduct(t, h, agent, "AG-1", "99.50", "TWD")
	lcNoUE(t, "agent productCreate", pp.UserErrors)
	if p := pp.Product; p == nil || p.Sku != "AG-1" || p.Status != "ACTIVE" || p.Store.ID != st.ID ||
		p.Price.Amount != "99.50" || p.Price.CurrencyCode != "TWD" {
		t.Fatalf("agent's product: %+v", pp.Product)
	}
	pp = lcProduct(t, h, agent, "AG-2", "99.50", "USD")
	if pp.Product != nil {
		t.Fatalf("a USD product was created in a TWD store: %+v", pp.Product)
	}
	lcWantUE(t, "productCreate in USD", pp.UserErrors, "CURRENCY_MISMATCH", "input", "price", "currencyCode")
	if n := lcCount(t, h, `select count(*) from products where tenant_id = $1 and sku = 'AG-2'`, st.UUID); n != 0 {
		t.Fatalf("the refused product exists (%d rows)", n)
	}

	t.Run("an invitation is accepted once", func(t *testing.T) {
		again := lcAccept(t, h, agentToken, "Someone else", "another-good-password")
		if again.AccessToken != nil || again.RefreshToken != nil {
			t.Fatal("a spent invitation signed someone in")
		}
		lcWantUE(t, "accept twice", again.UserErrors, "INVITE_INVALID", "input", "token")
		bogus := lcAccept(t, h, "tgi_"+strings.Repeat("0", 32)+"_"+lcHex(24), "Nobody", demo.Password)
		lcWantUE(t, "accept a made-up token", bogus.UserErrors, "INVITE_INVALID", "input", "token")
		if p := lcRevoke(t, h, st.Owner, inv.ID); p.Invite != nil {
			t.Fatalf("revoked an accepted invitation: %+v", p.Invite)
		} else {
			lcWantUE(t, "revoke an accepted invitation", p.UserErrors, "INVITE_ALREADY_ACCEPTED", "input", "id")
		}
	})

	t.Run("weak password, then revoked", func(t *testing.T) {
		email := "temp@" + st.Slug + ".test"
		tmp, tok := lcInviteOK(t, h, st.Owner, email, "AGENT")
		for _, pw := range []string{"short", "123456789"} { // at least 10 characters
			weak := lcAccept(t, h, tok, "Temp", pw)
			if weak.AccessToken != nil {
				t.Fatalf("accepted with password %q", pw)
			}
			lcWantUE(t, "weak password", weak.UserErrors, "WEAK_PASSWORD", "input", "password")
		}
		if got := lcFindInvite(t, h, st.Owner, tmp.ID); got.Status != "PENDING" {
			t.Fatalf("after a weak password the invitation is %+v, want still PENDING", got)
		}
		rp := lcRevoke(t, h, st.Owner, tmp.ID)
		lcNoUE(t, "staffInviteRevoke", rp.UserErrors)
		if rp.Invite == nil || rp.Invite.ID != tmp.ID || rp.Invite.Status != "REVOKED" || rp.InviteToken != nil {
			t.Fatalf("staffInviteRevoke: %+v", rp)
		}
		late := lcAccept(t, h, tok, "Temp", demo.Password)
		if late.AccessToken != nil {
			t.Fatal("a revoked invitation was accepted")
		}
		lcWantUE(t, "accept a revoked invitation", late.UserErrors, "INVITE_INVALID", "input", "token")
		if p := lcLogin(t, h, email, demo.Password); p.AccessToken != nil {
			t.Fatal("an account was made from a revoked invitation")
		}
		if rp := lcRevoke(t, h, st.Owner, tmp.ID); len(rp.UserErrors) != 0 || rp.Invite == nil || rp.Invite.Status != "REVOKED" {
			t.Fatalf("revoking twice: %+v", rp)
		}
	})

	t.Run("staffInvite refusals", func(t *testing.T) {
		cases := []struct {
			email, role, code string
			path              []string
		}{
			{"not-an-email", "AGENT", "INVALID_EMAIL", []string{"input", "email"}},
			{st.OwnerEmail, "AGENT", "ALREADY_STAFF", []string{"input", "email"}},
			{strings.ToUpper(agentEmail), "OWNER", "ALREADY_STAFF", []string{"input", "email"}},
			{"api@" + st.Slug + ".test", "API", "INVALID_ROLE", []string{"input", "staffRole"}},
		}
		for _, c := range cases {
			p := lcInviteStaff(t, h, st.Owner, c.email, c.role)
			if p.Invite != nil || p.InviteToken != nil {
				t.Errorf("staffInvite %s as %s was made: %+v", c.email, c.role, p.Invite)
				continue
			}
			if len(p.UserErrors) != 1 || p.UserErrors[0].Code != c.code || !slices.Equal(p.UserErrors[0].Field, c.path) {
				t.Errorf("staffInvite %s as %s: userErrors %+v, want one %s at %v", c.email, c.role, p.UserErrors, c.code, c.path)
			}
		}
		// A new invitation for the same e-mail replaces the pending one.
		email := "twice@" + st.Slug + ".test"
		first, firstTok := lcInviteOK(t, h, st.Owner, email, "AGENT")
		second, _ := lcInviteOK(t, h, st.Owner, email, "OWNER")
		status := map[string]string{}
		for _, i := range lcInvites(t, h, st.Owner) {
			status[i.ID] = i.Status
		}
		if status[first.ID] != "REVOKED" || status[second.ID] != "PENDING" {
			t.Fatalf("after inviting %s twice: first %s, second %s", email, status[first.ID], status[second.ID])
		}
		lcWantUE(t, "accept a replaced invitation", lcAccept(t, h, firstTok, "Twice", demo.Password).UserErrors, "INVITE_INVALID", "input", "token")
		lcRevoke(t, h, st.Owner, second.ID)
	})

	t.Run("removing the agent ends its sign-ins", func(t *testing.T) {
		rp := lcRemove(t, h, st.Owner, av.ID)
		lcNoUE(t, "staffRemove", rp.UserErrors)
		if !rp.Removed {
			t.Fatal("staffRemove: removed = false")
		}
		r := lcRefresh(t, h, *acc.RefreshToken)
		if r.AccessToken != nil {
			t.Fatal("a removed agent refreshed its sign-in")
		}
		lcWantUE(t, "refresh after removal", r.UserErrors, "REFRESH_TOKEN_INVALID", "input", "refreshToken")
		l := lcLogin(t, h, agentEmail, demo.Password)
		if l.AccessToken != nil {
			t.Fatal("a removed agent signed in")
		}
		if len(l.UserErrors) != 1 || l.UserErrors[0].Code != "INVALID_CREDENTIALS" {
			t.Fatalf("sign-in after removal: %+v", l.UserErrors)
		}
		if staff := lcStaff(t, h, st.Owner); len(staff) != 1 || staff[0].User.ID != v.ID {
			t.Fatalf("staff after removal: %+v", staff)
		}
		isoExpectCode(t, lcMutate(t, h, st.Owner, "staffRemove", map[string]any{"userId": av.ID}, `removed `+lcUE), "NOT_FOUND", "staffRemove")
	})

	t.Run("the last owner stays", func(t *testing.T) {
		rp := lcRemove(t, h, st.Owner, v.ID)
		if rp.Removed {
			t.Fatal("the store's only owner was removed")
		}
		lcWantUE(t, "remove the last owner", rp.UserErrors, "LAST_OWNER", "input", "userId")
		if staff := lcStaff(t, h, st.Owner); len(staff) != 1 || staff[0].StaffRole != "OWNER" {
			t.Fatalf("staff after LAST_OWNER: %+v", staff)
		}
	})

	t.Run("history", func(t *testing.T) {
		got := lcActions(lcStoreRead(t, h, st.Owner, st.ID).History)
		for _, want := range [][]string{
			{"STORE_CREATED", "STAFF_INVITED", "STAFF_JOINED", "STAFF_INVITED", "STAFF_JOINED"},
			{"STAFF_INVITE_REVOKED", "STAFF_REMOVED"},
		} {
			i := 0
			for _, a := range got {
				if i < len(want) && a == want[i] {
					i++
				}
			}
			if i != len(want) {
				t.Fatalf("history %v does not contain %v in order", got, want)
			}
		}
		if got[0] != "STORE_CREATED" {
			t.Fatalf("history starts with %s", got[0])
		}
		if len(lcStoreRead(t, h, admin, st.ID).History) != len(got) {
			t.Fatal("admin sees another history than the owner")
		}
	})
}

func TestOnboardStoreCreateRefusals(t *testing.T) {
	h := setup(t)
	admin := h.login(t, adminEmail)
	slug := "lc-new-" + lcHex(4)
	base := func() map[string]any {
		return map[string]any{"slug": slug, "name": "New store", "category": "electronics", "currencyCode": "TWD",
			"timeZone": "Asia/Taipei", "ownerEmail": "owner@" + slug + ".test"}
	}
	type payload struct {
		Store       *struct{ ID string }
		OwnerInvite *struct{ ID string }
		InviteToken *string
		UserErrors  []lcUserError
	}
	const sel = `store { id } ownerInvite { id } inviteToken ` + lcUE
	create := func(t *testing.T, token string, in map[string]any) payload {
		t.Helper()
		var p payload
		lcDo(t, h, token, "storeCreate", in, sel, &p)
		if len(p.UserErrors) > 0 && (p.Store != nil || p.OwnerInvite != nil || p.InviteToken != nil) {
			t.Fatalf("a refused storeCreate returned a store or an invitation: %+v", p)
		}
		return p
	}
	type ue struct{ code, field string }
	got := func(p payload) []ue {
		out := []ue{}
		for _, e := range p.UserErrors {
			out = append(out, ue{e.Code, strings.Join(e.Field, ".")})
		}
		slices.SortFunc(out, func(a, b ue) int { return strings.Compare(a.code+a.field, b.code+b.field) })
		return out
	}
	sorted := func(us ...ue) []ue {
		slices.SortFunc(us, func(a, b ue) int { return strings.Compare(a.code+a.field, b.code+b.field) })
		return us
	}

	t.Run("each refusal with its field", func(t *testing.T) {
		cases := []struct {
			key string
			val any
			ue
		}{
			{"slug", "Not A Slug!", ue{"INVALID_SLUG", "input.slug"}},
			{"slug", "-x", ue{"INVALID_SLUG", "input.slug"}},
			{"slug", "lotus-electronics", ue{"SLUG_TAKEN", "input.slug"}},
			{"name", "  ", ue{"INVALID_NAME", "input.name"}},
			{"name", strings.Repeat("n", 201), ue{"INVALID_NAME", "input.name"}},
			{"category", "spaceships", ue{"UNKNOWN_CATEGORY", "input.category"}},
			{"category", "", ue{"UNKNOWN_CATEGORY", "input.category"}},
			{"currencyCode", "twd", ue{"INVALID_CURRENCY", "input.currencyCode"}},
			{"timeZone", "Mars/Olympus_Mons", ue{"INVALID_TIME_ZONE", "input.timeZone"}},
			{"timeZone", "Local", ue{"INVALID_TIME_ZONE", "input.timeZone"}},
			{"ownerEmail", "nobody", ue{"INVALID_EMAIL", "input.ownerEmail"}},
			{"ownerEmail", strings.ToUpper(buyer1), ue{"EMAIL_IN_USE", "input.ownerEmail"}},
		}
		for _, c := range cases {
			in := base()
			in[c.key] = c.val
			if g := got(create(t, admin, in)); !slices.Equal(g, []ue{c.ue}) {
				t.Errorf("storeCreate with %s = %.40q: userErrors %v, want [%v]", c.key, fmt.Sprint(c.val), g, c.ue)
			}
		}
	})

	t.Run("a wholly bad input gets every refusal at once", func(t *testing.T) {
		p := create(t, admin, map[string]any{"slug": "Not A Slug!", "name": "", "category": "", "currencyCode": "tw",
			"timeZone": "Mars/Olympus_Mons", "ownerEmail": "nobody"})
		want := sorted(ue{"INVALID_SLUG", "input.slug"}, ue{"INVALID_NAME", "input.name"}, ue{"UNKNOWN_CATEGORY", "input.category"},
			ue{"INVALID_CURRENCY", "input.currencyCode"}, ue{"INVALID_TIME_ZONE", "input.timeZone"}, ue{"INVALID_EMAIL", "input.ownerEmail"})
		if g := got(p); !slices.Equal(g, want) {
			t.Errorf("userErrors %v, want %v", g, want)
		}
		in := base()
		in["slug"], in["category"], in["ownerEmail"] = "maple-apparel", "spaceships", buyer2
		want = sorted(ue{"SLUG_TAKEN", "input.slug"}, ue{"UNKNOWN_CATEGORY", "input.category"}, ue{"EMAIL_IN_USE", "input.ownerEmail"})
		if g := got(create(t, admin, in)); !slices.Equal(g, want) {
			t.Errorf("taken slug, unknown category, e-mail in use: userErrors %v, want %v", g, want)
		}
	})

	if n := lcCount(t, h, `select count(*) from stores where slug = $1`, slug); n != 0 {
		t.Fatalf("refusals created the store %s", slug)
	}

	t.Run("only admins onboard stores", func(t *testing.T) {
		st := lcOnboard(t, h, admin)
		_, tok := lcInviteOK(t, h, st.Owner, "agent@"+st.Slug+".test", "AGENT")
		agent := *lcAccept(t, h, tok, "Agent", demo.Password).AccessToken
		_, partner := isoCreateToken(t, h, st.Owner, "erp", "CATALOG_READ", "CATALOG_WRITE", "ORDERS_READ", "ORDERS_WRITE")
		for who, tok := range map[string]string{"owner": st.Owner, "agent": agent, "partner": partner, "buyer": h.login(t, lcDemoBuyer)} {
			if r := lcMutate(t, h, tok, "storeCreate", base(), sel); r.code() != "FORBIDDEN" || !isoIsNull(r, "storeCreate") {
				t.Errorf("%s storeCreate: %q %+v %s", who, r.code(), r.Errors, r.Data["storeCreate"])
			}
		}
		isoExpectCode(t, lcMutate(t, h, "", "storeCreate", base(), sel), "UNAUTHENTICATED", "storeCreate")
		if n := lcCount(t, h, `select count(*) from stores where slug = $1`, slug); n != 0 {
			t.Fatalf("a refused caller created the store %s", slug)
		}
		// The same input is accepted from the admin.
		if p := create(t, admin, base()); p.Store == nil || p.InviteToken == nil || len(p.UserErrors) != 0 {
			t.Fatalf("admin storeCreate: %+v", p)
		}
		if g := got(create(t, admin, base())); !slices.Equal(g, []ue{{"SLUG_TAKEN", "input.slug"}}) {
			t.Fatalf("onboarding the same slug twice: %v", g)
		}
	})
}

// ---------------------------------------------------------------- closing a store

func TestStoreClosingLifecycle(t *testing.T) {
	h := setup(t)
	admin := h.login(t, adminEmail)
	st := lcOnboard(t, h, admin)
	buyer := h.login(t, lcDemoBuyer)
	now := h.Clock.Now()

	// A pending invitation made while the store is open.
	_, lateToken := lcInviteOK(t, h, st.Owner, "late@"+st.Slug+".test", "AGENT")

	// An unfinished order blocks closing, and is named.
	o := lcNewOrder(t, h, buyer, st, lcAddress)
	var p lcClosePayload
	lcDo(t, h, st.Owner, "storeCloseRequest", map[string]any{}, lcCloseFields, &p)
	if p.Store != nil {
		t.Fatalf("refused close request returned the store: %+v", p.Store)
	}
	lcWantUE(t, "close with an open order", p.UserErrors, "STORE_HAS_OPEN_BUSINESS")
	if len(p.Blockers) != 1 || p.Blockers[0].Kind != "ORDER" || p.Blockers[0].Label != o.Number ||
		p.Blockers[0].ID == nil || *p.Blockers[0].ID != o.ID || p.Blockers[0].Status == nil || *p.Blockers[0].Status != "PENDING_PAYMENT" {
		t.Fatalf("blockers %+v, want order %s (%s)", p.Blockers, o.Number, o.ID)
	}
	if s := lcStoreRead(t, h, "", st.ID); s.Status != "ACTIVE" || s.ClosesAt != nil {
		t.Fatalf("after a refused close request the store is %s, closesAt %v", s.Status, s.ClosesAt)
	}

	// Once the buyer cancels it, the request is accepted.
	if c := lcOrderStep(t, h, buyer, "orderCancel", map[string]any{"orderId": o.ID}); c.Status != "CANCELLED" {
		t.Fatalf("buyer cancels: %s", c.Status)
	}
	closesAt := now.Add(48 * time.Hour)
	request := func(t *testing.T) {
		t.Helper()
		var p lcClosePayload
		lcDo(t, h, st.Owner, "storeCloseRequest", map[string]any{}, lcCloseFields, &p)
		lcNoUE(t, "storeCloseRequest", p.UserErrors)
		if p.Store == nil || p.Store.Status != "CLOSING" || p.Store.ClosesAt == nil || !p.Store.ClosesAt.Equal(closesAt) ||
			p.Blockers == nil || len(p.Blockers) != 0 {
			t.Fatalf("accepted close request: %+v", p)
		}
	}
	request(t)
	if s := lcStoreRead(t, h, "", st.ID); s.Status != "CLOSING" || s.ClosesAt == nil || !s.ClosesAt.Equal(closesAt) || s.ClosedAt != nil {
		t.Fatalf("a closing store as anyone sees it: %+v", s)
	}
	if r := lcTryOrder(t, h, buyer, st, lcAddress); r.Order != nil {
		t.Fatalf("a CLOSING store took order %s", r.Order.Number)
	} else {
		lcWantUE(t, "order in a CLOSING store", r.UserErrors, "STORE_NOT_ACCEPTING_ORDERS", "input", "storeId")
	}
	lcDo(t, h, st.Owner, "storeCloseRequest", map[string]any{}, lcCloseFields, &p)
	lcWantUE(t, "request twice", p.UserErrors, "STORE_NOT_ACTIVE")

	// Withdrawn: ACTIVE again, and it takes orders.
	lcDo(t, h, st.Owner, "storeCloseWithdraw", map[string]any{}, lcCloseFields, &p)
	lcNoUE(t, "storeCloseWithdraw", p.UserErrors)
	if p.Store == nil || p.Store.Status != "ACTIVE" || p.Store.ClosesAt != nil {
		t.Fatalf("withdrawn: %+v", p.Store)
	}
	lcDo(t, h, st.Owner, "storeCloseWithdraw", map[string]any{}, lcCloseFields, &p)
	lcWantUE(t, "withdraw twice", p.UserErrors, "STORE_NOT_CLOSING")
	o2 := lcNewOrder(t, h, buyer, st, lcAddress)
	lcOrderStep(t, h, buyer, "orderCancel", map[string]any{"orderId": o2.ID})

	// Requested again; the scheduler closes it exactly at closesAt, once.
	request(t)
	lcRunAt(t, h, closesAt.Add(-time.Second))
	if s := lcStoreRead(t, h, "", st.ID); s.Status != "CLOSING" || s.ClosedAt != nil {
		t.Fatalf("one second before closesAt the store is %s", s.Status)
	}
	lcRunAt(t, h, closesAt)
	closedEvents := func() []lcEvent {
		var out []lcEvent
		for _, e := range lcStoreRead(t, h, st.Owner, st.ID).History {
			if e.Action == "CLOSED" {
				out = append(out, e)
			}
		}
		return out
	}
	s := lcStoreRead(t, h, "", st.ID)
	if s.Status != "CLOSED" || s.ClosedAt == nil || !s.ClosedAt.Equal(closesAt) {
		t.Fatalf("at closesAt the store is %s, closedAt %v (want CLOSED at %s)", s.Status, s.ClosedAt, closesAt)
	}
	if evs := closedEvents(); len(evs) != 1 || evs[0].Actor != "SYSTEM" || evs[0].FromStatus == nil || *evs[0].FromStatus != "CLOSING" ||
		evs[0].ToStatus == nil || *evs[0].ToStatus != "CLOSED" || !evs[0].At.Equal(closesAt) {
		t.Fatalf("CLOSED events: %+v", evs)
	}
	lcRunAt(t, h, closesAt)
	lcRunAt(t, h, closesAt.Add(time.Hour))
	if evs := closedEvents(); len(evs) != 1 {
		t.Fatalf("after running the scheduler again: %d CLOSED events", len(evs))
	}
	if s2 := lcStoreRead(t, h, "", st.ID); s2.Status != "CLOSED" || !s2.ClosedAt.Equal(closesAt) {
		t.Fatalf("after running the scheduler again: %+v", s2)
	}
	want := []string{"CLOSE_REQUESTED", "CLOSE_WITHDRAWN", "CLOSE_REQUESTED", "CLOSED"}
	var tail []string
	for _, a := range lcActions(lcStoreRead(t, h, st.Owner, st.ID).History) {
		if strings.HasPrefix(a, "CLOSE") {
			tail = append(tail, a)
		}
	}
	if !slices.Equal(tail, want) {
		t.Fatalf("closing history %v, want %v", tail, want)
	}

	t.Run("a closed store takes nothing new", func(t *testing.T) {
		pp := lcProduct(t, h, st.Owner, "AFTER-CLOSE", "10.00", "TWD")
		if pp.Product != nil {
			t.Fatal("a closed store took a product")
		}
		lcWantUE(t, "productCreate when closed", pp.UserErrors, "STORE_CLOSED")
		ip := lcInviteStaff(t, h, st.Owner, "new@"+st.Slug+".test", "AGENT")
		if ip.Invite != nil || ip.InviteToken != nil {
			t.Fatal("a closed store invited staff")
		}
		lcWantUE(t, "staffInvite when closed", ip.UserErrors, "STORE_CLOSED")
		acc := lcAccept(t, h, lateToken, "Late", demo.Password)
		if acc.AccessToken != nil {
			t.Fatal("an invitation to a closed store was accepted")
		}
		lcWantUE(t, "accept an invitation of a closed store", acc.UserErrors, "STORE_CLOSED")
		if r := lcTryOrder(t, h, buyer, st, lcAddress); r.Order != nil {
			t.Fatal("a closed store took an order")
		} else {
			lcWantUE(t, "order in a CLOSED store", r.UserErrors, "STORE_NOT_ACCEPTING_ORDERS", "input", "storeId")
		}
		var p lcClosePayload
		lcDo(t, h, st.Owner, "storeCloseWithdraw", map[string]any{}, lcCloseFields, &p)
		lcWantUE(t, "withdraw when closed", p.UserErrors, "STORE_NOT_CLOSING")
		lcDo(t, h, st.Owner, "storeCloseRequest", map[string]any{}, lcCloseFields, &p)
		lcWantUE(t, "request when closed", p.UserErrors, "STORE_NOT_ACTIVE")
	})

	t.Run("its staff keep reading its records", func(t *testing.T) {
		owner := h.login(t, st.OwnerEmail)
		var c struct {
			TotalCount int
			Nodes      []struct{ ID, Number, Status string }
		}
		field(t, ok(t, h.post(t, owner, `{ orders(first: 10) { totalCount nodes { id number status } } }`, nil)), "orders", &c)
		if c.TotalCount != 2 || len(c.Nodes) != 2 {
			t.Fatalf("the closed store's owner sees %d orders, want 2", c.TotalCount)
		}
		var one *struct{ Number, Status string }
		field(t, ok(t, h.post(t, owner, `query($id: ID!) { order(id: $id) { number status } }`, map[string]any{"id": o.ID})), "order", &one)
		if one == nil || one.Number != o.Number || one.Status != "CANCELLED" {
			t.Fatalf("the closed store's owner reads order %s: %+v", o.Number, one)
		}
		if staff := lcStaff(t, h, owner); len(staff) != 1 {
			t.Fatalf("staff of the closed store: %+v", staff)
		}
		if v := lcViewerOf(t, h, owner); v.Store == nil || v.Store.ID != st.ID {
			t.Fatalf("viewer of the closed store's owner: %+v", v)
		}
	})
}

// ---------------------------------------------------------------- deleting a buyer account

func TestAccountDeletionLifecycle(t *testing.T) {
	h := setup(t)
	admin := h.login(t, adminEmail)
	st := lcOnboard(t, h, admin)
	now := h.Clock.Now()

	// A buyer of this test's own, with personal data that appears nowhere else.
	tag := lcHex(6)
	email := "del-" + tag + "@example.test"
	name := "Delia Quist " + tag
	ship := map[string]any{"name": "Shipto Quist " + tag, "phone": "+886 9" + lcDigits(8),
		"address": "No. 77, Lane " + tag + ", Daan District, Taipei"}
	userID := uuid.New()
	hash, err := tenants.HashPassword(demo.Password)
	if err != nil {
		t.Fatal(err)
	}
	lcSys(t, h, func(tx *sqlx.Tx) {
		if _, err := tx.Exec(`insert into users (id, email, password_hash, display_name, role, status, created_at)
			values ($1, $2, $3, $4, 'BUYER', 'ACTIVE', $5)`, userID, email, hash, name, now.AddDate(0, -2, 0)); err != nil {
			t.Fatal(err)
		}
	})
	personal := []string{email, name, ship["name"].(string), ship["phone"].(string), ship["address"].(string)}
	buyer := h.login(t, email)

	// Two unfinished orders block the deletion, and are named.
	a := lcNewOrder(t, h, buyer, st, ship)
	b := lcNewOrder(t, h, buyer, st, ship)
	lcOrderStep(t, h, buyer, "orderPay", map[string]any{"orderId": b.ID, "idempotencyKey": "pay-" + b.ID})
	var p lcDeletePayload
	lcDo(t, h, buyer, "accountDeleteRequest", map[string]any{}, lcDeleteFields, &p)
	lcWantUE(t, "delete with open orders", p.UserErrors, "ACCOUNT_HAS_OPEN_BUSINESS")
	if p.DeletesAt != nil {
		t.Fatalf("a refused deletion has deletesAt %v", p.DeletesAt)
	}
	got := map[string]string{}
	for _, bl := range p.Blockers {
		if bl.Kind != "ORDER" || bl.ID == nil || bl.Status == nil {
			t.Fatalf("blocker %+v", bl)
		}
		got[*bl.ID] = bl.Label + " " + *bl.Status
	}
	if len(p.Blockers) != 2 || got[a.ID] != a.Number+" PENDING_PAYMENT" || got[b.ID] != b.Number+" PAID" {
		t.Fatalf("blockers %+v, want %s (PENDING_PAYMENT) and %s (PAID)", p.Blockers, a.Number, b.Number)
	}

	// Cancel one, complete the other; then the request is accepted.
	lcOrderStep(t, h, buyer, "orderCancel", map[string]any{"orderId": a.ID})
	lcOrderStep(t, h, st.Owner, "orderShip", map[string]any{"orderId": b.ID, "carrier": "Black Cat", "trackingNumber": "BC-" + tag})
	lcOrderStep(t, h, st.Owner, "orderMarkDelivered", map[string]any{"orderId": b.ID})
	if o := lcOrderStep(t, h, buyer, "orderConfirmReceipt", map[string]any{"orderId": b.ID}); o.Status != "COMPLETED" {
		t.Fatalf("order b is %s", o.Status)
	}
	deletesAt := now.Add(48 * time.Hour)
	requestDeletion := func(t *testing.T) {
		t.Helper()
		var p lcDeletePayload
		lcDo(t, h, buyer, "accountDeleteRequest", map[string]any{}, lcDeleteFields, &p)
		lcNoUE(t, "accountDeleteRequest", p.UserErrors)
		if p.DeletesAt == nil || !p.DeletesAt.Equal(deletesAt) || p.Blockers == nil || len(p.Blockers) != 0 {
			t.Fatalf("accepted deletion: %+v, want deletesAt %s", p, deletesAt)
		}
	}
	requestDeletion(t)
	lcDo(t, h, buyer, "accountDeleteRequest", map[string]any{}, lcDeleteFields, &p)
	lcWantUE(t, "request twice", p.UserErrors, "DELETION_ALREADY_REQUESTED")

	// Withdrawn, then requested again.
	lcDo(t, h, buyer, "accountDeleteWithdraw", map[string]any{}, lcDeleteFields, &p)
	lcNoUE(t, "accountDeleteWithdraw", p.UserErrors)
	if p.DeletesAt != nil {
		t.Fatalf("withdrawn, deletesAt %v", p.DeletesAt)
	}
	lcDo(t, h, buyer, "accountDeleteWithdraw", map[string]any{}, lcDeleteFields, &p)
	lcWantUE(t, "withdraw twice", p.UserErrors, "DELETION_NOT_REQUESTED")
	requestDeletion(t)

	// The search does find the personal data while the account lives.
	for _, s := range personal {
		if hits := lcFindText(t, h, s); len(hits) == 0 {
			t.Fatalf("the search finds no %q before deletion; it would prove nothing after", s)
		}
	}
	readOrder := func(id string) *lcAdminOrder {
		var o *lcAdminOrder
		field(t, ok(t, h.post(t, admin, `query($id: ID!) { order(id: $id) { number status total { amount currencyCode }
			paid { amount currencyCode } buyer { id displayName } shippingAddress { name phone address } } }`,
			map[string]any{"id": id})), "order", &o)
		return o
	}
	beforeA, beforeB := readOrder(a.ID), readOrder(b.ID)

	// One second before: still an account. At deletesAt: anonymized.
	lcRunAt(t, h, deletesAt.Add(-time.Second))
	if l := lcLogin(t, h, email, demo.Password); l.AccessToken == nil {
		t.Fatalf("one second before deletesAt the buyer cannot sign in: %+v", l.UserErrors)
	}
	lcRunAt(t, h, deletesAt)
	l := lcLogin(t, h, email, demo.Password)
	if l.AccessToken != nil {
		t.Fatal("a deleted account signed in")
	}
	if len(l.UserErrors) != 1 || l.UserErrors[0].Code != "INVALID_CREDENTIALS" {
		t.Fatalf("sign-in of a deleted account: %+v", l.UserErrors)
	}
	for _, s := range personal {
		if hits := lcFindText(t, h, s); len(hits) > 0 {
			t.Errorf("after deletion %q is still in %v", s, hits)
		}
	}
	// The orders stay, with their amounts.
	for _, c := range []struct {
		id     string
		before *lcAdminOrder
	}{{a.ID, beforeA}, {b.ID, beforeB}} {
		o := readOrder(c.id)
		if o == nil {
			t.Fatalf("order %s is gone after the account's deletion", c.before.Number)
		}
		if o.Number != c.before.Number || o.Status != c.before.Status || o.Total != c.before.Total || o.Paid != c.before.Paid ||
			o.Buyer.ID != c.before.Buyer.ID {
			t.Errorf("order after deletion %+v, before %+v", *o, *c.before)
		}
		if o.Buyer.DisplayName == name || o.ShippingAddress.Name == ship["name"] || o.ShippingAddress.Phone == ship["phone"] ||
			o.ShippingAddress.Address == ship["address"] {
			t.Errorf("order %s still shows personal data: %+v", o.Number, *o)
		}
	}
	if beforeB.Status != "COMPLETED" || beforeB.Paid.Amount != beforeB.Total.Amount || beforeA.Status != "CANCELLED" {
		t.Errorf("orders before deletion: a %+v, b %+v", *beforeA, *beforeB)
	}
	// Running again changes nothing.
	lcRunAt(t, h, deletesAt)
	if n := lcCount(t, h, `select count(*) from account_events where user_id = $1 and action = 'DELETED'`, userID); n != 1 {
		t.Fatalf("%d DELETED events for the account", n)
	}
	if n := lcCount(t, h, `select count(*) from orders where buyer_id = $1`, userID); n != 2 {
		t.Fatalf("the deleted account has %d orders, want 2", n)
	}
}

// ---------------------------------------------------------------- isolation and roles

func TestLifecycleIsolation(t *testing.T) {
	h := setup(t)
	admin := h.login(t, adminEmail)
	a, b := lcOnboard(t, h, admin), lcOnboard(t, h, admin)
	aInv, _ := lcInviteOK(t, h, a.Owner, "pending@"+a.Slug+".test", "AGENT")
	bPending, _ := lcInviteOK(t, h, b.Owner, "pending@"+b.Slug+".test", "AGENT")
	bAgentInv, bAgentTok := lcInviteOK(t, h, b.Owner, "agent@"+b.Slug+".test", "AGENT")
	bAgentAcc := lcAccept(t, h, bAgentTok, "Agent of "+b.Slug, demo.Password)
	if bAgentAcc.AccessToken == nil {
		t.Fatalf("b's agent: %+v", bAgentAcc.UserErrors)
	}
	bAgent := *bAgentAcc.AccessToken
	bAgentID := lcViewerOf(t, h, bAgent).ID

	// sameAsMissing checks that a.Owner gets, byte for byte, the answer it gets for a well-formed missing id.
	sameAsMissing := func(t *testing.T, query, missing string, others []string, vars func(id string) map[string]any) []byte {
		t.Helper()
		_, want := isoPostRaw(t, h, a.Owner, query, vars(missing))
		for _, id := range others {
			if _, got := isoPostRaw(t, h, a.Owner, query, vars(id)); string(got) != string(want) {
				t.Errorf("another store's id %s answers\n%s\nbut a missing id answers\n%s", id, got, want)
			}
		}
		return want
	}
	input := func(key string) func(string) map[string]any {
		return func(id string) map[string]any { return map[string]any{"i": map[string]any{key: id}} }
	}
	wantCode := func(t *testing.T, raw []byte, code string) {
		t.Helper()
		var r gqlResponse
		if err := json.Unmarshal(raw, &r); err != nil {
			t.Fatal(err)
		}
		if r.code() != code {
			t.Fatalf("want %s, got %s", code, raw)
		}
	}

	t.Run("staffInviteRevoke of another store's invitation", func(t *testing.T) {
		q := `mutation($i: StaffInviteRevokeInput!) { staffInviteRevoke(input: $i) { invite { id status } ` + lcUE + ` } }`
		want := sameAsMissing(t, q, isoGlobalID("StaffInvite", a.UUID, uuid.New()),
			[]string{bPending.ID, bAgentInv.ID, b.OwnerInviteID, isoGlobalID("StaffInvite", uuid.New(), uuid.New()),
				// b's invitation id dressed up as one of a's store
				isoGlobalID("StaffInvite", a.UUID, isoParseID(t, bPending.ID, "StaffInvite")[1])},
			input("id"))
		wantCode(t, want, "NOT_FOUND")
		for _, i := range lcInvites(t, h, b.Owner) {
			if i.ID == bPending.ID && i.Status != "PENDING" {
				t.Fatalf("b's invitation is %s after a's owner tried to revoke it", i.Status)
			}
		}
	})

	t.Run("staffRemove of another store's staff", func(t *testing.T) {
		q := `mutation($i: StaffRemoveInput!) { staffRemove(input: $i) { removed ` + lcUE + ` } }`
		buyerID := lcViewerOf(t, h, h.login(t, lcDemoBuyer)).ID
		want := sameAsMissing(t, q, isoGlobalID("User", uuid.New()), []string{b.OwnerUserID, bAgentID, buyerID}, input("userId"))
		wantCode(t, want, "NOT_FOUND")
		if staff := lcStaff(t, h, b.Owner); len(staff) != 2 {
			t.Fatalf("b's staff after a's owner tried to remove them: %+v", staff)
		}
		if l := lcLogin(t, h, "agent@"+b.Slug+".test", demo.Password); l.AccessToken == nil {
			t.Fatalf("b's agent cannot sign in any more: %+v", l.UserErrors)
		}
	})

	t.Run("node of another store's invitation", func(t *testing.T) {
		q := `query($id: ID!) { node(id: $id) { id ... on StaffInvite { email status } } }`
		vars := func(id string) map[string]any { return map[string]any{"id": id} }
		want := sameAsMissing(t, q, isoGlobalID("StaffInvite", a.UUID, uuid.New()),
			[]string{bPending.ID, bAgentInv.ID, isoGlobalID("StaffInvite", uuid.New(), uuid.New()),
				isoGlobalID("StaffInvite", a.UUID, isoParseID(t, bPending.ID, "StaffInvite")[1])}, vars)
		// The whole answers are compared above, extensions.cost included: what a request cost does not
		// tell a foreign row from a missing one either.
		var r gqlResponse
		if err := json.Unmarshal(want, &r); err != nil || len(r.Errors) > 0 || string(r.Data["node"]) != "null" {
			t.Fatalf("node(missing id) answers %s, want null", want)
		}
		// The owners see their own.
		for _, c := range []struct{ tok, id string }{{a.Owner, aInv.ID}, {b.Owner, bPending.ID}} {
			if isoIsNull(ok(t, h.post(t, c.tok, q, vars(c.id))), "node") {
				t.Fatalf("an owner cannot fetch its own store's invitation %s", c.id)
			}
		}
		// Nobody else but the platform: b's agent, a buyer, anonymous.
		for who, tok := range map[string]string{"b's agent": bAgent, "buyer": h.login(t, lcDemoBuyer), "anonymous": ""} {
			if r := h.post(t, tok, q, vars(bPending.ID)); !isoIsNull(r, "node") {
				t.Errorf("%s fetches b's invitation: %s", who, r.Data["node"])
			}
		}
	})

	t.Run("staff and staffInvites list only the caller's store", func(t *testing.T) {
		for _, c := range []struct {
			who, tok string
			st       lcStore
			people   int
		}{{"a's owner", a.Owner, a, 1}, {"b's owner", b.Owner, b, 2}, {"b's agent", bAgent, b, 2}} {
			staff := lcStaff(t, h, c.tok)
			if len(staff) != c.people {
				t.Errorf("%s: %d staff, want %d: %+v", c.who, len(staff), c.people, staff)
			}
			for _, m := range staff {
				if m.User.ID != c.st.OwnerUserID && m.User.ID != bAgentID {
					t.Errorf("%s lists %+v, not of its store", c.who, m)
				}
				if c.st.ID == a.ID && (m.User.ID == b.OwnerUserID || m.User.ID == bAgentID) {
					t.Errorf("a's owner lists b's %+v", m)
				}
			}
		}
		for _, c := range []struct {
			tok string
			st  lcStore
			n   int
		}{{a.Owner, a, 2}, {b.Owner, b, 3}} {
			invs := lcInvites(t, h, c.tok)
			if len(invs) != c.n {
				t.Errorf("%s's owner lists %d invitations, want %d", c.st.Slug, len(invs), c.n)
			}
			for _, i := range invs {
				if isoParseID(t, i.ID, "StaffInvite")[0] != c.st.UUID || !strings.HasSuffix(i.Email, "@"+c.st.Slug+".test") {
					t.Errorf("%s's owner lists another store's invitation %+v", c.st.Slug, i)
				}
			}
		}
	})

	t.Run("store history is its staff's and the platform's", func(t *testing.T) {
		_, bPartner := isoCreateToken(t, h, b.Owner, "erp", "CATALOG_READ", "ORDERS_READ")
		for who, tok := range map[string]string{"b's owner": b.Owner, "b's agent": bAgent, "admin": admin} {
			if s := lcStoreRead(t, h, tok, b.ID); len(s.History) == 0 || s.History[0].Action != "STORE_CREATED" {
				t.Errorf("%s sees b's history %v", who, lcActions(s.History))
			}
		}
		for who, tok := range map[string]string{"a's owner": a.Owner, "buyer": h.login(t, lcDemoBuyer), "anonymous": "",
			"b's partner token": bPartner} {
			s := lcStoreRead(t, h, tok, b.ID)
			if s.History == nil || len(s.History) != 0 {
				t.Errorf("%s sees b's history %v, want []", who, lcActions(s.History))
			}
		}
		// A well-formed missing store reads as null for a's owner, like for anyone.
		isoExpectNull(t, h.post(t, a.Owner, `query($id: ID!) { store(id: $id) { history { action } } }`,
			map[string]any{"id": isoGlobalID("Store", uuid.New())}), "store")
	})
}

func TestLifecycleRoleRefusals(t *testing.T) {
	h := setup(t)
	admin := h.login(t, adminEmail)
	st := lcOnboard(t, h, admin)
	_, agentTok := lcInviteOK(t, h, st.Owner, "agent@"+st.Slug+".test", "AGENT")
	agent := *lcAccept(t, h, agentTok, "Agent", demo.Password).AccessToken
	pending, _ := lcInviteOK(t, h, st.Owner, "pending@"+st.Slug+".test", "AGENT")
	_, readOnly := isoCreateToken(t, h, st.Owner, "catalog-ro", "CATALOG_READ", "ORDERS_READ")
	_, writer := isoCreateToken(t, h, st.Owner, "catalog-rw", "CATALOG_READ", "CATALOG_WRITE")
	buyer := h.login(t, lcDemoBuyer)

	calls := map[string]func(token string) gqlResponse{
		"staff":        func(tok string) gqlResponse { return h.post(t, tok, `{ staff { staffRole } }`, nil) },
		"staffInvites": func(tok string) gqlResponse { return h.post(t, tok, `{ staffInvites { id } }`, nil) },
		"staffInvite": func(tok string) gqlResponse {
			return lcMutate(t, h, tok, "staffInvite", map[string]any{"email": "n@" + st.Slug + ".test", "staffRole": "AGENT"}, `inviteToken `+lcUE)
		},
		"staffInviteRevoke": func(tok string) gqlResponse {
			return lcMutate(t, h, tok, "staffInviteRevoke", map[string]any{"id": pending.ID}, `invite { status } `+lcUE)
		},
		"staffRemove": func(tok string) gqlResponse {
			return lcMutate(t, h, tok, "staffRemove", map[string]any{"userId": st.OwnerUserID}, `removed `+lcUE)
		},
		"storeCloseRequest": func(tok string) gqlResponse {
			return lcMutate(t, h, tok, "storeCloseRequest", map[string]any{}, lcCloseFields)
		},
		"storeCloseWithdraw": func(tok string) gqlResponse {
			return lcMutate(t, h, tok, "storeCloseWithdraw", map[string]any{}, lcCloseFields)
		},
		"productCreate": func(tok string) gqlResponse {
			return lcMutate(t, h, tok, "productCreate", map[string]any{"sku": "R-" + lcHex(3), "title": "Refused", "category": "electronics",
				"price": map[string]any{"amount": "1.00", "currencyCode": "TWD"}}, lcProductFields)
		},
		"accountDeleteRequest": func(tok string) gqlResponse {
			return lcMutate(t, h, tok, "accountDeleteRequest", map[string]any{}, lcDeleteFields)
		},
		"accountDeleteWithdraw": func(tok string) gqlResponse {
			return lcMutate(t, h, tok, "accountDeleteWithdraw", map[string]any{}, lcDeleteFields)
		},
	}
	refused := map[string][]string{
		"buyer": {"staff", "staffInvites", "staffInvite", "staffInviteRevoke", "staffRemove", "storeCloseRequest",
			"storeCloseWithdraw", "productCreate"},
		"owner":          {"accountDeleteRequest", "accountDeleteWithdraw"},
		"agent":          {"staffInvites", "staffInvite", "staffInviteRevoke", "staffRemove", "storeCloseRequest", "storeCloseWithdraw", "accountDeleteRequest", "accountDeleteWithdraw"},
		"admin":          {"accountDeleteRequest", "accountDeleteWithdraw", "staff", "staffInvites", "staffInvite", "storeCloseRequest", "productCreate"},
		"token-catalogR": {"productCreate", "staff", "staffInvites", "staffInvite", "staffRemove", "storeCloseRequest", "storeCloseWithdraw", "accountDeleteRequest"},
		"token-catalogW": {"staff", "staffInvites", "staffInvite", "staffInviteRevoke", "staffRemove", "storeCloseRequest", "storeCloseWithdraw"},
	}
	tokens := map[string]string{"buyer": buyer, "owner": st.Owner, "agent": agent, "admin": admin, "token-catalogR": readOnly, "token-catalogW": writer}
	for who, names := range refused {
		for _, name := range names {
			if r := calls[name](tokens[who]); r.code() != "FORBIDDEN" || !isoIsNull(r, name) {
				t.Errorf("%s %s: want FORBIDDEN, got %q %+v data %s", who, name, r.code(), r.Errors, r.Data[name])
			}
		}
	}
	for name, call := range calls {
		if r := call(""); r.code() != "UNAUTHENTICATED" || !isoIsNull(r, name) {
			t.Errorf("anonymous %s: want UNAUTHENTICATED, got %q %+v", name, r.code(), r.Errors)
		}
	}

	// The refusals changed nothing.
	if s := lcStoreRead(t, h, "", st.ID); s.Status != "ACTIVE" {
		t.Fatalf("the store is %s after refused calls", s.Status)
	}
	if staff := lcStaff(t, h, st.Owner); len(staff) != 2 {
		t.Fatalf("staff after refused calls: %+v", staff)
	}
	if got := lcFindInvite(t, h, st.Owner, pending.ID); got.Status != "PENDING" {
		t.Fatalf("the invitation after refused calls: %+v", got)
	}
	if n := lcCount(t, h, `select count(*) from products where tenant_id = $1 and title = 'Refused'`, st.UUID); n != 0 {
		t.Fatalf("%d products made by refused callers", n)
	}

	// A partner token with CATALOG_WRITE creates products; the agent and the owner too.
	for who, tok := range map[string]string{"token-catalogW": writer, "agent": agent, "owner": st.Owner} {
		pp := lcProduct(t, h, tok, "OK-"+lcHex(3), "12.00", "TWD")
		if pp.Product == nil || len(pp.UserErrors) != 0 || pp.Product.Store.ID != st.ID {
			t.Errorf("%s productCreate: %+v", who, pp)
		}
	}
}
