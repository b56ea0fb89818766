package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"tradeguard/aftersales"
	"tradeguard/orders"
	"tradeguard/payments"
	"tradeguard/tenants"
)

// playCases plays every store's after-sales story in Load's transaction: the history (cases on a share of
// the delivered orders, per the store's profile, and the cancellation requests of the orders that stopped at
// PAID for one), then the recent queue. It leaves the transaction as the system.
func playCases(ctx context.Context, tx *sqlx.Tx, cancels map[uuid.UUID]bool, now time.Time) error {
	for si, spec := range stores {
		st := &stage{ctx: ctx, tx: tx, spec: spec, store: storeID(spec.slug), now: now,
			r: rand.New(rand.NewPCG(storySeed, uint64(si))), pay: payments.Recorder{}, declining: map[uuid.UUID]bool{},
			used: map[uuid.UUID]bool{}}
		if err := st.load(); err != nil {
			return err
		}
		if err := st.queue(); err != nil {
			return fmt.Errorf("queue of %s: %w", spec.slug, err)
		}
		if err := st.history(cancels); err != nil {
			return fmt.Errorf("story of %s: %w", spec.slug, err)
		}
	}
	_, err := tenants.Become(ctx, tx, tenants.System)
	return err
}

// load reads the store's orders (oldest first) and their lines as the system.
func (st *stage) load() error {
	s, err := st.as(tenants.System)
	if err != nil {
		return err
	}
	var after *orders.Cursor
	for {
		page, more, err := orders.List(st.ctx, s, orders.Filter{StoreID: &st.store}, after, 500)
		if err != nil {
			return err
		}
		st.orders = append(st.orders, page...)
		if !more {
			break
		}
		last := page[len(page)-1]
		after = &orders.Cursor{CreatedAt: last.CreatedAt, ID: last.ID}
	}
	slices.SortFunc(st.orders, func(a, b orders.Order) int { return a.CreatedAt.Compare(b.CreatedAt) })
	keys := make([]orders.Key, len(st.orders))
	for i, o := range st.orders {
		keys[i] = orders.Key{StoreID: o.StoreID, ID: o.ID}
	}
	st.items, err = orders.ItemsByOrders(st.ctx, s, keys)
	return err
}

// history gives a share of the delivered orders the queue left alone a case, its script drawn from the
// store's mix, and each order that stopped at PAID for it a cancellation request.
func (st *stage) history(cancels map[uuid.UUID]bool) error {
	for _, o := range st.orders {
		name := ""
		switch {
		case st.used[o.ID]:
			continue
		case cancels[o.ID]:
			name = "cancelRequest"
		case o.DeliveredAt != nil && st.r.Float64() < st.spec.profile.cases:
			name = st.pickScript()
		default:
			continue
		}
		ok, err := st.run(o, name, runOpts{steps: -1})
		if err != nil {
			return err
		}
		if !ok && name == "cancelRequest" && o.PaidAt.Add(scripts[name].openHi).Before(st.now) {
			return fmt.Errorf("order %s: its cancellation request could not be opened", o.Number)
		}
	}
	return nil
}

func (st *stage) pickScript() string {
	total := 0
	for _, w := range st.spec.profile.mix {
		total += w.weight
	}
	n := st.r.IntN(total)
	for _, w := range st.spec.profile.mix {
		if n < w.weight {
			return w.scenario
		}
		n -= w.weight
	}
	panic("unreachable")
}

// runOpts: steps ends the script after that many steps (-1: all); quick takes each wait's shortest span;
// openAt, when set, is when the case opens (else a time drawn from the script's range); decline has the
// payment provider decline the case's refunds.
type runOpts struct {
	steps   int
	quick   bool
	openAt  *time.Time
	decline bool
}

// run opens script name's case on o and plays it. ok is false when o does not qualify.
func (st *stage) run(o orders.Order, name string, opt runOpts) (bool, error) {
	sc, found := scripts[name]
	if !found {
		return false, fmt.Errorf("no script %q", name)
	}
	from := o.DeliveredAt
	if sc.fromPayment {
		from = o.PaidAt
	}
	if from == nil {
		return false, nil
	}
	at := from.Add(time.Duration(between(st.r, int64(sc.openLo/time.Second), int64(sc.openHi/time.Second))) * time.Second)
	if opt.openAt != nil {
		at = *opt.openAt
	}
	in := aftersales.OpenInput{Type: sc.typ, Reason: sc.reasons[st.r.IntN(len(sc.reasons))], Description: sc.what}
	if sc.typ != aftersales.OrderCancel {
		if in.Items = st.lines(o, sc.warranty); len(in.Items) == 0 {
			return false, nil
		}
	}
	p, ok, err := st.openCase(o, at, in)
	if err != nil || !ok {
		return ok, err
	}
	p.max, p.quick = opt.steps, opt.quick
	if opt.decline {
		st.declining[p.c.ID] = true
	}
	sc.steps(p)
	return true, p.finish()
}
