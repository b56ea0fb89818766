package pgstmt_test

import (
	"context"
	"database/sql"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"tradeguard/internal/pgstmt"
)

// writeCounter dials PostgreSQL and counts the writes on its connections: lib/pq writes each batch of
// protocol messages it then waits on in one write, so writes are round trips.
type writeCounter struct{ n atomic.Int64 }

func (w *writeCounter) Dial(network, addr string) (net.Conn, error) {
	return w.DialTimeout(network, addr, 0)
}

func (w *writeCounter) DialTimeout(network, addr string, timeout time.Duration) (net.Conn, error) {
	c, err := net.DialTimeout(network, addr, timeout)
	if err != nil {
		return nil, err
	}
	return &countedConn{Conn: c, n: &w.n}, nil
}

type countedConn struct {
	net.Conn
	n *atomic.Int64
}

func (c *countedConn) Write(b []byte) (int, error) {
	c.n.Add(1)
	return c.Conn.Write(b)
}

func counted(t *testing.T) (*sql.Conn, *writeCounter) {
	t.Helper()
	w := &writeCounter{}
	_, conn := open(t, pgstmt.Options{Dialer: w})
	return conn, w
}

// The settings a transaction begins with arrive with its BEGIN: one round trip, every value exactly as
// given (quotes, backslashes, semicolons and all), and gone when the transaction ends.
func TestSettingsRideWithBegin(t *testing.T) {
	conn, w := counted(t)
	values := []string{`it's`, `back\slash\'`, `; select 1 --`, `ünïcødé`, ``}
	var settings []pgstmt.Setting
	for i, v := range values {
		settings = append(settings, pgstmt.Setting{Name: "app.v" + string(rune('a'+i)), Value: v})
	}
	ctx, applied := pgstmt.WithSettings(context.Background(), settings...)
	before := w.n.Load()
	tx, err := conn.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if trips := w.n.Load() - before; trips != 1 || !applied() {
		t.Fatalf("BEGIN with settings took %d round trips (applied: %v), want 1", trips, applied())
	}
	for _, s := range settings {
		var got string
		if err := tx.QueryRow(`select current_setting($1)`, s.Name).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != s.Value {
			t.Fatalf("%s = %q, want %q", s.Name, got, s.Value)
		}
	}
	var ro string
	if err := tx.QueryRow(`select current_setting('transaction_read_only')`).Scan(&ro); err != nil || ro != "on" {
		t.Fatalf("read only: %q, %v", ro, err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	var after string
	if err := conn.QueryRowContext(context.Background(), `select current_setting('app.va', true)`).Scan(&after); err != nil || after != "" {
		t.Fatalf("after commit app.va = %q, %v; want it gone", after, err)
	}
}

// A value the text protocol cannot carry (a NUL byte) is left to the caller; the transaction still begins.
func TestSettingWithNULIsLeftToTheCaller(t *testing.T) {
	conn, _ := counted(t)
	ctx, applied := pgstmt.WithSettings(context.Background(), pgstmt.Setting{Name: "app.x", Value: "a\x00b"})
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if applied() {
		t.Fatal("a NUL byte was reported sent")
	}
	var got string
	if err := tx.QueryRow(`select coalesce(current_setting('app.x', true), '')`).Scan(&got); err != nil || got != "" {
		t.Fatalf("app.x = %q, %v", got, err)
	}
}

// A setting PostgreSQL refuses fails BeginTx, and the connection is left clean for the next use.
func TestRefusedSettingFailsBeginAndLeavesTheConnectionClean(t *testing.T) {
	conn, _ := counted(t)
	ctx, applied := pgstmt.WithSettings(context.Background(), pgstmt.Setting{Name: "statement_timeout", Value: "soon"})
	if tx, err := conn.BeginTx(ctx, nil); err == nil {
		_ = tx.Rollback()
		t.Fatal("statement_timeout = 'soon' began a transaction")
	}
	if applied() {
		t.Fatal("refused settings reported applied")
	}
	tx, err := conn.BeginTx(context.Background(), nil)
	if err != nil {
		t.Fatalf("next transaction: %v", err)
	}
	var n int
	if err := tx.QueryRow(`select $1::int`, 3).Scan(&n); err != nil || n != 3 {
		t.Fatalf("next transaction's statement: %d, %v", n, err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

// Without lib/pq's own BeginTx the transaction keeps its cancellation: a statement under a context that ends
// is cancelled in PostgreSQL, not waited for.
func TestStatementInTransactionIsCancelledWithItsContext(t *testing.T) {
	conn, _ := counted(t)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `select pg_sleep(30)`); err == nil {
		t.Fatal("pg_sleep(30) finished under a context of 200 ms")
	}
}
