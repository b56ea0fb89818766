package exports_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"tradeguard/exports"
	"tradeguard/internal/testdb"
	"tradeguard/tenants"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// BenchmarkExportOrders exports one store's orders (EXPORT_ROWS of them, default 100,000; the README's
// number is 1,000,000) as JSONL and reports rows/s and the process's peak heap while it ran, which must not
// grow with the store (README: Bulk export). Run: EXPORT_ROWS=1000000 go test ./exports -run - -bench . -benchtime 1x
func BenchmarkExportOrders(b *testing.B) {
	rows := 100_000
	if v, err := strconv.Atoi(os.Getenv("EXPORT_ROWS")); err == nil && v > 0 {
		rows = v
	}
	owner, app := testdb.Migrated(b)
	store := seedOrders(b, owner, rows)
	ctx := context.Background()
	now := time.Now()
	for b.Loop() {
		var e exports.Export
		err := tenants.Run(ctx, app, tenants.Principal{Role: tenants.RoleMerchant, StoreID: store, StaffRole: tenants.StaffOwner,
			UserID: uuid.Nil}, func(tx *sqlx.Tx) error {
			_, err := tx.Exec(`insert into bulk_exports (tenant_id, id, kind, format, requested_by_token, created_at, expires_at)
				values ($1, $2, 'ORDERS', 'JSONL', $3, $4, $5)`, store, uuid.New(), uuid.New(), now, now.Add(exports.Keep))
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		var base runtime.MemStats
		runtime.ReadMemStats(&base)
		var peak atomic.Uint64
		stop := make(chan struct{})
		go func() {
			var m runtime.MemStats
			for {
				select {
				case <-stop:
					return
				case <-time.After(20 * time.Millisecond):
					runtime.ReadMemStats(&m)
					if m.HeapInuse > peak.Load() {
						peak.Store(m.HeapInuse)
					}
				}
			}
		}()
		x := &exports.Exporter{DB: app, Now: time.Now, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
		start := time.Now()
		if _, err := x.Tick(ctx); err != nil {
			b.Fatal(err)
		}
		took := time.Since(start)
		close(stop)
		err = tenants.Run(ctx, app, tenants.System, func(tx *sqlx.Tx) error {
			return tx.Get(&e, `select tenant_id, id, kind, format, status, rows_done, bytes, chunks, created_at, expires_at
				from bulk_exports where tenant_id = $1 order by created_at desc limit 1`, store)
		})
		if err != nil || e.Status != "SUCCEEDED" || e.RowsDone != rows {
			b.Fatalf("export: %+v %v", e, err)
		}
		b.ReportMetric(float64(rows)/took.Seconds(), "rows/s")
		b.ReportMetric(float64(e.Bytes)/(1<<20), "file-MiB")
		b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MiB")
		b.ReportMetric(float64(base.HeapInuse)/(1<<20), "heap-before-MiB")
		b.ReportMetric(float64(x.MaxBuffered)/(1<<20), "max-buffer-MiB")
	}
}

// seedOrders makes a store with n unpaid orders of two items each, in SQL (the domain would take hours).
func seedOrders(b *testing.B, owner *sqlx.DB, n int) uuid.UUID {
	store, buyer, product := uuid.New(), uuid.New(), uuid.New()
	tx := owner.MustBegin()
	defer func() { _ = tx.Rollback() }()
	tx.MustExec(`select set_config('app.role', 'system', true)`)
	tx.MustExec(`insert into stores (id, slug, name, category, currency, time_zone, status, created_at)
		values ($1, 'bench-export', 'Bench export', 'electronics', 'TWD', 'Asia/Taipei', 'ACTIVE', now() - interval '400 days')`, store)
	tx.MustExec(`insert into users (id, email, password_hash, display_name, role, created_at)
		values ($1, 'buyer@bench-export.test', 'x', '買家', 'BUYER', now() - interval '400 days')`, buyer)
	tx.MustExec(`insert into products (tenant_id, id, sku, title, category, price_minor, currency, warranty_days, status, created_at)
		values ($1, $2, 'B-1', '藍牙耳機 Bluetooth earbuds', 'electronics', 129900, 'TWD', 365, 'ACTIVE', now() - interval '400 days')`, store, product)
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	for from := 0; from < n; from += 100_000 {
		to := min(from+100_000, n)
		tx := owner.MustBegin()
		tx.MustExec(`select set_config('app.role', 'system', true)`)
		tx.MustExec(`insert into orders (tenant_id, id, number, buyer_id, status, currency, subtotal_minor, shipping_minor, total_minor,
				buyer_name, ship_name, ship_phone, ship_address, created_at)
			select $1, gen_random_uuid(), 'B' || lpad(g::text, 9, '0'), $2, 'PENDING_PAYMENT', 'TWD', 259800, 6000, 265800,
				'王小明', '王小明', '0912345678', '台北市信義區市府路 1 號', now() - interval '300 days' + g * interval '1 second'
			from generate_series($3::int + 1, $4::int) g`, store, buyer, from, to)
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
		// Fresh statistics, or the items' row-level check plans a scan of orders for every row.
		owner.MustExec(`analyze orders`)
		tx = owner.MustBegin()
		tx.MustExec(`select set_config('app.role', 'system', true)`)
		tx.MustExec(`insert into order_items (tenant_id, id, order_id, buyer_id, product_id, position, title, quantity, unit_price_minor)
			select o.tenant_id, gen_random_uuid(), o.id, o.buyer_id, $2, p, '藍牙耳機 Bluetooth earbuds', 1, 129900
			from orders o, generate_series(1, 2) p
			where o.tenant_id = $1 and o.number > 'B' || lpad($3::text, 9, '0') and o.number <= 'B' || lpad($4::text, 9, '0')`,
			store, product, from, to)
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := owner.Exec(`vacuum analyze orders, order_items`); err != nil {
		b.Fatal(err)
	}
	return store
}
