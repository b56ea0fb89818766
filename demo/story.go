package demo

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"tradeguard/aftersales"
	"tradeguard/orders"
	"tradeguard/payments"
	"tradeguard/scheduler"
	"tradeguard/tenants"
)

// The after-sales story: cases opened by the demo buyers and played forward by the buyer, the store's owner and
// the platform's admins, each through the same domain functions the API calls, at past instants. A case's
// script is a list of steps at increasing times; a step that would lie after now is where the case stops, so
// the recent cases are the ones still waiting on someone. Between steps the deadlines that fell due are acted on
// as the scheduler would have (auto-approval, closing, ruling final, …).

const storySeed = 0x73746f7279 // "story"

var (
	adminUser   = userID("admin@tradeguard.test")
	arbiterUser = userID("arbiter@tradeguard.test")
)

func admin() tenants.Principal { return tenants.Principal{Role: tenants.RoleAdmin, UserID: adminUser} }
func arbiter() tenants.Principal {
	return tenants.Principal{Role: tenants.RoleAdmin, UserID: arbiterUser}
}
func owner(slug string) tenants.Principal {
	return tenants.Principal{Role: tenants.RoleMerchant, UserID: userID("owner@" + slug + ".test"), StoreID: storeID(slug),
		StaffRole: tenants.StaffOwner}
}
func buyer(id uuid.UUID) tenants.Principal {
	return tenants.Principal{Role: tenants.RoleBuyer, UserID: id}
}

// stage is what a store's story plays on: its orders and lines as loaded, and the people.
type stage struct {
	ctx   context.Context
	tx    *sqlx.Tx
	spec  storeSpec
	store uuid.UUID
	now   time.Time
	r     *rand.Rand
	pay   payments.Adapter
	// declining refuses the refunds of the cases it names (one demo case whose refund the provider declines).
	declining map[uuid.UUID]bool
	orders    []orders.Order
	items     map[orders.Key][]orders.Item
	used      map[uuid.UUID]bool // orders that already have their story
	played    int
}

// as switches the transaction to p (row-level security sees p) and returns p's session.
func (st *stage) as(p tenants.Principal) (*tenants.Session, error) {
	return tenants.Become(st.ctx, st.tx, p)
}

// play is one case's script being played.
type play struct {
	st    *stage
	o     orders.Order
	c     aftersales.Case
	t     time.Time // the story's clock for this case
	open  bool
	done  bool // the next step would lie after now, or the script's last step was taken
	moved bool // a deadline took the case elsewhere: the scripted next step no longer applies
	err   error
	steps int
	// max ends the script after this many steps (-1: all of them); quick takes every wait's shortest span. The
	// recent queue plays scripts this way, so each case stops in the state it is meant to wait in.
	max   int
	quick bool
}

// wait moves the case's clock on by a random span; a span that would pass now ends the script.
func (p *play) wait(lo, hi time.Duration) bool {
	if p.done || p.moved || p.err != nil {
		return false
	}
	if p.quick {
		hi = lo
	}
	t := p.t.Add(time.Duration(between(p.st.r, int64(lo/time.Second), int64(hi/time.Second))) * time.Second)
	if t.After(p.st.now) {
		p.done = true
		return false
	}
	if err := p.settle(t); err != nil {
		p.err = err
		return false
	}
	p.t = t
	return !p.moved
}

// waitThrough is wait for a script that expects a deadline to act meanwhile (a complaint the store leaves
// unanswered goes to the platform): the script goes on from there.
func (p *play) waitThrough(lo, hi time.Duration) bool {
	ok := p.wait(lo, hi)
	if p.moved && !p.done && p.err == nil {
		p.moved = false
		return true
	}
	return ok
}

// settle acts on every deadline of the case that fell due by t, at its own instant, as the scheduler would.
// If one did, the script's next step no longer applies and the script ends.
func (p *play) settle(t time.Time) error {
	if !p.open {
		return nil
	}
	for range 10 {
		at, action, ok := aftersales.Deadline(p.c, t)
		if !ok || !action.Acts() || at.After(t) {
			return nil
		}
		sys, err := p.st.as(tenants.System)
		if err != nil {
			return err
		}
		handle := aftersales.Handlers(p.pay())[aftersales.KindCaseDeadline]
		if err := handle(p.st.ctx, sys, scheduler.Deadline{TenantID: &p.st.store, SubjectID: p.c.ID}, at); err != nil {
			return fmt.Errorf("deadline %s of case %s: %w", action, p.c.Number, err)
		}
		if err := p.reload(sys); err != nil {
			return err
		}
		p.moved = true
	}
	return errors.New("demo: a case's deadlines did not settle")
}

func (p *play) reload(s *tenants.Session) error {
	cs, err := aftersales.ByKeys(p.st.ctx, s, []aftersales.Key{aftersales.KeyOf(p.c)})
	if err != nil {
		return err
	}
	if len(cs) != 1 {
		return fmt.Errorf("case %s vanished", p.c.Number)
	}
	p.c = cs[0]
	return nil
}

func (p *play) pay() payments.Adapter {
	if p.st.declining[p.c.ID] {
		return payments.Scripted{DeclineRefund: func(payments.Request) string { return "card account closed" }}
	}
	return p.st.pay
}

// key is a step's idempotency key.
func (p *play) key(what string) string {
	return fmt.Sprintf("demo-%s-%d-%s", p.c.Number, p.steps, what)
}

// do runs one step as who at the case's clock.
func (p *play) do(who tenants.Principal, fn func(s *tenants.Session, k aftersales.Key, t time.Time) (aftersales.Case, error)) {
	if p.done || p.moved || p.err != nil {
		return
	}
	if p.max >= 0 && p.steps >= p.max {
		p.done = true
		return
	}
	s, err := p.st.as(who)
	if err != nil {
		p.err = err
		return
	}
	p.steps++
	c, err := fn(s, aftersales.KeyOf(p.c), p.t)
	if err != nil {
		p.err = fmt.Errorf("case %s (order %s) step %d as %s: %w", p.c.Number, p.o.Number, p.steps, who.Role, err)
		return
	}
	p.c = c
}

func (p *play) buyer() tenants.Principal    { return buyer(p.o.BuyerID) }
func (p *play) merchant() tenants.Principal { return owner(p.st.spec.slug) }

// finish acts on the deadlines due by now.
func (p *play) finish() error {
	if p.err != nil {
		return p.err
	}
	if !p.open {
		return nil
	}
	p.done, p.moved = false, false
	return p.settle(p.st.now)
}

// openCase opens the case as the order's buyer at t. ok is false when the order does not qualify (a line the
// type excludes, a window closed): the story then tries another order.
func (st *stage) openCase(o orders.Order, t time.Time, in aftersales.OpenInput) (*play, bool, error) {
	p := &play{st: st, o: o, t: t}
	if t.After(st.now) {
		return nil, false, nil
	}
	s, err := st.as(buyer(o.BuyerID))
	if err != nil {
		return nil, false, err
	}
	in.Order = orders.Key{StoreID: o.StoreID, ID: o.ID}
	c, err := aftersales.Open(st.ctx, s, in, t)
	if err != nil {
		var re *tenants.RuleError
		var res tenants.RuleErrors
		if errors.As(err, &re) || errors.As(err, &res) {
			return nil, false, nil
		}
		return nil, false, fmt.Errorf("open %s on %s: %w", in.Type, o.Number, err)
	}
	p.c, p.open = c, true
	st.used[o.ID] = true
	st.played++
	return p, true, nil
}

// lines are what a case on o claims: one paid line (not a gift), or all of them for a cancellation.
func (st *stage) lines(o orders.Order, warrantyOnly bool) []aftersales.OpenItem {
	var out []aftersales.OpenItem
	for _, it := range st.items[orders.Key{StoreID: o.StoreID, ID: o.ID}] {
		if it.GiftOf != nil || it.UnitPriceMinor == 0 {
			continue
		}
		if warrantyOnly && warrantyOf(st.spec.slug, it.ProductID) == 0 {
			continue
		}
		out = append(out, aftersales.OpenItem{OrderItemID: it.ID, Quantity: 1})
	}
	if len(out) > 1 {
		out = out[st.r.IntN(len(out)):][:1]
	}
	return out
}

func warrantyOf(slug string, product uuid.UUID) int {
	for _, p := range products[slug] {
		if productID(slug, p.sku) == product {
			return p.warranty
		}
	}
	return 0
}
