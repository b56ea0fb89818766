package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"tradeguard/orders"
	"tradeguard/payments"
	"tradeguard/tenants"
)

// BenchmarkOrdersPage: orders(first: 50) with lines, products and buyer, as the merchant of lotus, over real
// HTTP against real PostgreSQL (the demo data). The README's load numbers come from scripts/bench.sh; this
// one is for profiling (go test -bench OrdersPage -cpuprofile).
func BenchmarkOrdersPage(b *testing.B) {
	t := &testing.T{}
	h := setup(t)
	tok := h.login(t, lotusOwner)
	body, err := os.ReadFile("../bench/orders-query.json")
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest(http.MethodPost, h.URL+"/graphql", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+tok)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				b.Fatalf("status %d", res.StatusCode)
			}
		}
	})
}

// BenchmarkSchedulerDrain: 10,000 unpaid orders whose payment windows all close at once, then one runner
// (as a server process runs it) acting on every due deadline until none is left: each cancels its order and
// releases its stock. Reports the time to drain and deadlines per second. One iteration is the measure:
//
//	go test ./server -run '^$' -bench SchedulerDrain -benchtime 1x
func BenchmarkSchedulerDrain(b *testing.B) {
	for _, workers := range []int{schedulerWorkers, 1} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) { benchDrain(b, workers) })
	}
}

func benchDrain(b *testing.B, workers int) {
	const n = 10000
	t := &testing.T{}
	h := setup(t)
	ctx := context.Background()
	for range b.N {
		b.StopTimer()
		st := h.freshStore(t)
		var buyer uuid.UUID
		h.asSystem(t, func(tx *sqlx.Tx) {
			if err := tx.Get(&buyer, `select id from users where email = $1`, buyer1); err != nil {
				b.Fatal(err)
			}
		})
		p := tenants.Principal{Role: tenants.RoleBuyer, UserID: buyer}
		in := orders.CreateInput{StoreID: st.UUID, PaymentMethod: "CARD", ShipName: "Lin Mei", ShipPhone: "+886 912 345 678",
			ShipAddress: "No. 1, Zhongshan Rd, Taipei", Lines: []orders.LineInput{{ProductID: st.ProductUUIDs[0], Quantity: 1}}}
		for done := 0; done < n; done += 100 {
			err := tenants.Run(ctx, h.App, p, func(tx *sqlx.Tx) error {
				s := tenants.Attach(tx, p)
				for range 100 {
					if _, err := orders.Create(ctx, s, in, h.Clock.Now()); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				b.Fatalf("orders: %v", err)
			}
		}
		// Fresh statistics, as autovacuum would have them after such a burst: the comparison is of the workers.
		if _, err := h.Owner.Exec(`analyze deadlines, orders, order_events`); err != nil {
			b.Fatal(err)
		}
		later := h.Clock.Now().Add(31 * time.Minute)
		r := newScheduler(h.App, func() time.Time { return later }, payments.Scripted{}, slog.New(slog.NewJSONHandler(io.Discard, nil)), nil)
		r.Workers = workers
		b.StartTimer()
		started := time.Now()
		stats, err := r.RunDue(ctx)
		took := time.Since(started)
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		if left := h.sysCount(t, `select count(*) from orders where tenant_id = $1 and status <> 'CANCELLED'`, st.UUID); left != 0 || stats.Done < n {
			b.Fatalf("after the drain %d orders are not cancelled; stats %+v", left, stats)
		}
		b.ReportMetric(took.Seconds(), "s-to-drain")
		b.ReportMetric(float64(stats.Done)/took.Seconds(), "deadlines/s")
		csPurge(t, h, st.UUID, []uuid.UUID{st.OwnerID})
	}
}
