package lifecycle_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"tradeguard/aftersales"
	"tradeguard/demo"
	"tradeguard/internal/clock"
	"tradeguard/internal/testdb"
	"tradeguard/lifecycle"
	"tradeguard/orders"
	"tradeguard/scheduler"
	"tradeguard/tenants"
)

// These tests close stores and delete accounts against a real PostgreSQL database with the demo data,
// connected as the server's role (row-level security applies), with a clock they move by hand. Deadlines are
// acted on by a real scheduler.Runner. Destructive tests use stores they onboard themselves.

func TestMain(m *testing.M) { testdb.Main(m) }

// base anchors the demo data (its orders lie in the 90 days before it) and every test clock.
var base = time.Date(2026, 6, 15, 2, 0, 0, 0, time.UTC)

const (
	adminEmail = "admin@tradeguard.test"
	lotusOwner = "owner@lotus-electronics.test"
	lotusAgent = "agent@lotus-electronics.test"
	password   = "correct horse battery"
)

var (
	dbOnce  sync.Once
	dbErr   error
	ownerDB *sqlx.DB
	appDB   *sqlx.DB
)

type keepAlive struct{ testing.TB }

func (keepAlive) Cleanup(func()) {}

type env struct {
	owner, app *sqlx.DB
	auth       *tenants.Auth
	clk        *clock.Fake
}

func newEnv(t *testing.T) *env {
	t.Helper()
	dbOnce.Do(func() {
		ownerDB, appDB = testdb.Migrated(keepAlive{t})
		_, dbErr = demo.Load(context.Background(), appDB, base)
	})
	if dbErr != nil || appDB == nil {
		t.Fatalf("demo database: %v", dbErr)
	}
	clk := clock.NewFake(base)
	access, err := tenants.NewAccessTokens(bytes.Repeat([]byte("k"), 32), clk.Now)
	if err != nil {
		t.Fatal(err)
	}
	return &env{owner: ownerDB, app: appDB, auth: &tenants.Auth{DB: appDB, Access: access, Now: clk.Now}, clk: clk}
}

// asSystem runs fn as the schema owner with the SYSTEM row-level context (RLS is forced on the owner too).
func (e *env) asSystem(t *testing.T, fn func(tx *sqlx.Tx) error) {
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

func (e *env) login(t *testing.T, email, pw string) (tenants.Principal, tenants.TokenPair) {
	t.Helper()
	pair, err := e.auth.Login(context.Background(), email, pw)
	if err != nil {
		t.Fatalf("login %s: %v", email, err)
	}
	p, err := e.auth.Access.Verify(pair.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	return p, pair
}

func (e *env) demoLogin(t *testing.T, email string) tenants.Principal {
	t.Helper()
	p, _ := e.login(t, email, demo.Password)
	return p
}

// do runs fn in a request session of p and commits it if fn succeeds (as the GraphQL layer does).
func (e *env) do(t *testing.T, p tenants.Principal, fn func(s *tenants.Session) error) error {
	t.Helper()
	s := tenants.NewSession(e.app, p, false)
	if err := fn(s); err != nil {
		_ = s.Rollback()
		return err
	}
	if err := s.Commit(); err != nil {
		t.Fatalf("commit: %v", err)
	}
	return nil
}

func (e *env) runner() *scheduler.Runner {
	// Only this package's handlers: the demo's order deadlines fall due too and fail here for want of a
	// handler, which leaves the orders as they are; the log of those failures is noise for these tests.
	return &scheduler.Runner{DB: e.app, Now: e.clk.Now, Handlers: lifecycle.Handlers(), Log: slog.New(slog.DiscardHandler)}
}

// runAt moves the clock to at and acts on every due deadline.
func (e *env) runAt(t *testing.T, at time.Time) {
	t.Helper()
	e.clk.Set(at)
	if _, err := e.runner().RunDue(context.Background()); err != nil {
		t.Fatalf("RunDue at %v: %v", at, err)
	}
}

// onboard has the admin create a store, and its owner accept the invitation and sign in.
func (e *env) onboard(t *testing.T) (tenants.Store, tenants.Principal) {
	t.Helper()
	ctx := context.Background()
	slug := "close-" + strings.ReplaceAll(uuid.NewString(), "-", "")[:10]
	email := "owner@" + slug + ".test"
	var st tenants.Store
	var token string
	err := e.do(t, e.demoLogin(t, adminEmail), func(s *tenants.Session) (err error) {
		st, _, token, err = tenants.CreateStore(ctx, s, tenants.StoreInput{Slug: slug, Name: "Closing " + slug, Category: "electronics",
			Currency: "TWD", TimeZone: "Asia/Taipei", OwnerEmail: email}, e.clk.Now())
		return err
	})
	if err != nil {
		t.Fatalf("CreateStore: %v", err)
	}
	if _, err := tenants.AcceptInvite(ctx, e.app, token, "Owner "+slug, password, e.clk.Now()); err != nil {
		t.Fatalf("AcceptInvite: %v", err)
	}
	owner, _ := e.login(t, email, password)
	return st, owner
}

func (e *env) store(t *testing.T, id uuid.UUID) tenants.Store {
	t.Helper()
	var st tenants.Store
	err := tenants.Run(context.Background(), e.app, tenants.System, func(tx *sqlx.Tx) error {
		var err error
		st, err = tenants.GetStore(context.Background(), tenants.Attach(tx, tenants.System), id)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func (e *env) deadline(t *testing.T, kind string, subject uuid.UUID) (status string, due time.Time) {
	t.Helper()
	e.asSystem(t, func(tx *sqlx.Tx) error {
		var d struct {
			Status string    `db:"status"`
			DueAt  time.Time `db:"due_at"`
		}
		err := tx.Get(&d, `select status, due_at from deadlines where kind = $1 and subject_id = $2
			union all select status, due_at from platform_deadlines where kind = $1 and subject_id = $2`, kind, subject)
		status, due = d.Status, d.DueAt
		return err
	})
	return status, due
}

// events lists the actions of a store's (or, with user, an account's) lifecycle history.
func (e *env) events(t *testing.T, column string, id uuid.UUID) (actions []string, actors []string) {
	t.Helper()
	e.asSystem(t, func(tx *sqlx.Tx) error {
		var rows []struct {
			Action string `db:"action"`
			Actor  string `db:"actor"`
		}
		table := "lifecycle_events" // a store's history; an account's is account_events
		if column == "user_id" {
			table = "account_events"
		}
		err := tx.Select(&rows, `select action, actor from `+table+` where `+column+` = $1 order by at, seq`, id)
		for _, r := range rows {
			actions, actors = append(actions, r.Action), append(actors, r.Actor)
		}
		return err
	})
	return actions, actors
}

func rule(t *testing.T, err error) (code, msg string) {
	t.Helper()
	rules, ok := tenants.AsRuleErrors(err)
	if !ok || len(rules) != 1 {
		t.Fatalf("want one rule refusal, got %v", err)
	}
	return rules[0].Code, rules[0].Message
}

func wantRule(t *testing.T, what string, err error, code string, msgHas ...string) {
	t.Helper()
	got, msg := rule(t, err)
	if got != code {
		t.Errorf("%s: code %s (%q), want %s", what, got, msg, code)
	}
	for _, m := range msgHas {
		if !strings.Contains(msg, m) {
			t.Errorf("%s: message %q does not say %q", what, msg, m)
		}
	}
}

var unfinished = pq.Array(orders.UnfinishedStatuses)

// insertOrders writes n unfinished orders of buyer into the store, as a checkout would have.
func (e *env) insertOrders(t *testing.T, storeID, buyerID uuid.UUID, prefix string, n int, ship [3]string) []string {
	t.Helper()
	statuses := orders.UnfinishedStatuses
	var numbers []string
	e.asSystem(t, func(tx *sqlx.Tx) error {
		for i := range n {
			number := fmt.Sprintf("%s-%06d", prefix, i+1)
			status := statuses[i%len(statuses)]
			created := e.clk.Now().Add(-time.Duration(i+1) * time.Minute)
			var paid int64
			var paidAt *time.Time
			if status != orders.PendingPayment {
				paid, paidAt = 125000, &created
			}
			if _, err := tx.Exec(`insert into orders (tenant_id, id, number, buyer_id, status, currency, subtotal_minor, total_minor,
					paid_minor, payment_method, buyer_name, ship_name, ship_phone, ship_address, created_at, paid_at)
				values ($1, $2, $3, $4, $5, 'TWD', 125000, 125000, $6, 'CARD', $7, $7, $8, $9, $10, $11)`,
				storeID, uuid.New(), number, buyerID, status, paid, ship[0], ship[1], ship[2], created, paidAt); err != nil {
				return err
			}
			numbers = append(numbers, number)
		}
		return nil
	})
	return numbers
}

// finish completes (or, if unpaid, cancels) every unfinished order matching where, as the system would.
func (e *env) finish(t *testing.T, where string, arg any) {
	t.Helper()
	e.asSystem(t, func(tx *sqlx.Tx) error {
		_, err := tx.Exec(`update orders set
				status = case when status = 'PENDING_PAYMENT' then 'CANCELLED' else 'COMPLETED' end,
				cancel_kind = case when status = 'PENDING_PAYMENT' then 'PAYMENT_TIMEOUT' end,
				cancelled_by = case when status = 'PENDING_PAYMENT' then 'SYSTEM' end,
				cancelled_at = case when status = 'PENDING_PAYMENT' then $3::timestamptz end,
				completed_at = case when status <> 'PENDING_PAYMENT' then $3::timestamptz end
			where `+where+` = $1 and status = any($2)`, arg, unfinished, e.clk.Now())
		if err != nil {
			return err
		}
		// the demo's open after-sales cases block too: the buyers withdraw them
		_, err = tx.Exec(`update cases set status = 'WITHDRAWN', closed_at = $2, updated_at = $2, deadline_at = null,
				deadline_action = null, version = version + 1
			where `+where+` = $1 and closed_at is null`, arg, e.clk.Now())
		return err
	})
}

func labels(bs []lifecycle.Blocker) (orderLabels []string, more []string) {
	for _, b := range bs {
		if b.Kind == lifecycle.BlockerMore {
			more = append(more, b.Label)
		} else {
			orderLabels = append(orderLabels, b.Label)
		}
	}
	slices.Sort(orderLabels)
	return orderLabels, more
}

func TestRoleChecks(t *testing.T) {
	store := uuid.New()
	cases := []struct {
		name                  string
		p                     tenants.Principal
		closeStore, deleteAcc bool
	}{
		{"anonymous", tenants.Anonymous, false, false},
		{"buyer", tenants.Principal{Role: tenants.RoleBuyer, UserID: uuid.New()}, false, true},
		{"owner", tenants.Principal{Role: tenants.RoleMerchant, UserID: uuid.New(), StoreID: store, StaffRole: tenants.StaffOwner}, true, false},
		{"agent", tenants.Principal{Role: tenants.RoleMerchant, UserID: uuid.New(), StoreID: store, StaffRole: tenants.StaffAgent}, false, false},
		{"api token with every scope", tenants.Principal{Role: tenants.RoleMerchant, StoreID: store, StaffRole: tenants.StaffAPI,
			Scopes: tenants.Scopes, TokenID: uuid.New()}, false, false},
		{"admin", tenants.Principal{Role: tenants.RoleAdmin, UserID: uuid.New()}, false, false},
		{"system", tenants.System, false, false},
	}
	for _, c := range cases {
		for _, check := range []struct {
			what string
			fn   func(tenants.Principal) error
			want bool
		}{{"CanCloseStore", lifecycle.CanCloseStore, c.closeStore}, {"CanDeleteAccount", lifecycle.CanDeleteAccount, c.deleteAcc}} {
			err := check.fn(c.p)
			if check.want && err != nil || !check.want && !errors.Is(err, tenants.ErrForbidden) {
				t.Errorf("%s(%s) = %v, want allowed=%v", check.what, c.name, err, check.want)
			}
		}
	}
}

// Lotus (demo) has unfinished orders and open cases: its owner's close request is refused and lists each of
// them by number.
func TestStoreCloseBlockedByUnfinishedOrders(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	owner := e.demoLogin(t, lotusOwner)
	var want []string
	e.asSystem(t, func(tx *sqlx.Tx) error {
		return tx.Select(&want, `select number from orders where tenant_id = $1 and status = any($2)
			union all select number from cases where tenant_id = $1 and closed_at is null order by 1`, owner.StoreID, unfinished)
	})
	var openOrders int
	for _, n := range want {
		if !strings.HasPrefix(n, "AS-") {
			openOrders++
		}
	}
	if len(want) == 0 || len(want) > lifecycle.MaxBlockers {
		t.Fatalf("the demo gives lotus %d unfinished orders; this test wants 1 to %d", len(want), lifecycle.MaxBlockers)
	}
	var blockers []lifecycle.Blocker
	err := e.do(t, owner, func(s *tenants.Session) (err error) {
		_, blockers, err = lifecycle.RequestStoreClose(ctx, s, e.clk.Now())
		return err
	})
	wantRule(t, "lotus close request", err, "STORE_HAS_OPEN_BUSINESS", fmt.Sprintf("%d unfinished orders", openOrders))
	got, more := labels(blockers)
	if !slices.Equal(got, want) || len(more) != 0 {
		t.Errorf("blockers %v (more %v), want the unfinished orders and open cases %v", got, more, want)
	}
	for _, b := range blockers {
		order := b.Kind == lifecycle.BlockerOrder && slices.Contains(orders.UnfinishedStatuses, orders.Status(b.Status))
		openCase := b.Kind == lifecycle.BlockerCase && !aftersales.Status(b.Status).Final()
		if !(order || openCase) || b.StoreID != owner.StoreID || b.ID == uuid.Nil {
			t.Errorf("blocker %+v", b)
		}
	}
	if st := e.store(t, owner.StoreID); st.Status != tenants.StoreActive || st.ClosesAt != nil {
		t.Errorf("a refused request changed the store: %+v", st)
	}

	// Nobody but the owner asks at all.
	for name, p := range map[string]tenants.Principal{
		"agent":     e.demoLogin(t, lotusAgent),
		"api token": {Role: tenants.RoleMerchant, StoreID: owner.StoreID, StaffRole: tenants.StaffAPI, Scopes: tenants.Scopes, TokenID: uuid.New()},
		"buyer":     e.demoLogin(t, "buyer5@tradeguard.test"),
		"admin":     e.demoLogin(t, adminEmail),
	} {
		err := e.do(t, p, func(s *tenants.Session) error {
			_, _, err := lifecycle.RequestStoreClose(ctx, s, e.clk.Now())
			return err
		})
		if !errors.Is(err, tenants.ErrForbidden) {
			t.Errorf("%s RequestStoreClose: %v, want ErrForbidden", name, err)
		}
		err = e.do(t, p, func(s *tenants.Session) error {
			_, err := lifecycle.WithdrawStoreClose(ctx, s, e.clk.Now())
			return err
		})
		if !errors.Is(err, tenants.ErrForbidden) {
			t.Errorf("%s WithdrawStoreClose: %v, want ErrForbidden", name, err)
		}
	}
}

// Row-level security holds the same line underneath: an owner may move its store between ACTIVE and CLOSING
// only; an agent not at all.
func TestStoreStatusPolicy(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	st, owner := e.onboard(t)
	agentEmail := "agent@" + st.Slug + ".test"
	var token string
	if err := e.do(t, owner, func(s *tenants.Session) (err error) {
		_, token, err = tenants.InviteStaff(ctx, s, agentEmail, tenants.StaffAgent, e.clk.Now())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := tenants.AcceptInvite(ctx, e.app, token, "Agent", password, e.clk.Now()); err != nil {
		t.Fatal(err)
	}
	agent, _ := e.login(t, agentEmail, password)

	rawUpdate := func(p tenants.Principal, status string) (int64, error) {
		var n int64
		err := tenants.Run(ctx, e.app, p, func(tx *sqlx.Tx) error {
			res, err := tx.Exec(`update stores set status = $2 where id = $1`, st.ID, status)
			if err == nil {
				n, _ = res.RowsAffected()
			}
			return err
		})
		return n, err
	}
	for _, status := range []string{"CLOSED", "SUSPENDED"} {
		if _, err := rawUpdate(owner, status); err == nil || !strings.Contains(err.Error(), "row-level security") {
			t.Errorf("owner sets %s by hand: %v", status, err)
		}
	}
	if n, err := rawUpdate(agent, "CLOSING"); err != nil || n != 0 {
		t.Errorf("agent sets CLOSING by hand: %d rows, %v", n, err)
	}
	e.asSystem(t, func(tx *sqlx.Tx) error {
		_, err := tx.Exec(`update stores set status = 'SUSPENDED' where id = $1`, st.ID)
		return err
	})
	if n, err := rawUpdate(owner, "ACTIVE"); err != nil || n != 0 {
		t.Errorf("owner lifts a suspension by hand: %d rows, %v", n, err)
	}
	err := e.do(t, owner, func(s *tenants.Session) error {
		_, _, err := lifecycle.RequestStoreClose(ctx, s, e.clk.Now())
		return err
	})
	wantRule(t, "close a suspended store", err, "STORE_NOT_ACTIVE", "SUSPENDED")
}

func TestStoreCloseLifecycle(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	st, owner := e.onboard(t)
	buyer := e.demoLogin(t, "buyer20@tradeguard.test")

	request := func() (tenants.Store, []lifecycle.Blocker, error) {
		var got tenants.Store
		var blockers []lifecycle.Blocker
		err := e.do(t, owner, func(s *tenants.Session) (err error) {
			got, blockers, err = lifecycle.RequestStoreClose(ctx, s, e.clk.Now())
			return err
		})
		return got, blockers, err
	}
	withdraw := func() (tenants.Store, error) {
		var got tenants.Store
		err := e.do(t, owner, func(s *tenants.Session) (err error) {
			got, err = lifecycle.WithdrawStoreClose(ctx, s, e.clk.Now())
			return err
		})
		return got, err
	}

	// 105 unfinished orders: the first 100 listed, the rest counted.
	numbers := e.insertOrders(t, st.ID, buyer.UserID, "CL"+st.Slug[6:10], 105, [3]string{"Ryan O'Brien", "+1 617-555-0152", "62 Beacon St, Apt 3, Boston, MA 02108"})
	_, blockers, err := request()
	wantRule(t, "close with 105 open orders", err, "STORE_HAS_OPEN_BUSINESS", "105 unfinished orders")
	got, more := labels(blockers)
	if len(got) != lifecycle.MaxBlockers || !slices.Equal(more, []string{"5"}) || len(blockers) != lifecycle.MaxBlockers+1 {
		t.Fatalf("%d order blockers and MORE %v, want %d and [5]", len(got), more, lifecycle.MaxBlockers)
	}
	for _, n := range got {
		if !slices.Contains(numbers, n) {
			t.Errorf("blocker %s is not one of the store's orders", n)
		}
	}

	// Cleared: the store is CLOSING for 48 hours.
	e.finish(t, "tenant_id", st.ID)
	e.clk.Set(base.Add(time.Hour))
	closing, blockers, err := request()
	if err != nil || len(blockers) != 0 {
		t.Fatalf("close request after clearing: %v %v", err, blockers)
	}
	closesAt := base.Add(time.Hour + 48*time.Hour)
	if closing.Status != tenants.StoreClosing || closing.ClosesAt == nil || !closing.ClosesAt.Equal(closesAt) || closing.ClosedAt != nil {
		t.Fatalf("after the request: %+v", closing)
	}
	if status, due := e.deadline(t, lifecycle.KindStoreClose, st.ID); status != "PENDING" || !due.Equal(closesAt) {
		t.Errorf("deadline %s at %v, want PENDING at %v", status, due, closesAt)
	}
	_, _, err = request()
	wantRule(t, "second close request", err, "STORE_NOT_ACTIVE", st.FormatTime(closesAt))

	// One second before closes_at the scheduler does nothing; the owner may still withdraw.
	e.runAt(t, closesAt.Add(-time.Second))
	if s := e.store(t, st.ID); s.Status != tenants.StoreClosing {
		t.Fatalf("one second before closes_at: %s", s.Status)
	}
	active, err := withdraw()
	if err != nil || active.Status != tenants.StoreActive || active.ClosesAt != nil {
		t.Fatalf("withdraw inside the window: %+v %v", active, err)
	}
	if status, _ := e.deadline(t, lifecycle.KindStoreClose, st.ID); status != "CANCELLED" {
		t.Errorf("deadline after withdrawal: %s", status)
	}
	e.runAt(t, closesAt)
	if s := e.store(t, st.ID); s.Status != tenants.StoreActive {
		t.Fatalf("a withdrawn close still closed the store: %s", s.Status)
	}
	_, err = withdraw()
	wantRule(t, "withdraw with nothing to withdraw", err, "STORE_NOT_CLOSING", "ACTIVE")

	// Asked again; at closes_at the window is over (withdrawal refused, with the time), and the scheduler
	// closes the store exactly once however often it runs.
	e.clk.Set(closesAt.Add(time.Hour))
	closing, _, err = request()
	if err != nil {
		t.Fatal(err)
	}
	closesAt = closesAt.Add(time.Hour + 48*time.Hour)
	if !closing.ClosesAt.Equal(closesAt) {
		t.Fatalf("closes at %v, want %v", closing.ClosesAt, closesAt)
	}
	e.runAt(t, closesAt.Add(-time.Second))
	if s := e.store(t, st.ID); s.Status != tenants.StoreClosing {
		t.Fatalf("one second before closes_at: %s", s.Status)
	}
	e.clk.Set(closesAt)
	_, err = withdraw()
	wantRule(t, "withdraw at closes_at", err, "CLOSE_WINDOW_PASSED", st.FormatTime(closesAt))
	for range 2 {
		e.runAt(t, closesAt)
	}
	e.runAt(t, closesAt.Add(time.Hour))
	closed := e.store(t, st.ID)
	if closed.Status != tenants.StoreClosed || closed.ClosedAt == nil || !closed.ClosedAt.Equal(closesAt) {
		t.Fatalf("after closes_at: %+v", closed)
	}
	if status, _ := e.deadline(t, lifecycle.KindStoreClose, st.ID); status != "DONE" {
		t.Errorf("deadline after closing: %s", status)
	}
	actions, actors := e.events(t, "tenant_id", st.ID)
	wantActions := []string{"STORE_CREATED", "STAFF_INVITED", "STAFF_JOINED", "CLOSE_REQUESTED", "CLOSE_WITHDRAWN", "CLOSE_REQUESTED", "CLOSED"}
	if !slices.Equal(actions, wantActions) {
		t.Errorf("history %v, want %v", actions, wantActions)
	}
	if i := slices.Index(actions, "CLOSED"); i < 0 || actors[i] != "SYSTEM" {
		t.Errorf("CLOSED by %v", actors)
	}

	// Closed: nothing more to ask or withdraw; staff keep reading.
	_, _, err = request()
	wantRule(t, "close a closed store", err, "STORE_NOT_ACTIVE", "closed since "+st.FormatTime(closesAt))
	_, err = withdraw()
	wantRule(t, "withdraw in a closed store", err, "STORE_NOT_CLOSING", "closed since "+st.FormatTime(closesAt))
	err = e.do(t, owner, func(s *tenants.Session) error {
		n, err := orders.Count(ctx, s, orders.Filter{})
		if err == nil && n != 105 {
			t.Errorf("the closed store's owner sees %d orders, want 105", n)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// personalHits counts, in every text column of every table of schema public, the rows that contain value.
func (e *env) personalHits(t *testing.T, value string) map[string]int {
	t.Helper()
	hits := map[string]int{}
	e.asSystem(t, func(tx *sqlx.Tx) error {
		var cols []struct {
			Table  string `db:"table_name"`
			Column string `db:"column_name"`
		}
		if err := tx.Select(&cols, `select c.table_name, c.column_name from information_schema.columns c
			join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
			where c.table_schema = 'public' and t.table_type = 'BASE TABLE'
			and c.data_type in ('text', 'character varying', 'character', 'ARRAY', 'json', 'jsonb')
			order by 1, 2`); err != nil {
			return err
		}
		if len(cols) < 10 {
			t.Fatalf("only %d text columns in public: %v", len(cols), cols)
		}
		for _, c := range cols {
			var n int
			if err := tx.Get(&n, fmt.Sprintf(`select count(*) from public.%s where strpos(lower(%s::text), lower($1)) > 0`,
				pq.QuoteIdentifier(c.Table), pq.QuoteIdentifier(c.Column)), value); err != nil {
				return err
			}
			if n > 0 {
				hits[c.Table+"."+c.Column] = n
			}
		}
		return nil
	})
	return hits
}

func TestAccountDeletion(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()

	// A demo buyer with unfinished orders (buyers 3 to 9: their names are not part of another buyer's).
	var b struct {
		ID    uuid.UUID `db:"id"`
		Email string    `db:"email"`
		Name  string    `db:"display_name"`
	}
	var want []string
	e.asSystem(t, func(tx *sqlx.Tx) error {
		if err := tx.Get(&b, `select u.id, u.email, u.display_name from users u
			where u.email ~ '^buyer[3-9]@' and exists (select 1 from orders o where o.buyer_id = u.id and o.status = any($1))
			order by u.email limit 1`, unfinished); err != nil {
			return err
		}
		return tx.Select(&want, `select number from orders where buyer_id = $1 and status = any($2)
			union all select number from cases where buyer_id = $1 and closed_at is null order by 1`, b.ID, unfinished)
	})
	buyer, _ := e.login(t, b.Email, demo.Password)

	request := func() (time.Time, []lifecycle.Blocker, error) {
		var at time.Time
		var blockers []lifecycle.Blocker
		err := e.do(t, buyer, func(s *tenants.Session) (err error) {
			at, blockers, err = lifecycle.RequestAccountDeletion(ctx, s, e.clk.Now())
			return err
		})
		return at, blockers, err
	}
	withdraw := func() error {
		return e.do(t, buyer, func(s *tenants.Session) error { return lifecycle.WithdrawAccountDeletion(ctx, s, e.clk.Now()) })
	}
	status := func() (string, *time.Time) {
		var u struct {
			Status    string     `db:"status"`
			DeletesAt *time.Time `db:"deletes_at"`
		}
		e.asSystem(t, func(tx *sqlx.Tx) error {
			return tx.Get(&u, `select status, deletes_at from users where id = $1`, b.ID)
		})
		return u.Status, u.DeletesAt
	}

	// Only buyers delete their accounts.
	for _, email := range []string{lotusOwner, lotusAgent, adminEmail} {
		err := e.do(t, e.demoLogin(t, email), func(s *tenants.Session) error {
			_, _, err := lifecycle.RequestAccountDeletion(ctx, s, e.clk.Now())
			return err
		})
		if !errors.Is(err, tenants.ErrForbidden) {
			t.Errorf("%s RequestAccountDeletion: %v", email, err)
		}
	}

	// Blocked by each unfinished order and open case, in whatever store.
	openOrders := 0
	for _, n := range want {
		if !strings.HasPrefix(n, "AS-") {
			openOrders++
		}
	}
	_, blockers, err := request()
	wantRule(t, "deletion with open orders", err, "ACCOUNT_HAS_OPEN_BUSINESS", fmt.Sprintf("%d unfinished order", openOrders))
	if got, more := labels(blockers); !slices.Equal(got, want) || len(more) != 0 {
		t.Errorf("blockers %v, want %v", got, want)
	}
	if s, _ := status(); s != tenants.AccountActive {
		t.Fatalf("a refused request changed the account: %s", s)
	}
	e.finish(t, "buyer_id", b.ID)

	// What the account's personal data was, and the orders' amounts (which must stay).
	var ship []string
	var before struct {
		N     int   `db:"n"`
		Total int64 `db:"total"`
		Paid  int64 `db:"paid"`
	}
	e.asSystem(t, func(tx *sqlx.Tx) error {
		return tx.Select(&ship, `select distinct v from orders, unnest(array[buyer_name, ship_name, ship_phone, ship_address]) v
			where buyer_id = $1`, b.ID)
	})
	if len(ship) < 3 {
		t.Fatalf("the buyer's orders carry %v", ship)
	}

	// Requested, withdrawn inside the window, requested again.
	e.clk.Set(base.Add(2 * time.Hour))
	deletesAt, blockers, err := request()
	if err != nil || len(blockers) != 0 || !deletesAt.Equal(base.Add(50*time.Hour)) {
		t.Fatalf("deletion request: %v %v %v", deletesAt, blockers, err)
	}
	if s, at := status(); s != tenants.AccountDeletionPending || at == nil || !at.Equal(deletesAt) {
		t.Fatalf("after the request: %s %v", s, at)
	}
	_, _, err = request()
	wantRule(t, "second deletion request", err, "DELETION_ALREADY_REQUESTED", deletesAt.Format(time.RFC3339))
	e.login(t, b.Email, demo.Password) // signing in still works, to withdraw
	e.clk.Set(base.Add(3 * time.Hour))
	if err := withdraw(); err != nil {
		t.Fatalf("withdraw: %v", err)
	}
	if s, at := status(); s != tenants.AccountActive || at != nil {
		t.Fatalf("after withdrawing: %s %v", s, at)
	}
	if st, _ := e.deadline(t, lifecycle.KindAccountDelete, b.ID); st != "CANCELLED" {
		t.Errorf("deadline after withdrawal: %s", st)
	}
	wantRule(t, "withdraw twice", withdraw(), "DELETION_NOT_REQUESTED")
	e.clk.Set(base.Add(4 * time.Hour))
	if deletesAt, _, err = request(); err != nil {
		t.Fatal(err)
	}
	_, pair := e.login(t, b.Email, demo.Password)

	// One second before: nothing. At deletes_at an order has appeared meanwhile: postponed 48 h, with the reason.
	e.runAt(t, deletesAt.Add(-time.Second))
	if s, _ := status(); s != tenants.AccountDeletionPending {
		t.Fatalf("one second before deletes_at: %s", s)
	}
	wantRule(t, "withdraw at deletes_at", func() error { e.clk.Set(deletesAt); return withdraw() }(),
		"DELETION_WINDOW_PASSED", deletesAt.Format(time.RFC3339))
	lotus := e.demoLogin(t, lotusOwner).StoreID
	late := e.insertOrders(t, lotus, b.ID, "DL"+b.ID.String()[:4], 1, [3]string{ship[0], ship[1], ship[2]})
	e.runAt(t, deletesAt)
	postponed := deletesAt.Add(48 * time.Hour)
	if s, at := status(); s != tenants.AccountDeletionPending || at == nil || !at.Equal(postponed) {
		t.Fatalf("with an order open at deletes_at: %s %v, want DELETION_PENDING until %v", s, at, postponed)
	}
	if st, due := e.deadline(t, lifecycle.KindAccountDelete, b.ID); st != "PENDING" || !due.Equal(postponed) {
		t.Fatalf("postponed deadline %s at %v, want PENDING at %v", st, due, postponed)
	}
	e.asSystem(t, func(tx *sqlx.Tx) error {
		var reason string
		if err := tx.Get(&reason, `select reason from account_events where user_id = $1 and action = 'DELETION_POSTPONED'`, b.ID); err != nil {
			return err
		}
		if !strings.Contains(reason, late[0]) || !strings.Contains(reason, postponed.Format(time.RFC3339)) {
			t.Errorf("postponement reason %q names neither %s nor %v", reason, late[0], postponed)
		}
		return nil
	})
	e.finish(t, "buyer_id", b.ID)
	e.asSystem(t, func(tx *sqlx.Tx) error {
		return tx.Get(&before, `select count(*) n, sum(total_minor) total, sum(paid_minor) paid from orders where buyer_id = $1`, b.ID)
	})

	// Control: before deletion the search finds every value.
	values := append([]string{b.Email, b.Name}, ship...)
	for _, v := range values {
		if len(e.personalHits(t, v)) == 0 {
			t.Fatalf("the search does not find %q before the deletion", v)
		}
	}

	e.runAt(t, postponed.Add(-time.Second))
	if s, _ := status(); s != tenants.AccountDeletionPending {
		t.Fatalf("one second before the postponed time: %s", s)
	}
	for range 2 {
		e.runAt(t, postponed)
	}
	if s, _ := status(); s != tenants.AccountDeleted {
		t.Fatalf("at the postponed time: %s", s)
	}
	actions, actors := e.events(t, "user_id", b.ID)
	wantActions := []string{"DELETION_REQUESTED", "DELETION_WITHDRAWN", "DELETION_REQUESTED", "DELETION_POSTPONED", "DELETED"}
	if !slices.Equal(actions, wantActions) {
		t.Errorf("account history %v, want %v", actions, wantActions)
	}
	if actors[len(actors)-1] != "SYSTEM" || actors[0] != "BUYER" {
		t.Errorf("actors %v", actors)
	}

	// No personal data left anywhere.
	for _, v := range values {
		if hits := e.personalHits(t, v); len(hits) > 0 {
			t.Errorf("%q is still stored after the deletion: %v", v, hits)
		}
	}
	// The orders stay, with their amounts.
	var after struct {
		N     int   `db:"n"`
		Total int64 `db:"total"`
		Paid  int64 `db:"paid"`
		Anon  int   `db:"anon"`
	}
	e.asSystem(t, func(tx *sqlx.Tx) error {
		return tx.Get(&after, `select count(*) n, sum(total_minor) total, sum(paid_minor) paid,
			count(*) filter (where anonymized_at is not null and ship_name = $2) anon from orders where buyer_id = $1`, b.ID, orders.Anonymized)
	})
	if after.N != before.N || after.Total != before.Total || after.Paid != before.Paid || after.Anon != before.N || before.N == 0 {
		t.Errorf("orders before %+v, after %+v", before, after)
	}
	e.asSystem(t, func(tx *sqlx.Tx) error {
		var u struct {
			Email string `db:"email"`
			Name  string `db:"display_name"`
			Hash  string `db:"password_hash"`
		}
		if err := tx.Get(&u, `select email, display_name, password_hash from users where id = $1`, b.ID); err != nil {
			return err
		}
		if u.Email != tenants.AnonymizedEmail(b.ID) || u.Name != tenants.AnonymizedDisplayName || u.Hash != "!" {
			t.Errorf("deleted account %+v", u)
		}
		return nil
	})

	// The deleted account cannot sign in, refresh, or act.
	if _, err := e.auth.Login(ctx, b.Email, demo.Password); err == nil {
		t.Error("the deleted account signed in")
	} else {
		wantRule(t, "login of the deleted account", err, "INVALID_CREDENTIALS")
	}
	if _, err := e.auth.Refresh(ctx, pair.RefreshToken); err == nil {
		t.Error("the deleted account refreshed its sign-in")
	} else {
		wantRule(t, "refresh of the deleted account", err, "REFRESH_TOKEN_INVALID")
	}
	wantRule(t, "withdraw after deletion", withdraw(), "DELETION_NOT_REQUESTED", "DELETED")
}
