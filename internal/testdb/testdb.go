// Package testdb gives each test binary one fresh database on a real PostgreSQL cluster
// (started with embeddedpg), so tests exercise the real SQL dialect, not mocks.
package testdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/lib/pq"

	"tradeguard/embeddedpg"
)

// extraConf: pg_stat_statements lets tests inspect the queries they issue; durability is
// turned off because test data is disposable and fsync dominates test time.
var extraConf = map[string]string{
	"shared_preload_libraries": "pg_stat_statements",
	"pg_stat_statements.track": "all",
	"fsync":                    "off",
	"synchronous_commit":       "off",
	"full_page_writes":         "off",
}

var (
	once     sync.Once
	setupErr error
	cluster  *embeddedpg.Cluster
	private  string // temp dir of a cluster owned by this binary; "" when shared via TEST_PG_DIR
	dbName   string
	others   []string // databases made by Another
)

// New returns a superuser DSN for a brand-new database created once per test binary,
// whose session timezone defaults to Asia/Taipei (tests run in a non-UTC zone on purpose).
func New(tb testing.TB) (superDSN string) {
	tb.Helper()
	once.Do(func() { setupErr = setup() })
	if setupErr != nil {
		tb.Fatalf("testdb: %v", setupErr)
	}
	return cluster.SuperuserDSN(dbName)
}

// DSNFor returns a DSN for the same database as another role (which the test must create).
func DSNFor(tb testing.TB, user string) string {
	tb.Helper()
	New(tb)
	return cluster.DSN(user, dbName)
}

// DSNForAnother returns a DSN for the database Another(tb, suffix) made, as another role.
func DSNForAnother(tb testing.TB, user, suffix string) string {
	tb.Helper()
	New(tb)
	return cluster.DSN(user, dbName+"_"+suffix)
}

// Cleanup stops and removes a private cluster, or drops this binary's database from a shared
// TEST_PG_DIR cluster (so it does not collect one database per run). Call it from TestMain
// after m.Run: without it a private cluster's postmaster outlives the test binary.
func Cleanup() {
	if cluster == nil {
		return
	}
	stopBouncer()
	if private != "" {
		if err := cluster.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "testdb: stop:", err)
		}
		os.RemoveAll(private)
		return
	}
	db, err := sql.Open("postgres", cluster.SuperuserDSN("postgres"))
	if err == nil {
		for _, name := range append([]string{dbName}, others...) {
			if _, err = db.Exec("DROP DATABASE IF EXISTS " + pq.QuoteIdentifier(name) + " WITH (FORCE)"); err != nil {
				break
			}
		}
		db.Close()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "testdb: drop database:", err)
	}
}

func setup() error {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dir := os.Getenv("TEST_PG_DIR")
	if dir == "" {
		// os.MkdirTemp's parent (/tmp) is world-traversable, unlike t.TempDir's 0700 parent,
		// which matters when root must hand the dir to the postgres user.
		d, err := os.MkdirTemp("", "tgpg")
		if err != nil {
			return err
		}
		dir, private = d, d
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	// Several test binaries (go test ./...) may start a shared cluster at once.
	unlock, err := flock(filepath.Join(dir, ".lock"))
	if err != nil {
		return err
	}
	defer unlock()
	cluster, err = embeddedpg.Start(ctx, embeddedpg.Options{Dir: dir, ExtraConf: extraConf})
	if err != nil {
		if private != "" {
			os.RemoveAll(private)
		}
		return err
	}
	dbName = "t_" + pkgName() + "_" + randHex(4)
	if err := createDB(ctx, dbName); err != nil {
		Cleanup()
		cluster = nil
		return err
	}
	return nil
}

func createDB(ctx context.Context, dbName string) error {
	db, err := sql.Open("postgres", cluster.SuperuserDSN("postgres"))
	if err != nil {
		return err
	}
	defer db.Close()
	name := pq.QuoteIdentifier(dbName)
	for _, q := range []string{"CREATE DATABASE " + name, "ALTER DATABASE " + name + " SET timezone TO 'Asia/Taipei'"} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	tdb, err := sql.Open("postgres", cluster.SuperuserDSN(dbName))
	if err != nil {
		return err
	}
	defer tdb.Close()
	if _, err := tdb.ExecContext(ctx, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements"); err != nil {
		return fmt.Errorf("create extension pg_stat_statements: %w", err)
	}
	return nil
}

func flock(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return func() { syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }, nil
}

// pkgName derives the package name from the test binary ("orders.test" -> "orders"),
// reduced to characters that are safe in an unquoted identifier.
func pkgName() string {
	base := strings.TrimSuffix(filepath.Base(os.Args[0]), ".test")
	var b strings.Builder
	for _, r := range strings.ToLower(base) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
		if b.Len() >= 40 { // identifiers max out at 63 bytes
			break
		}
	}
	return b.String()
}

func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
