package demo

import (
	"fmt"
	"slices"
	"time"

	"tradeguard/orders"
)

// The recent queue: in every store, cases opened in the last days that wait on someone now — the store (due
// today, a return to receive, a replacement to send), the buyer (a rejection to answer, a return to send) or
// the platform (arbitrations whose evidence windows closed, a complaint past the platform's 24 h, an appeal).
// Each is a script played for its first steps with the shortest waits, opened ago before now.
type waiting struct {
	name    string // for errors
	script  string
	steps   int
	ago     time.Duration
	decline bool
	stores  []string // the stores that play it (all when empty): the better a store, the shorter its queue
}

var (
	allButLotus = []string{"maple-apparel", "harbor-foods"}
	harbor      = []string{"harbor-foods"}
	lotus       = []string{"lotus-electronics"}
	maple       = []string{"maple-apparel"}
)

var queue = []waiting{
	{name: "due in 3 hours", script: "qualityRefund", steps: 0, ago: 5*dayD - 3*hourD, stores: allButLotus},
	{name: "return due in 3 hours", script: "noReasonReturn", steps: 0, ago: 5*dayD - 3*hourD, stores: lotus},
	{name: "due in 9 hours", script: "qualityRefund", steps: 0, ago: 5*dayD - 9*hourD, stores: harbor},
	{name: "new return request", script: "noReasonReturn", steps: 0, ago: 5 * hourD},
	{name: "awaiting the buyer's return", script: "noReasonReturn", steps: 1, ago: 2 * dayD},
	{name: "return on its way", script: "noReasonReturn", steps: 2, ago: 3 * dayD},
	{name: "damaged, awaiting the return", script: "damagedReturn", steps: 1, ago: 2 * dayD, stores: harbor},
	{name: "replacement to send", script: "exchange", steps: 4, ago: 2 * dayD, stores: harbor},
	{name: "replacement sent", script: "exchange", steps: 5, ago: 3 * dayD, stores: allButLotus},
	{name: "rejected, the buyer may answer", script: "rejectedClosed", steps: 1, ago: 2 * dayD, stores: allButLotus},
	{name: "rejected, closed unanswered", script: "rejectedClosed", steps: -1, ago: 12 * dayD, stores: harbor},
	{name: "ruled for the store, final", script: "arbitrationForMerchant", steps: -1, ago: 16 * dayD, stores: maple},
	{name: "arbitration waiting for a ruling", script: "arbitrationForBuyer", steps: 4, ago: 6 * dayD, stores: harbor},
	{name: "ruling open to appeal", script: "arbitrationForMerchant", steps: 5, ago: 8 * dayD},
	{name: "appeal to decide", script: "arbitrationOverturned", steps: 6, ago: 10 * dayD, stores: allButLotus},
	{name: "complaint past the platform's time", script: "complaintToPlatform", steps: 0, ago: 4 * dayD, stores: harbor},
	{name: "new complaint", script: "complaintResolved", steps: 0, ago: 10 * hourD},
	{name: "refund declined by the provider", script: "qualityRefund", steps: 1, ago: 2 * dayD, decline: true, stores: harbor},
}

// queue plays the recent queue on the newest orders that fit, and a cancellation request on a recently paid
// order.
func (st *stage) queue() error {
	for _, w := range queue {
		if len(w.stores) > 0 && !slices.Contains(w.stores, st.spec.slug) {
			continue
		}
		at := st.now.Add(-w.ago)
		played, err := st.newest(func(o orders.Order) (bool, error) {
			if o.DeliveredAt == nil || o.DeliveredAt.Before(at.Add(-6*dayD)) || o.DeliveredAt.After(at.Add(-hourD)) {
				return false, nil
			}
			return st.run(o, w.script, runOpts{steps: w.steps, quick: true, openAt: &at, decline: w.decline})
		})
		if err != nil || !played {
			return fmt.Errorf("%q: %v (no order delivered in time qualified: %v)", w.name, err, !played)
		}
	}
	// A cancellation request on an order paid in the last day; without one, the history has them anyway.
	_, err := st.newest(func(o orders.Order) (bool, error) {
		if o.Status != orders.Paid || o.PaidAt == nil || o.PaidAt.Before(st.now.Add(-20*hourD)) || o.PaidAt.After(st.now.Add(-time.Hour)) {
			return false, nil
		}
		at := o.PaidAt.Add(30 * time.Minute)
		return st.run(o, "cancelRequest", runOpts{steps: 0, quick: true, openAt: &at})
	})
	return err
}

// newest offers the orders without a story yet to try, newest first, until one plays.
func (st *stage) newest(try func(orders.Order) (bool, error)) (bool, error) {
	for i := len(st.orders) - 1; i >= 0; i-- {
		if o := st.orders[i]; !st.used[o.ID] {
			if ok, err := try(o); err != nil || ok {
				return ok, err
			}
		}
	}
	return false, nil
}
