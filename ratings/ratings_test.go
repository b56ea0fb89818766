package ratings_test

// Ratings against real PostgreSQL (row-level security on, the app role) with orders played through their real
// life (orders.Create, Pay, Ship, MarkDelivered, ConfirmReceipt) on a clock the tests move by hand: every
// refusal, the windows at their edges, one rating per order under concurrency, one reply, averages as of a past
// date, isolation between buyers and stores, and text stored exactly as given.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"tradeguard/demo"
	"tradeguard/internal/clock"
	"tradeguard/internal/testdb"
	"tradeguard/orders"
	"tradeguard/payments"
	"tradeguard/ratings"
	"tradeguard/tenants"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// demoNow anchors the demo data; each test's clock starts a year after the previous test's.
var (
	demoNow = time.Date(2026, 6, 15, 2, 0, 0, 0, time.UTC)
	epochs  atomic.Int64
	day     = 24 * time.Hour
)

type env struct {
	t          *testing.T
	ctx        context.Context
	owner, app *sqlx.DB
	clock      *clock.Fake
	store      uuid.UUID
	product    uuid.UUID
	buyer      tenants.Principal
	buyer2     tenants.Principal
	merchant   tenants.Principal // the store's OWNER
	agent      tenants.Principal
	token      tenants.Principal // the store's API token with ratings:write
	tokenRead  tenants.Principal // the store's API token without it
	other      tenants.Principal // the OWNER of another store
	admin      tenants.Principal
}

// newEnv migrates the package's database, loads the demo data (once), and makes two fresh stores, each with an
// owner and a product; the first also has an agent and two API tokens.
func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	owner, app := testdb.Migrated(t)
	if _, err := demo.Load(ctx, app, demoNow); err != nil {
		t.Fatalf("demo data: %v", err)
	}
	e := &env{t: t, ctx: ctx, owner: owner, app: app,
		clock: clock.NewFake(demoNow.Add(time.Duration(epochs.Add(1)) * 365 * day))}
	e.sys(func(tx *sqlx.Tx) error {
		var ownerID, agentID uuid.UUID
		e.store, ownerID, e.product = e.newStore(tx)
		agentID = e.newUser(tx, "MERCHANT", e.store)
		if _, err := tx.Exec(`insert into store_staff (tenant_id, user_id, staff_role) values ($1, $2, 'AGENT')`, e.store, agentID); err != nil {
			return err
		}
		e.merchant = tenants.Principal{Role: tenants.RoleMerchant, UserID: ownerID, StoreID: e.store, StaffRole: tenants.StaffOwner}
		e.agent = tenants.Principal{Role: tenants.RoleMerchant, UserID: agentID, StoreID: e.store, StaffRole: tenants.StaffAgent}
		token := func(scopes ...tenants.Scope) tenants.Principal {
			id := uuid.New()
			if _, err := tx.Exec(`insert into api_tokens (tenant_id, id, name, token_hash, scopes, created_by, created_at)
				values ($1, $2, 'erp', $3, $4, $5, $6)`, e.store, id, id.String(), pq.Array(scopes), ownerID, demoNow); err != nil {
				t.Fatal(err)
			}
			return tenants.Principal{Role: tenants.RoleMerchant, StoreID: e.store, StaffRole: tenants.StaffAPI, TokenID: id, Scopes: scopes}
		}
		e.token = token(tenants.ScopeRatingsRead, tenants.ScopeRatingsWrite)
		e.tokenRead = token(tenants.ScopeRatingsRead, tenants.ScopeOrdersWrite, tenants.ScopeCasesWrite)
		store2, owner2, _ := e.newStore(tx)
		e.other = tenants.Principal{Role: tenants.RoleMerchant, UserID: owner2, StoreID: store2, StaffRole: tenants.StaffOwner}
		user := func(email string) uuid.UUID {
			var id uuid.UUID
			if err := tx.Get(&id, `select id from users where email = $1`, email); err != nil {
				t.Fatalf("user %s: %v", email, err)
			}
			return id
		}
		e.buyer = tenants.Principal{Role: tenants.RoleBuyer, UserID: user("buyer5@tradeguard.test")}
		e.buyer2 = tenants.Principal{Role: tenants.RoleBuyer, UserID: user("buyer6@tradeguard.test")}
		e.admin = tenants.Principal{Role: tenants.RoleAdmin, UserID: user("admin@tradeguard.test")}
		return nil
	})
	return e
}

// newUser makes an account; a merchant's works for store.
func (e *env) newUser(tx *sqlx.Tx, role string, store uuid.UUID) uuid.UUID {
	id := uuid.New()
	var staffStore *uuid.UUID
	if role == "MERCHANT" {
		staffStore = &store
	}
	if _, err := tx.Exec(`insert into users (id, email, password_hash, display_name, role, created_at, staff_store_id)
		values ($1, $2, 'x', 'Staff', $3, $4, $5)`, id, id.String()[:13]+"@ratings.test", role, demoNow, staffStore); err != nil {
		e.t.Fatal(err)
	}
	return id
}

func (e *env) newStore(tx *sqlx.Tx) (store, owner, product uuid.UUID) {
	store, product = uuid.New(), uuid.New()
	slug := "r-" + store.String()[:8]
	if _, err := tx.Exec(`insert into stores (id, slug, name, category, currency, time_zone, created_at)
		values ($1, $2, $3, 'electronics', 'TWD', 'Asia/Taipei', $4)`, store, slug, "Test "+slug, demoNow); err != nil {
		e.t.Fatal(err)
	}
	owner = e.newUser(tx, "MERCHANT", store)
	if _, err := tx.Exec(`insert into store_staff (tenant_id, user_id, staff_role) values ($1, $2, 'OWNER')`, store, owner); err != nil {
		e.t.Fatal(err)
	}
	if _, err := tx.Exec(`insert into products (tenant_id, id, sku, title, category, price_minor, currency, warranty_days)
		values ($1, $2, 'R-1', 'Rated Thing', 'electronics', 50000, 'TWD', 365)`, store, product); err != nil {
		e.t.Fatal(err)
	}
	return store, owner, product
}

// sys runs fn as the system through the app role (row-level security on) and commits.
func (e *env) sys(fn func(tx *sqlx.Tx) error) {
	e.t.Helper()
	if err := tenants.Run(e.ctx, e.app, tenants.System, fn); err != nil {
		e.t.Fatalf("as system: %v", err)
	}
}

// as runs fn in a session of p that commits if fn succeeds.
func (e *env) as(p tenants.Principal, fn func(s *tenants.Session) error) error {
	return tenants.Run(e.ctx, e.app, p, func(tx *sqlx.Tx) error { return fn(tenants.Attach(tx, p)) })
}

func okey(o orders.Order) orders.Key { return orders.Key{StoreID: o.StoreID, ID: o.ID} }

// order places an order of buyer at the clock's now and plays it forward to the status, every step at now.
func (e *env) order(buyer tenants.Principal, to orders.Status) orders.Order {
	e.t.Helper()
	now := e.clock.Now()
	var o orders.Order
	step := func(p tenants.Principal, f func(s *tenants.Session) (orders.Order, error)) {
		e.t.Helper()
		if err := e.as(p, func(s *tenants.Session) (err error) { o, err = f(s); return err }); err != nil {
			e.t.Fatalf("order to %s: %v", to, err)
		}
	}
	step(buyer, func(s *tenants.Session) (orders.Order, error) {
		return orders.Create(e.ctx, s, orders.CreateInput{StoreID: e.store, PaymentMethod: "CARD", ShipName: "Lin Mei",
			ShipPhone: "+886 912 345 678", ShipAddress: "No. 1, Section 1, Zhongshan Rd, Taipei",
			Lines: []orders.LineInput{{ProductID: e.product, Quantity: 1}}}, now)
	})
	if to == orders.PendingPayment {
		return o
	}
	if to == orders.Cancelled {
		step(buyer, func(s *tenants.Session) (orders.Order, error) {
			return orders.Cancel(e.ctx, s, payments.Recorder{}, okey(o), "changed my mind", nil, now)
		})
		return o
	}
	step(buyer, func(s *tenants.Session) (orders.Order, error) {
		return orders.Pay(e.ctx, s, payments.Recorder{}, okey(o), "pay-"+o.ID.String(), now)
	})
	if to == orders.Paid {
		return o
	}
	step(e.merchant, func(s *tenants.Session) (orders.Order, error) {
		return orders.Ship(e.ctx, s, okey(o), "Black Cat", "BC-12345678", nil, now)
	})
	if to == orders.Shipped {
		return o
	}
	step(e.merchant, func(s *tenants.Session) (orders.Order, error) {
		return orders.MarkDelivered(e.ctx, s, okey(o), nil, now)
	})
	if to == orders.Delivered {
		return o
	}
	step(buyer, func(s *tenants.Session) (orders.Order, error) {
		return orders.ConfirmReceipt(e.ctx, s, okey(o), nil, now)
	})
	return o
}

var fine = ratings.Input{Overall: 5, DescriptionMatch: 4, ServiceAttitude: 5, LogisticsSpeed: 4, Comment: "Great, fast delivery"}

func (e *env) create(p tenants.Principal, k orders.Key, in ratings.Input) (r ratings.Rating, err error) {
	err = e.as(p, func(s *tenants.Session) error {
		r, err = ratings.Create(e.ctx, s, k, in, e.clock.Now())
		return err
	})
	return r, err
}

func (e *env) mustCreate(p tenants.Principal, o orders.Order, in ratings.Input) ratings.Rating {
	e.t.Helper()
	r, err := e.create(p, okey(o), in)
	if err != nil {
		e.t.Fatalf("rate %s: %v", o.Number, err)
	}
	return r
}

func (e *env) revise(p tenants.Principal, r ratings.Rating, in ratings.Input) (out ratings.Rating, err error) {
	err = e.as(p, func(s *tenants.Session) error {
		out, err = ratings.Revise(e.ctx, s, ratings.KeyOf(r), in, e.clock.Now())
		return err
	})
	return out, err
}

func (e *env) reply(p tenants.Principal, r ratings.Rating, text string) (out ratings.Rating, err error) {
	err = e.as(p, func(s *tenants.Session) error {
		out, err = ratings.Reply(e.ctx, s, ratings.KeyOf(r), text, e.clock.Now())
		return err
	})
	return out, err
}

// read re-reads the rating as the system.
func (e *env) read(r ratings.Rating) ratings.Rating {
	e.t.Helper()
	var got []ratings.Rating
	e.sys(func(tx *sqlx.Tx) (err error) {
		got, err = ratings.ByKeys(e.ctx, tenants.Attach(tx, tenants.System), []ratings.Key{ratings.KeyOf(r)})
		return err
	})
	if len(got) != 1 {
		e.t.Fatalf("rating %s: %d rows", r.ID, len(got))
	}
	return got[0]
}

func (e *env) ratingsOf(o orders.Order) int {
	e.t.Helper()
	var n int
	e.sys(func(tx *sqlx.Tx) error {
		return tx.Get(&n, `select count(*) from ratings where tenant_id = $1 and order_id = $2`, o.StoreID, o.ID)
	})
	return n
}

// refused checks that err is a refusal with the code (and, if given, the field path and words in its message).
func refused(t *testing.T, err error, code string, field string, words ...string) {
	t.Helper()
	rules, ok := tenants.AsRuleErrors(err)
	if !ok {
		t.Fatalf("got %v, want refusal %s", err, code)
	}
	for _, r := range rules {
		if r.Code != code {
			continue
		}
		if field != "" && strings.Join(r.Field, ".") != field {
			t.Errorf("%s: field %v, want %s", code, r.Field, field)
		}
		for _, w := range words {
			if !strings.Contains(r.Message, w) {
				t.Errorf("%s: message %q does not say %q", code, r.Message, w)
			}
		}
		return
	}
	t.Fatalf("got %v, want refusal %s", err, code)
}

func is(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("got %v, want %v", err, want)
	}
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// ---------------------------------------------------------------- creating

func TestCreateRefusals(t *testing.T) {
	e := newEnv(t)
	delivered := e.order(e.buyer, orders.Delivered)

	t.Run("not delivered yet", func(t *testing.T) {
		for _, st := range []orders.Status{orders.PendingPayment, orders.Paid, orders.Shipped, orders.Cancelled} {
			o := e.order(e.buyer, st)
			_, err := e.create(e.buyer, okey(o), fine)
			refused(t, err, "NOT_DELIVERED", "input.orderId", o.Number)
			if n := e.ratingsOf(o); n != 0 {
				t.Errorf("%s: %d ratings written", st, n)
			}
		}
	})
	t.Run("stars", func(t *testing.T) {
		_, err := e.create(e.buyer, okey(delivered), ratings.Input{Overall: 0, DescriptionMatch: 6, ServiceAttitude: 3, LogisticsSpeed: -2})
		rules, _ := tenants.AsRuleErrors(err)
		var got []string
		for _, r := range rules {
			got = append(got, r.Code+"@"+strings.Join(r.Field, "."))
		}
		want := []string{"INVALID_STARS@input.overall", "INVALID_STARS@input.descriptionMatch", "INVALID_STARS@input.logisticsSpeed"}
		if !slices.Equal(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
	})
	t.Run("comment too long", func(t *testing.T) {
		in := fine
		in.Comment = strings.Repeat("好", 1001)
		_, err := e.create(e.buyer, okey(delivered), in)
		refused(t, err, "COMMENT_TOO_LONG", "input.comment", "1000", "1001")
	})
	t.Run("NUL character", func(t *testing.T) {
		in := fine
		in.Comment = "a\x00b"
		_, err := e.create(e.buyer, okey(delivered), in)
		refused(t, err, "INVALID_CHARACTERS", "input.comment")
	})
	if n := e.ratingsOf(delivered); n != 0 {
		t.Fatalf("refused ratings were written: %d", n)
	}
	t.Run("not the buyer", func(t *testing.T) {
		for name, p := range map[string]tenants.Principal{"merchant": e.merchant, "agent": e.agent, "token": e.token,
			"admin": e.admin, "system": tenants.System, "anonymous": tenants.Anonymous} {
			_, err := e.create(p, okey(delivered), fine)
			if !errors.Is(err, tenants.ErrForbidden) {
				t.Errorf("%s: %v, want ErrForbidden", name, err)
			}
		}
		// another buyer's order answers like a missing one
		_, err := e.create(e.buyer2, okey(delivered), fine)
		is(t, err, tenants.ErrNotFound)
		_, err = e.create(e.buyer, orders.Key{StoreID: e.store, ID: uuid.New()}, fine)
		is(t, err, tenants.ErrNotFound)
		// the right order id under the wrong store
		_, err = e.create(e.buyer, orders.Key{StoreID: e.other.StoreID, ID: delivered.ID}, fine)
		is(t, err, tenants.ErrNotFound)
	})
	if n := e.ratingsOf(delivered); n != 0 {
		t.Fatalf("refused ratings were written: %d", n)
	}

	t.Run("once per order", func(t *testing.T) {
		first := e.mustCreate(e.buyer, delivered, fine)
		if first.BuyerID != e.buyer.UserID || first.OrderID != delivered.ID || first.StoreID != e.store ||
			!first.CreatedAt.Equal(e.clock.Now()) || first.Negative || first.Revised() || first.Replied() {
			t.Errorf("rating %+v", first)
		}
		e.clock.Advance(time.Hour)
		_, err := e.create(e.buyer, okey(delivered), ratings.Input{Overall: 1, DescriptionMatch: 1, ServiceAttitude: 1, LogisticsSpeed: 1})
		refused(t, err, "ALREADY_RATED", "input.orderId", delivered.Number, stamp(first.CreatedAt),
			stamp(first.CreatedAt.Add(30*day)))
		if got := e.read(first); got.Overall != 5 {
			t.Errorf("the refused rating changed the first: %+v", got)
		}
	})
}

func TestRatingWindowEdges(t *testing.T) {
	e := newEnv(t)
	start := e.clock.Now()

	// Delivered, never confirmed, and the system has not completed it: still open long after delivery.
	delivered := e.order(e.buyer, orders.Delivered)
	e.clock.Set(start.Add(9*day + 23*time.Hour))
	e.mustCreate(e.buyer, delivered, fine)

	// Two orders completed at the same instant; 15 days later, to the second.
	e.clock.Set(start)
	a, b := e.order(e.buyer, orders.Completed), e.order(e.buyer, orders.Completed)
	completed := *e.read2(a).CompletedAt
	closes := completed.Add(15 * day)

	e.clock.Set(closes.Add(-time.Second))
	r := e.mustCreate(e.buyer, a, fine)
	if !r.CreatedAt.Equal(closes.Add(-time.Second)) {
		t.Errorf("created at %v", r.CreatedAt)
	}

	e.clock.Set(closes)
	_, err := e.create(e.buyer, okey(b), fine)
	refused(t, err, "RATING_WINDOW_CLOSED", "input.orderId", b.Number, stamp(completed), stamp(closes))
	if n := e.ratingsOf(b); n != 0 {
		t.Errorf("%d ratings after the window closed", n)
	}
}

// read2 re-reads an order as the system.
func (e *env) read2(o orders.Order) orders.Order {
	e.t.Helper()
	var got []orders.Order
	e.sys(func(tx *sqlx.Tx) (err error) {
		got, err = orders.ByKeys(e.ctx, tenants.Attach(tx, tenants.System), []orders.Key{okey(o)})
		return err
	})
	if len(got) != 1 {
		e.t.Fatalf("order %s: %d rows", o.Number, len(got))
	}
	return got[0]
}

// Two buyers' sessions (the same buyer, two devices) rate one order at once: one rating, and the other call
// is refused cleanly (its transaction still commits, as a mutation with userErrors does).
func TestOneRatingPerOrderUnderConcurrency(t *testing.T) {
	e := newEnv(t)

	t.Run("the second waits for the first and is refused", func(t *testing.T) {
		o := e.order(e.buyer, orders.Delivered)
		inserted, release := make(chan struct{}), make(chan struct{})
		var first, second error
		var wg sync.WaitGroup
		wg.Go(func() {
			first = e.as(e.buyer, func(s *tenants.Session) error {
				_, err := ratings.Create(e.ctx, s, okey(o), fine, e.clock.Now())
				close(inserted)
				if err != nil {
					return err
				}
				<-release // hold the transaction open: the rating is written but not committed
				return nil
			})
		})
		<-inserted
		wg.Go(func() {
			_, second = e.create(e.buyer, okey(o), ratings.Input{Overall: 1, DescriptionMatch: 1, ServiceAttitude: 1, LogisticsSpeed: 1})
		})
		// The second call's insert waits on the first's uncommitted row (a lock PostgreSQL has not granted).
		deadline := time.Now().Add(10 * time.Second)
		for {
			var waiting int
			if err := e.owner.Get(&waiting, `select count(*) from pg_locks where not granted and locktype = 'transactionid'`); err != nil {
				t.Fatal(err)
			}
			if waiting > 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Error("the second call never waited on the first")
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		close(release)
		wg.Wait()
		if first != nil {
			t.Fatalf("first: %v", first)
		}
		// it says when the order was rated: it reads the committed rating after waiting for it
		refused(t, second, "ALREADY_RATED", "input.orderId", stamp(e.clock.Now()))
		if n := e.ratingsOf(o); n != 1 {
			t.Fatalf("%d ratings", n)
		}
	})

	t.Run("eight at once", func(t *testing.T) {
		for range 5 {
			o := e.order(e.buyer, orders.Delivered)
			var ok, already atomic.Int32
			var wg sync.WaitGroup
			start := make(chan struct{})
			for range 8 {
				wg.Go(func() {
					<-start
					_, err := e.create(e.buyer, okey(o), fine)
					if err == nil {
						ok.Add(1)
						return
					}
					if rules, isRule := tenants.AsRuleErrors(err); isRule && rules[0].Code == "ALREADY_RATED" {
						already.Add(1)
						return
					}
					t.Errorf("create: %v", err)
				})
			}
			close(start)
			wg.Wait()
			if ok.Load() != 1 || already.Load() != 7 || e.ratingsOf(o) != 1 {
				t.Fatalf("%d created, %d refused, %d stored; want 1, 7, 1", ok.Load(), already.Load(), e.ratingsOf(o))
			}
		}
	})
}

// ---------------------------------------------------------------- revising

func TestRevise(t *testing.T) {
	e := newEnv(t)
	o := e.order(e.buyer, orders.Completed)
	bad := ratings.Input{Overall: 2, DescriptionMatch: 1, ServiceAttitude: 3, LogisticsSpeed: 2, Comment: "Arrived broken"}
	r := e.mustCreate(e.buyer, o, bad)
	if !r.Negative {
		t.Fatalf("2 stars overall is negative: %+v", r)
	}
	given := r.CreatedAt
	better := ratings.Input{Overall: 4, DescriptionMatch: 4, ServiceAttitude: 5, LogisticsSpeed: 3, Comment: "The store replaced it at once"}

	t.Run("who", func(t *testing.T) {
		for name, p := range map[string]tenants.Principal{"merchant": e.merchant, "token": e.token, "admin": e.admin,
			"anonymous": tenants.Anonymous} {
			if _, err := e.revise(p, r, better); !errors.Is(err, tenants.ErrForbidden) {
				t.Errorf("%s: %v, want ErrForbidden", name, err)
			}
		}
		_, err := e.revise(e.buyer2, r, better)
		is(t, err, tenants.ErrNotFound)
		_, err = e.revise(e.buyer, ratings.Rating{StoreID: e.store, ID: uuid.New()}, better)
		is(t, err, tenants.ErrNotFound)
	})
	t.Run("shape", func(t *testing.T) {
		in := better
		in.ServiceAttitude = 0
		_, err := e.revise(e.buyer, r, in)
		refused(t, err, "INVALID_STARS", "input.serviceAttitude")
		in = better
		in.Comment = strings.Repeat("x", 1001)
		_, err = e.revise(e.buyer, r, in)
		refused(t, err, "COMMENT_TOO_LONG", "input.comment")
	})
	if got := e.read(r); got.Revised() || got.Overall != 2 {
		t.Fatalf("refused revisions changed the rating: %+v", got)
	}

	t.Run("once, within 30 days", func(t *testing.T) {
		e.clock.Set(given.Add(30*day - time.Second))
		got, err := e.revise(e.buyer, r, better)
		if err != nil {
			t.Fatalf("revise 1 s before the window closes: %v", err)
		}
		if got.Overall != 4 || got.Comment != better.Comment || got.Negative || got.RevisedAt == nil ||
			!got.RevisedAt.Equal(e.clock.Now()) || !got.CreatedAt.Equal(given) {
			t.Errorf("revised %+v", got)
		}
		// the first version is kept
		if got.InitialOverall != 2 || got.InitialDescriptionMatch != 1 || got.InitialServiceAttitude != 3 ||
			got.InitialLogisticsSpeed != 2 || got.InitialComment != "Arrived broken" {
			t.Errorf("first version lost: %+v", got)
		}
		_, err = e.revise(e.buyer, r, bad)
		refused(t, err, "REVISION_USED", "input.ratingId", stamp(e.clock.Now()))
		if got := e.read(r); got.Overall != 4 {
			t.Errorf("a second revision changed the rating: %+v", got)
		}
	})
	t.Run("window edge", func(t *testing.T) {
		e.clock.Set(given)
		o2 := e.order(e.buyer, orders.Delivered)
		r2 := e.mustCreate(e.buyer, o2, bad)
		e.clock.Set(r2.CreatedAt.Add(30 * day))
		_, err := e.revise(e.buyer, r2, better)
		refused(t, err, "REVISION_WINDOW_CLOSED", "input.ratingId", stamp(r2.CreatedAt), stamp(r2.CreatedAt.Add(30*day)))
		if got := e.read(r2); got.Revised() {
			t.Errorf("revised after the window: %+v", got)
		}
	})
}

// ---------------------------------------------------------------- replying

func TestReply(t *testing.T) {
	e := newEnv(t)
	r := e.mustCreate(e.buyer, e.order(e.buyer, orders.Completed), fine)

	t.Run("who", func(t *testing.T) {
		for name, p := range map[string]tenants.Principal{"buyer": e.buyer, "token without ratings:write": e.tokenRead,
			"admin": e.admin, "anonymous": tenants.Anonymous, "system": tenants.System} {
			if _, err := e.reply(p, r, "Thank you"); !errors.Is(err, tenants.ErrForbidden) {
				t.Errorf("%s: %v, want ErrForbidden", name, err)
			}
		}
		// another store's owner can read the rating (ratings are public) but not answer it
		_, err := e.reply(e.other, r, "Thank you")
		is(t, err, tenants.ErrNotFound)
		_, err = e.reply(e.merchant, ratings.Rating{StoreID: e.store, ID: uuid.New()}, "Thank you")
		is(t, err, tenants.ErrNotFound)
	})
	t.Run("shape", func(t *testing.T) {
		_, err := e.reply(e.merchant, r, "  \n ")
		refused(t, err, "REPLY_REQUIRED", "input.text")
		_, err = e.reply(e.merchant, r, strings.Repeat("謝", 1001))
		refused(t, err, "REPLY_TOO_LONG", "input.text", "1001")
	})
	if got := e.read(r); got.Replied() {
		t.Fatalf("refused replies were written: %+v", got)
	}

	t.Run("once", func(t *testing.T) {
		e.clock.Advance(2 * day)
		got, err := e.reply(e.agent, r, "Thank you for your order!")
		if err != nil {
			t.Fatal(err)
		}
		if got.Reply == nil || *got.Reply != "Thank you for your order!" || got.RepliedAt == nil || !got.RepliedAt.Equal(e.clock.Now()) ||
			got.RepliedBy == nil || *got.RepliedBy != e.agent.UserID || got.RepliedByToken != nil {
			t.Errorf("replied %+v", got)
		}
		// the reply does not touch the buyer's rating
		if got.Overall != r.Overall || got.Comment != r.Comment || got.Revised() {
			t.Errorf("the reply changed the rating: %+v", got)
		}
		for _, p := range []tenants.Principal{e.merchant, e.agent, e.token} {
			_, err := e.reply(p, r, "Again")
			refused(t, err, "ALREADY_REPLIED", "input.ratingId", stamp(e.clock.Now()))
		}
		if got := e.read(r); *got.Reply != "Thank you for your order!" {
			t.Errorf("a second reply changed the first: %q", *got.Reply)
		}
		// the buyer may still revise after the reply; the reply stays
		rev, err := e.revise(e.buyer, r, ratings.Input{Overall: 5, DescriptionMatch: 5, ServiceAttitude: 5, LogisticsSpeed: 5})
		if err != nil || rev.Reply == nil || *rev.Reply != "Thank you for your order!" {
			t.Errorf("revise after reply: %+v %v", rev, err)
		}
	})
	t.Run("by a partner token", func(t *testing.T) {
		r2 := e.mustCreate(e.buyer, e.order(e.buyer, orders.Delivered), fine)
		got, err := e.reply(e.token, r2, "Answered by our CRM")
		if err != nil {
			t.Fatal(err)
		}
		if got.RepliedBy != nil || got.RepliedByToken == nil || *got.RepliedByToken != e.token.TokenID {
			t.Errorf("replied by %v / token %v", got.RepliedBy, got.RepliedByToken)
		}
	})
	t.Run("two staff at once", func(t *testing.T) {
		for range 3 {
			r3 := e.mustCreate(e.buyer, e.order(e.buyer, orders.Delivered), fine)
			var ok, already atomic.Int32
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i, p := range []tenants.Principal{e.merchant, e.agent, e.token, e.merchant} {
				wg.Go(func() {
					<-start
					_, err := e.reply(p, r3, fmt.Sprint("reply ", i))
					if err == nil {
						ok.Add(1)
					} else if rules, isRule := tenants.AsRuleErrors(err); isRule && rules[0].Code == "ALREADY_REPLIED" {
						already.Add(1)
					} else {
						t.Errorf("reply: %v", err)
					}
				})
			}
			close(start)
			wg.Wait()
			if ok.Load() != 1 || already.Load() != 3 {
				t.Fatalf("%d replies, %d refused; want 1, 3", ok.Load(), already.Load())
			}
		}
	})
}

// ---------------------------------------------------------------- text

// Text is stored and returned exactly as given: markup, emoji, CJK, surrounding spaces and line breaks.
// Rendering it safely is the portal's job.
func TestTextStoredExactlyAsGiven(t *testing.T) {
	e := newEnv(t)
	comment := "  <script>alert(1)</script> \"quoted\" & 'single' 😀👍🏽👨‍👩‍👧 好評！五星\n第二行\t\r\n' OR 1=1; --  "
	in := fine
	in.Comment = comment
	r := e.mustCreate(e.buyer, e.order(e.buyer, orders.Delivered), in)
	reply := "<b>謝謝</b> 🙏 <img src=x onerror=alert(1)>\n"
	if _, err := e.reply(e.merchant, r, reply); err != nil {
		t.Fatal(err)
	}
	got := e.read(r)
	if got.Comment != comment || got.InitialComment != comment || got.Reply == nil || *got.Reply != reply {
		t.Errorf("stored %q / %q / %v", got.Comment, got.InitialComment, got.Reply)
	}
	// and byte for byte in the database, with PostgreSQL counting characters as the rules do
	var raw struct {
		Comment string `db:"comment"`
		Bytes   int    `db:"bytes"`
		Chars   int    `db:"chars"`
	}
	e.sys(func(tx *sqlx.Tx) error {
		return tx.Get(&raw, `select comment, octet_length(comment) bytes, char_length(comment) chars from ratings where tenant_id = $1 and id = $2`,
			r.StoreID, r.ID)
	})
	if raw.Comment != comment || raw.Bytes != len(comment) || raw.Chars != len([]rune(comment)) {
		t.Errorf("in the database: %q (%d bytes, %d chars)", raw.Comment, raw.Bytes, raw.Chars)
	}
	// exactly 1000 characters of 4-byte emoji fit
	in.Comment = strings.Repeat("😀", 1000)
	r2 := e.mustCreate(e.buyer, e.order(e.buyer, orders.Delivered), in)
	if got := e.read(r2); got.Comment != in.Comment {
		t.Error("1000 emoji were not stored as given")
	}
}

// ---------------------------------------------------------------- reading

func TestListCountAndByOrders(t *testing.T) {
	e := newEnv(t)
	stars := []int{5, 4, 1, 5, 2, 3, 5}
	var rs []ratings.Rating
	var os []orders.Order
	for i, n := range stars {
		o := e.order(e.buyer, orders.Delivered)
		os = append(os, o)
		rs = append(rs, e.mustCreate(e.buyer, o, ratings.Input{Overall: n, DescriptionMatch: n, ServiceAttitude: n, LogisticsSpeed: n,
			Comment: fmt.Sprint("rating ", i)}))
		e.clock.Advance(time.Hour)
	}
	if _, err := e.reply(e.merchant, rs[2], "Sorry, we sent a replacement"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.reply(e.merchant, rs[0], "Thanks"); err != nil {
		t.Fatal(err)
	}
	// another store's rating never shows in this store's lists
	e.mustCreate(e.buyer, e.orderIn(e.other.StoreID), fine)

	// newest first: indexes into rs
	want := func(f func(i int) bool) []int {
		var out []int
		for i := len(rs) - 1; i >= 0; i-- {
			if f(i) {
				out = append(out, i)
			}
		}
		return out
	}
	for _, c := range []struct {
		name string
		f    ratings.Filter
		want []int
	}{
		{"all", ratings.Filter{}, want(func(int) bool { return true })},
		{"5 stars", ratings.Filter{Stars: []int{5}}, want(func(i int) bool { return stars[i] == 5 })},
		{"1 or 2 stars", ratings.Filter{Stars: []int{1, 2}}, want(func(i int) bool { return stars[i] <= 2 })},
		{"negative", ratings.Filter{NegativeOnly: true}, want(func(i int) bool { return stars[i] <= 2 })},
		{"unanswered", ratings.Filter{Unanswered: true}, want(func(i int) bool { return i != 0 && i != 2 })},
		{"negative and unanswered", ratings.Filter{NegativeOnly: true, Unanswered: true}, []int{4}},
		{"3 stars, unanswered", ratings.Filter{Stars: []int{3}, Unanswered: true}, []int{5}},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.f.StoreID = e.store
			// every caller sees the same public list, page by page
			for name, p := range map[string]tenants.Principal{"anonymous": tenants.Anonymous, "buyer2": e.buyer2,
				"merchant": e.merchant, "other store": e.other, "admin": e.admin, "token": e.tokenRead} {
				var got []int
				var after *ratings.Cursor
				for page := 0; ; page++ {
					var rows []ratings.Rating
					var more bool
					var n int
					err := e.as(p, func(s *tenants.Session) (err error) {
						if rows, more, err = ratings.List(e.ctx, s, c.f, after, 2); err != nil {
							return err
						}
						n, err = ratings.Count(e.ctx, s, c.f)
						return err
					})
					if err != nil {
						t.Fatalf("%s: %v", name, err)
					}
					if n != len(c.want) {
						t.Errorf("%s: count %d, want %d", name, n, len(c.want))
					}
					for _, r := range rows {
						got = append(got, slices.IndexFunc(rs, func(x ratings.Rating) bool { return x.ID == r.ID }))
					}
					if !more {
						break
					}
					cur := ratings.CursorOf(rows[len(rows)-1])
					after = &cur
					if page > 10 {
						t.Fatal("paging does not end")
					}
				}
				if !slices.Equal(got, c.want) {
					t.Errorf("%s: got %v, want %v", name, got, c.want)
				}
			}
		})
	}

	err := e.as(tenants.Anonymous, func(s *tenants.Session) error {
		_, _, err := ratings.List(e.ctx, s, ratings.Filter{}, nil, 10)
		refused(t, err, "STORE_REQUIRED", "filter.storeId")
		_, _, err = ratings.List(e.ctx, s, ratings.Filter{StoreID: e.store, Stars: []int{0}}, nil, 10)
		refused(t, err, "INVALID_STARS", "filter.stars")
		_, err = ratings.Count(e.ctx, s, ratings.Filter{StoreID: e.store, Stars: []int{6}})
		refused(t, err, "INVALID_STARS", "filter.stars")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// ByOrders: one query for a batch of orders; unrated and unknown orders are absent.
	unrated := e.order(e.buyer, orders.Delivered)
	keys := []orders.Key{okey(os[0]), okey(os[4]), okey(unrated), {StoreID: e.store, ID: uuid.New()}}
	err = e.as(e.buyer, func(s *tenants.Session) error {
		m, err := ratings.ByOrders(e.ctx, s, keys)
		if err != nil {
			return err
		}
		if len(m) != 2 || m[okey(os[0])].ID != rs[0].ID || m[okey(os[4])].ID != rs[4].ID || m[okey(os[4])].Overall != 2 {
			t.Errorf("ByOrders: %+v", m)
		}
		got, err := ratings.ByKeys(e.ctx, s, []ratings.Key{ratings.KeyOf(rs[1]), {StoreID: e.store, ID: uuid.New()}})
		if len(got) != 1 || got[0].ID != rs[1].ID {
			t.Errorf("ByKeys: %+v", got)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// orderIn plays an order of the buyer in another store (its own product) to delivery.
func (e *env) orderIn(store uuid.UUID) orders.Order {
	e.t.Helper()
	saved, savedProduct, savedMerchant := e.store, e.product, e.merchant
	defer func() { e.store, e.product, e.merchant = saved, savedProduct, savedMerchant }()
	e.sys(func(tx *sqlx.Tx) error {
		return tx.Get(&e.product, `select id from products where tenant_id = $1 limit 1`, store)
	})
	e.store, e.merchant = store, e.other
	return e.order(e.buyer, orders.Delivered)
}

// ---------------------------------------------------------------- averages

// Averages as of a past date count the ratings given in the 180 days before it (from asOf − 180 days
// inclusive to asOf exclusive), each as it stood then.
func TestAveragesAsOfAPastDate(t *testing.T) {
	e := newEnv(t)
	asOf := e.clock.Now()
	from := asOf.Add(-180 * day)

	avg := func(at time.Time) ratings.StoreAverages {
		t.Helper()
		var a ratings.StoreAverages
		err := e.as(tenants.Anonymous, func(s *tenants.Session) (err error) {
			a, err = ratings.Averages(e.ctx, s, e.store, at)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	if a := avg(asOf); a.Count != 0 || a.Overall != 0 || a.DescriptionMatch != 0 || a.ServiceAttitude != 0 ||
		a.LogisticsSpeed != 0 || a.Negative != 0 || !a.To.Equal(asOf) || !a.From.Equal(from) {
		t.Fatalf("no ratings: %+v", a)
	}

	// rateAt places, delivers and rates an order at the instant.
	rateAt := func(at time.Time, o, d, s, l int) ratings.Rating {
		t.Helper()
		e.clock.Set(at)
		return e.mustCreate(e.buyer, e.order(e.buyer, orders.Delivered),
			ratings.Input{Overall: o, DescriptionMatch: d, ServiceAttitude: s, LogisticsSpeed: l})
	}
	rateAt(from.Add(-time.Second), 1, 1, 1, 1)       // 1 s too early: out
	rateAt(from, 5, 4, 3, 2)                         // at the window's start: in
	rateAt(asOf.Add(-100*day), 4, 4, 4, 4)           // in
	revised := rateAt(asOf.Add(-10*day), 2, 2, 2, 5) // in, negative then; revised after asOf
	rateAt(asOf.Add(-time.Second), 3, 5, 5, 3)       // in
	rateAt(asOf, 1, 1, 1, 1)                         // at asOf: out (given at, not before)
	late := rateAt(asOf.Add(time.Hour), 1, 1, 1, 1)  // after: out
	e.clock.Set(asOf.Add(2 * day))
	if _, err := e.revise(e.buyer, revised, ratings.Input{Overall: 5, DescriptionMatch: 5, ServiceAttitude: 5, LogisticsSpeed: 5}); err != nil {
		t.Fatal(err)
	}

	a := avg(asOf)
	// in: (5,4,3,2) (4,4,4,4) (2,2,2,5) (3,5,5,3)
	if a.Count != 4 || a.Overall != 3.5 || a.DescriptionMatch != 3.75 || a.ServiceAttitude != 3.5 || a.LogisticsSpeed != 3.5 || a.Negative != 1 {
		t.Errorf("as of %v: %+v", asOf, a)
	}
	// A day after the revision the revised stars count; the window has moved by 3 days: the rating at its old
	// start is out, the two at and after asOf are in.
	later := asOf.Add(3 * day)
	a = avg(later)
	// in: (4,4,4,4) (5,5,5,5) (3,5,5,3) (1,1,1,1) (1,1,1,1)
	if a.Count != 5 || a.Overall != 14.0/5 || a.DescriptionMatch != 16.0/5 || a.ServiceAttitude != 16.0/5 ||
		a.LogisticsSpeed != 14.0/5 || a.Negative != 2 {
		t.Errorf("as of %v: %+v", later, a)
	}
	// As of the late rating (1 h after asOf): the rating at the old start is out, the one at asOf is in, the
	// late one is not (given at, not before), and the revision is not made yet.
	a = avg(late.CreatedAt)
	// in: (4,4,4,4) (2,2,2,5) (3,5,5,3) (1,1,1,1)
	if a.Count != 4 || a.Overall != 2.5 || a.LogisticsSpeed != 13.0/4 || a.Negative != 2 {
		t.Errorf("as of %v: %+v", late.CreatedAt, a)
	}
	// Another store's averages are its own.
	var other ratings.StoreAverages
	if err := e.as(e.merchant, func(s *tenants.Session) (err error) {
		other, err = ratings.Averages(e.ctx, s, e.other.StoreID, later)
		return err
	}); err != nil || other.Count != 0 {
		t.Errorf("another store: %+v %v", other, err)
	}
}

// ---------------------------------------------------------------- the database's own guard

// Row-level security, column grants and the guard trigger hold even for raw SQL as the app role: nobody
// without context sees a rating; a buyer changes only its own rating's stars and comment, once; a store only
// its own ratings' reply, once; nobody changes who, which order or when, or deletes a rating.
func TestDatabaseGuards(t *testing.T) {
	e := newEnv(t)
	o := e.order(e.buyer, orders.Delivered)
	r := e.mustCreate(e.buyer, o, fine)
	other := e.mustCreate(e.buyer2, e.order(e.buyer2, orders.Delivered), fine)

	// raw runs one statement as p in a transaction that is rolled back; it returns the rows affected.
	raw := func(p tenants.Principal, q string, args ...any) (int64, error) {
		tx, err := e.app.BeginTxx(e.ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		if p.Role != "" {
			if _, err := tx.Exec(`select set_config('app.role', $1, true), set_config('app.user_id', $2, true),
				set_config('app.tenant_id', $3, true)`, strings.ToLower(string(p.Role)), nz(p.UserID), nz(p.StoreID)); err != nil {
				t.Fatal(err)
			}
		}
		res, err := tx.Exec(q, args...)
		if err != nil {
			return 0, err
		}
		return res.RowsAffected()
	}
	sqlState := func(err error) string {
		var pe *pq.Error
		if errors.As(err, &pe) {
			return string(pe.Code)
		}
		return fmt.Sprint(err)
	}
	rows := func(name string, n int64, err error, want int64) {
		t.Helper()
		if err != nil || n != want {
			t.Errorf("%s: %d rows, %v; want %d rows", name, n, err, want)
		}
	}
	fails := func(name string, err error, state string) {
		t.Helper()
		if got := sqlState(err); got != state {
			t.Errorf("%s: %v (%s), want SQLSTATE %s", name, err, got, state)
		}
	}
	const (
		insufficientPrivilege = "42501"
		checkViolation        = "23514"
		foreignKeyViolation   = "23503"
	)

	// no context: nothing visible, nothing changes
	var n int
	if err := e.app.Get(&n, `select count(*) from ratings`); err != nil || n != 0 {
		t.Errorf("no context sees %d ratings (%v)", n, err)
	}
	n64, err := raw(tenants.Principal{}, `update ratings set reply = 'x', replied_at = now(), replied_by = $1`, e.merchant.UserID)
	rows("no context, update", n64, err, 0)

	// public read: anonymous sees this store's ratings
	n64, err = raw(tenants.Anonymous, `select 1 from ratings where tenant_id = $1`, e.store)
	rows("anonymous reads", n64, err, 2)

	// another buyer's rating, another store's: not reachable for update
	n64, err = raw(e.buyer, `update ratings set overall = 1, revised_at = now() where id = $1`, other.ID)
	rows("buyer updates another buyer's rating", n64, err, 0)
	n64, err = raw(e.other, `update ratings set reply = 'x', replied_at = now(), replied_by = $2 where id = $1`, r.ID, e.other.UserID)
	rows("another store replies", n64, err, 0)

	// the guard: a buyer never replies, a store never changes stars; each once
	_, err = raw(e.buyer, `update ratings set reply = 'x', replied_at = now(), replied_by = $2 where id = $1`, r.ID, e.buyer.UserID)
	fails("buyer replies", err, insufficientPrivilege)
	_, err = raw(e.merchant, `update ratings set overall = 1 where id = $1`, r.ID)
	fails("store changes the stars", err, insufficientPrivilege)
	_, err = raw(e.buyer, `update ratings set overall = 1 where id = $1`, r.ID)
	fails("buyer revises without revised_at", err, checkViolation)
	later := e.clock.Now().Add(time.Hour)
	n64, err = raw(e.buyer, `update ratings set overall = 1, revised_at = $2 where id = $1`, r.ID, later)
	rows("buyer revises", n64, err, 1)
	n64, err = raw(e.merchant, `update ratings set reply = 'x', replied_at = $3, replied_by = $2 where id = $1`, r.ID, e.merchant.UserID, later)
	rows("store replies", n64, err, 1)

	// column grants: who, which order, when and the first version are fixed; nothing is deleted
	for _, q := range []string{
		`update ratings set created_at = now() where id = $1`,
		`update ratings set buyer_id = buyer_id where id = $1`,
		`update ratings set initial_overall = 1 where id = $1`,
		`update ratings set initial_comment = '' where id = $1`,
		`delete from ratings where id = $1`,
	} {
		for name, p := range map[string]tenants.Principal{"buyer": e.buyer, "merchant": e.merchant, "admin": e.admin} {
			_, err := raw(p, q, r.ID)
			fails(name+": "+q, err, insufficientPrivilege)
		}
	}

	// inserting: only for oneself, only for one's own order, and not as a store
	_, err = raw(e.buyer2, `insert into ratings (tenant_id, id, order_id, buyer_id, overall, description_match, service_attitude,
		logistics_speed, initial_overall, initial_description_match, initial_service_attitude, initial_logistics_speed, created_at)
		values ($1, $2, $3, $4, 5, 5, 5, 5, 5, 5, 5, 5, now())`, e.store, uuid.New(), o.ID, e.buyer.UserID)
	fails("buyer inserts as another buyer", err, insufficientPrivilege)
	o3 := e.order(e.buyer, orders.Delivered)
	_, err = raw(e.buyer2, `insert into ratings (tenant_id, id, order_id, buyer_id, overall, description_match, service_attitude,
		logistics_speed, initial_overall, initial_description_match, initial_service_attitude, initial_logistics_speed, created_at)
		values ($1, $2, $3, $4, 5, 5, 5, 5, 5, 5, 5, 5, now())`, e.store, uuid.New(), o3.ID, e.buyer2.UserID)
	fails("buyer rates another buyer's order", err, foreignKeyViolation)
	_, err = raw(e.merchant, `insert into ratings (tenant_id, id, order_id, buyer_id, overall, description_match, service_attitude,
		logistics_speed, initial_overall, initial_description_match, initial_service_attitude, initial_logistics_speed, created_at)
		values ($1, $2, $3, $4, 5, 5, 5, 5, 5, 5, 5, 5, now())`, e.store, uuid.New(), o3.ID, e.buyer.UserID)
	fails("store rates its own order", err, insufficientPrivilege)

	// the second revision and the second reply, committed this time, then tried again
	e.clock.Advance(time.Hour)
	if _, err := e.revise(e.buyer, r, fine); err != nil {
		t.Fatal(err)
	}
	if _, err := e.reply(e.merchant, r, "Thanks"); err != nil {
		t.Fatal(err)
	}
	later = e.clock.Now().Add(time.Hour)
	_, err = raw(e.buyer, `update ratings set overall = 1, revised_at = $2 where id = $1`, r.ID, later)
	fails("second revision", err, checkViolation)
	if err == nil || !strings.Contains(err.Error(), "revised once") {
		t.Errorf("second revision refused by %v, want the guard", err)
	}
	_, err = raw(e.merchant, `update ratings set reply = 'again', replied_at = $3, replied_by = $2 where id = $1`, r.ID, e.merchant.UserID, later)
	fails("second reply", err, checkViolation)
	if err == nil || !strings.Contains(err.Error(), "replied to once") {
		t.Errorf("second reply refused by %v, want the guard", err)
	}
	// the database's checks on its own
	_, err = raw(tenants.System, `update ratings set overall = 6 where id = $1`, r.ID)
	fails("6 stars", err, checkViolation)
	_, err = raw(tenants.System, `update ratings set comment = repeat('好', 1001) where id = $1`, r.ID)
	fails("1001 characters", err, checkViolation)
	_, err = raw(tenants.System, `update ratings set reply = null where id = $1`, r.ID)
	fails("a reply without its text", err, checkViolation)
}

func nz(id uuid.UUID) string {
	if id == uuid.Nil {
		return ""
	}
	return id.String()
}

// ---------------------------------------------------------------- demo data

// Whatever ratings the demo data has, they keep every rule: on delivered or completed orders, by their buyer,
// given after delivery, before the window closed and before the demo's now; revised once within 30 days;
// replied after they were given. (Skipped while demo.Load does not write ratings.)
func TestDemoRatingsKeepTheRules(t *testing.T) {
	e := newEnv(t)
	var c struct {
		Rated, Rateable, Negative, Broken, Commented, Replied, Revised int
	}
	e.sys(func(tx *sqlx.Tx) error {
		return tx.QueryRowx(`
			with demo as (select o.* from orders o join stores s on s.id = o.tenant_id
				where s.slug in ('lotus-electronics', 'maple-apparel', 'harbor-foods')),
			r as (select r.*, o.status, o.delivered_at, o.completed_at from ratings r
				join demo o on o.tenant_id = r.tenant_id and o.id = r.order_id)
			select (select count(*) from r),
				(select count(*) from demo where status in ('DELIVERED', 'COMPLETED')),
				(select count(*) from r where negative),
				(select count(*) from r where not (
					status in ('DELIVERED', 'COMPLETED') and created_at >= delivered_at and created_at <= $1
					and (completed_at is null or created_at < completed_at + interval '15 days')
					and (revised_at is null or (revised_at >= created_at and revised_at < created_at + interval '30 days' and revised_at <= $1))
					and (revised_at is not null or (overall, description_match, service_attitude, logistics_speed, comment) =
						(initial_overall, initial_description_match, initial_service_attitude, initial_logistics_speed, initial_comment))
					and (replied_at is null or (replied_at >= created_at and replied_at <= $1)))),
				(select count(*) from r where comment <> ''),
				(select count(*) from r where replied_at is not null),
				(select count(*) from r where revised_at is not null)`, demoNow).
			Scan(&c.Rated, &c.Rateable, &c.Negative, &c.Broken, &c.Commented, &c.Replied, &c.Revised)
	})
	if c.Rated == 0 {
		t.Skip("the demo data has no ratings (demo.Load does not call insertRatings yet)")
	}
	t.Logf("demo ratings: %+v", c)
	if c.Broken != 0 {
		t.Errorf("%d demo ratings break a rule", c.Broken)
	}
	if share := float64(c.Rated) / float64(c.Rateable); share < 0.45 || share > 0.75 {
		t.Errorf("%d of %d delivered or completed orders rated, want about 60%%", c.Rated, c.Rateable)
	}
	// the stores' profiles: under 1% (lotus), about 1% (maple), about 3% (harbor), some revised upwards
	if c.Negative == 0 || float64(c.Negative)/float64(c.Rated) > 0.05 {
		t.Errorf("%d of %d demo ratings negative, want a few (about 1%%)", c.Negative, c.Rated)
	}
	if c.Commented == 0 || c.Replied == 0 || c.Revised == 0 {
		t.Errorf("want some comments, replies and revisions: %+v", c)
	}
}
