package testdb

import (
	"context"
	"database/sql"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"tradeguard/embeddedpg"
)

func TestMain(m *testing.M) { Main(m) }

func open(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func scan(t *testing.T, db *sql.DB, q string) string {
	t.Helper()
	var s string
	if err := db.QueryRow(q).Scan(&s); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return s
}

func TestNew(t *testing.T) {
	dsn := New(t)
	if again := New(t); again != dsn {
		t.Fatalf("second New returned another DSN: %q vs %q", again, dsn)
	}
	db := open(t, dsn)
	if got := scan(t, db, "select 1"); got != "1" {
		t.Fatalf("select 1 = %q", got)
	}
	if got := scan(t, db, "show timezone"); got != "Asia/Taipei" {
		t.Fatalf("timezone = %q", got)
	}
	if got := scan(t, db, "select current_database()"); !strings.HasPrefix(got, "t_"+pkgName()+"_") {
		t.Fatalf("database name %q", got)
	}
	if got := scan(t, db, "select extname from pg_extension where extname = 'pg_stat_statements'"); got != "pg_stat_statements" {
		t.Fatalf("extension missing: %q", got)
	}
	// The view only works when the library is preloaded.
	scan(t, db, "select count(*)::text from pg_stat_statements")
}

func TestDSNFor(t *testing.T) {
	if _, err := open(t, New(t)).Exec("create role testdb_reader login"); err != nil {
		t.Fatal(err)
	}
	db := open(t, DSNFor(t, "testdb_reader"))
	if got := scan(t, db, "select current_user || ' ' || current_database()"); !strings.HasPrefix(got, "testdb_reader t_"+pkgName()+"_") {
		t.Fatalf("got %q", got)
	}
}

// TestChild is the body of the subprocesses of TestSharedConcurrent.
func TestChild(t *testing.T) {
	if os.Getenv("TESTDB_CHILD") == "" {
		t.Skip("run by TestSharedConcurrent")
	}
	if got := scan(t, open(t, New(t)), "show timezone"); got != "Asia/Taipei" {
		t.Fatalf("timezone = %q", got)
	}
}

// Two test binaries sharing one TEST_PG_DIR start it at the same moment.
func TestSharedConcurrent(t *testing.T) {
	if os.Getenv("TESTDB_CHILD") != "" {
		t.Skip("child")
	}
	dir, err := os.MkdirTemp("", "tgshared") // reachable by the postgres user when root
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	var wg sync.WaitGroup
	for i := 0; i < 3; i++ {
		wg.Go(func() {
			cmd := exec.Command(os.Args[0], "-test.run=^TestChild$", "-test.count=1")
			cmd.Env = append(os.Environ(), "TESTDB_CHILD=1", "TEST_PG_DIR="+dir)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("child: %v\n%s", err, out)
			}
		})
	}
	wg.Wait()
	// The shared cluster is left running by design; adopt it to stop it.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := embeddedpg.Start(ctx, embeddedpg.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	db := open(t, c.SuperuserDSN("postgres"))
	if n := scan(t, db, "select count(*)::text from pg_database where datname like 't\\_%'"); n != "0" {
		t.Errorf("children left %s databases behind", n)
	}
	db.Close()
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
}
