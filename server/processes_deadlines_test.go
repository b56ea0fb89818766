package main

import (
	"context"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"tradeguard/demo"
	"tradeguard/internal/testdb"
	"tradeguard/orders"
	"tradeguard/tenants"
)

// baseURL is where the process serves (from its welcome text).
func (p *serverProcess) baseURL(t testing.TB) string {
	t.Helper()
	m := regexp.MustCompile(`GraphQL:\s+(http://\S+)/graphql`).FindStringSubmatch(p.out.String())
	if m == nil {
		t.Fatalf("no GraphQL address in the process's output:\n%s", p.out)
	}
	return m[1]
}

// deadlinesDone is the process's scheduler_deadlines_total{kind, outcome="DONE"}, read from its /metrics.
func (p *serverProcess) deadlinesDone(t *testing.T, kind string) int {
	t.Helper()
	n, _ := strconv.Atoi(metric(t, p.baseURL(t), `scheduler_deadlines_total{kind="`+kind+`",outcome="DONE"}`))
	return n
}

// TestTwoProcessesActOnEachDeadlineOnce: 1,000 unpaid orders whose payment windows have all closed, and two
// real server processes whose schedulers drain them at once. Each order is cancelled exactly once (one
// CANCEL event, its deadline DONE after one attempt), and both processes took part.
func TestTwoProcessesActOnEachDeadlineOnce(t *testing.T) {
	const suffix, n = "deadlines", 1000
	_, owner, app := testdb.Another(t, suffix)
	ctx := context.Background()
	if _, err := demo.Load(ctx, app, time.Now()); err != nil {
		t.Fatal(err)
	}
	var store, product, buyer uuid.UUID
	err := tenants.Run(ctx, app, tenants.System, func(tx *sqlx.Tx) error {
		if err := tx.Get(&store, `select id from stores where slug = 'lotus-electronics'`); err != nil {
			return err
		}
		if err := tx.Get(&product, `select id from products where tenant_id = $1 and status = 'ACTIVE' order by sku limit 1`, store); err != nil {
			return err
		}
		return tx.Get(&buyer, `select id from users where email = $1`, buyer1)
	})
	if err != nil {
		t.Fatal(err)
	}
	p := tenants.Principal{Role: tenants.RoleBuyer, UserID: buyer}
	in := orders.CreateInput{StoreID: store, PaymentMethod: "CARD", ShipName: "Lin Mei", ShipPhone: "+886 912 345 678",
		ShipAddress: "No. 1, Zhongshan Rd, Taipei", Lines: []orders.LineInput{{ProductID: product, Quantity: 1}}}
	created := time.Now().Add(-orders.PaymentWindow - time.Minute) // every window closed a minute ago
	ids := make([]uuid.UUID, 0, n)
	for len(ids) < n {
		err := tenants.Run(ctx, app, p, func(tx *sqlx.Tx) error {
			s := tenants.Attach(tx, p)
			for range 100 {
				o, err := orders.Create(ctx, s, in, created)
				if err != nil {
					return err
				}
				ids = append(ids, o.ID)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}

	a := spawnProcess(t, suffix, "-scheduler-every", "50ms")
	b := spawnProcess(t, suffix, "-scheduler-every", "50ms")
	a.waitReady(t)
	b.waitReady(t)
	sysGet := func(dest any, q string, args ...any) {
		t.Helper()
		tx := owner.MustBegin()
		defer tx.Rollback()
		tx.MustExec(`select set_config('app.role', 'system', true)`)
		if err := tx.Get(dest, q, args...); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "every order is cancelled", func() bool {
		var open int
		sysGet(&open, `select count(*) from orders where tenant_id = $1 and id = any($2) and status <> 'CANCELLED'`, store, pq.Array(ids))
		return open == 0
	})
	var cancels, ordersWithOtherThanOne, notDone int
	sysGet(&cancels, `select count(*) from order_events where tenant_id = $1 and order_id = any($2) and action = 'CANCEL'`, store, pq.Array(ids))
	sysGet(&ordersWithOtherThanOne, `select count(*) from (select order_id from order_events where tenant_id = $1 and order_id = any($2)
		and action = 'CANCEL' group by order_id having count(*) <> 1) x`, store, pq.Array(ids))
	sysGet(&notDone, `select count(*) from deadlines where tenant_id = $1 and kind = $2 and subject_id = any($3)
		and (status <> 'DONE' or attempts <> 1)`, store, orders.KindPaymentTimeout, pq.Array(ids))
	if cancels != n || ordersWithOtherThanOne != 0 || notDone != 0 {
		t.Fatalf("%d CANCEL events for %d orders (%d orders without exactly one); %d deadlines not DONE at the first attempt",
			cancels, n, ordersWithOtherThanOne, notDone)
	}
	byA, byB := a.deadlinesDone(t, orders.KindPaymentTimeout), b.deadlinesDone(t, orders.KindPaymentTimeout)
	if byA == 0 || byB == 0 || byA+byB < n {
		t.Fatalf("payment timeouts done: %d by one process, %d by the other; want both > 0 and %d in all", byA, byB, n)
	}
	t.Logf("payment timeouts done: %d and %d", byA, byB)
}
