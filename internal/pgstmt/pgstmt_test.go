package pgstmt_test

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"testing"

	"github.com/lib/pq"

	"tradeguard/internal/pgstmt"
	"tradeguard/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// prepared counts the named statements the server holds for the one connection of db.
func prepared(t *testing.T, conn *sql.Conn) int {
	t.Helper()
	var n int
	// No parameters: sent as a simple query, so it does not prepare itself.
	if err := conn.QueryRowContext(context.Background(), `select count(*) from pg_prepared_statements`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func open(t *testing.T, o pgstmt.Options) (*sql.DB, *sql.Conn) {
	t.Helper()
	db, err := pgstmt.Open(testdb.New(t), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return db.DB, conn
}

func TestStatementsArePreparedOncePerConnection(t *testing.T) {
	ctx := context.Background()
	_, conn := open(t, pgstmt.Options{})
	for i := range 5 {
		var got int
		if err := conn.QueryRowContext(ctx, `select $1::int + 1`, i).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != i+1 {
			t.Fatalf("select %d + 1 = %d", i, got)
		}
		if _, err := conn.ExecContext(ctx, `select set_config('app.x', $1, false)`, "v"); err != nil {
			t.Fatal(err)
		}
	}
	if n := prepared(t, conn); n != 2 {
		t.Fatalf("%d statements prepared after 5 runs of 2 distinct ones, want 2", n)
	}
	// Inside a transaction that fails, then after it: the statements stay usable.
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := tx.QueryRowContext(ctx, `select 1 / $1::int`, 0).Scan(&n); err == nil {
		t.Fatal("division by zero succeeded")
	}
	_ = tx.Rollback()
	if err := conn.QueryRowContext(ctx, `select 1 / $1::int`, 1).Scan(&n); err != nil || n != 1 {
		t.Fatalf("after a failed transaction: %d, %v", n, err)
	}
}

func TestLeastRecentlyUsedStatementIsClosed(t *testing.T) {
	ctx := context.Background()
	_, conn := open(t, pgstmt.Options{Size: 3})
	for _, q := range []string{`select $1::int`, `select $1::int + 1`, `select $1::int + 2`, `select $1::int + 3`, `select $1::int`} {
		var n int
		if err := conn.QueryRowContext(ctx, q, 1).Scan(&n); err != nil {
			t.Fatal(err)
		}
	}
	if n := prepared(t, conn); n != 3 {
		t.Fatalf("%d statements prepared with room for 3", n)
	}
}

func TestDisabledPreparesNothing(t *testing.T) {
	ctx := context.Background()
	_, conn := open(t, pgstmt.Options{Disabled: true})
	var n int
	for range 3 {
		if err := conn.QueryRowContext(ctx, `select $1::int`, 1).Scan(&n); err != nil {
			t.Fatal(err)
		}
	}
	if n := prepared(t, conn); n != 0 {
		t.Fatalf("%d statements prepared with the cache off", n)
	}
}

// A table that changes shape under a prepared statement: PostgreSQL refuses the old statement once, the
// cache forgets it, and the next run prepares it again.
func TestStatementPreparedAgainAfterItsTableChanged(t *testing.T) {
	ctx := context.Background()
	_, conn := open(t, pgstmt.Options{})
	for _, q := range []string{`drop table if exists shape`, `create table shape (a int)`, `insert into shape values (1)`} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	const q = `select * from shape where a = $1`
	run := func() error {
		rows, err := conn.QueryContext(ctx, q, 1)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
		}
		return rows.Err()
	}
	if err := run(); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, `alter table shape add column b text`); err != nil {
		t.Fatal(err)
	}
	err := run()
	var pe *pq.Error
	if err != nil && (!errors.As(err, &pe) || pe.Code != "0A000") {
		t.Fatalf("first run after the change: %v", err)
	}
	if err := run(); err != nil {
		t.Fatalf("second run after the change: %v", err)
	}
}

func TestCaptureSeesTheTransactionAndItsStatements(t *testing.T) {
	ctx := context.Background()
	var mu sync.Mutex
	var got []pgstmt.Statement
	db, _ := open(t, pgstmt.Options{Capture: func(s pgstmt.Statement) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, s)
	}})
	tx, err := db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := tx.QueryRowContext(ctx, `select $1::int`, 7).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	want := []string{"BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "select $1::int", "COMMIT"}
	if len(got) != len(want) {
		t.Fatalf("captured %+v", got)
	}
	for i, w := range want {
		if got[i].SQL != w {
			t.Fatalf("statement %d: %q, want %q", i, got[i].SQL, w)
		}
	}
	if len(got[1].Args) != 1 || got[1].Args[0].Value != int64(7) {
		t.Fatalf("arguments %+v", got[1].Args)
	}
}
