package embeddedpg

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "github.com/lib/pq"
)

// tempDir is under os.TempDir (world-traversable), unlike t.TempDir whose 0700 parent
// the postgres user cannot enter when tests run as root.
func tempDir(t *testing.T) string {
	t.Helper()
	d, err := os.MkdirTemp("", "epg")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	return d
}

func start(t *testing.T, dir string) *Cluster {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := Start(ctx, Options{Dir: dir, ExtraConf: map[string]string{"fsync": "off"}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func open(t *testing.T, c *Cluster) *sql.DB {
	t.Helper()
	db, err := sql.Open("postgres", c.SuperuserDSN("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func queryString(t *testing.T, db *sql.DB, q string) string {
	t.Helper()
	var s string
	if err := db.QueryRow(q).Scan(&s); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return s
}

func TestStartReuseRestart(t *testing.T) {
	dir := tempDir(t)
	c := start(t, dir)
	t.Cleanup(func() { c.Stop() })
	db := open(t, c)
	if got := queryString(t, db, "select 1"); got != "1" {
		t.Fatalf("select 1 = %q", got)
	}
	if got := queryString(t, db, "show timezone"); got != "UTC" {
		t.Fatalf("timezone = %q", got)
	}
	if got := queryString(t, db, "show listen_addresses"); got != "" {
		t.Fatalf("listen_addresses = %q, want unix socket only", got)
	}
	if got := queryString(t, db, "show fsync"); got != "off" {
		t.Fatalf("ExtraConf fsync not applied: %q", got)
	}
	started := queryString(t, db, "select pg_postmaster_start_time()::text")

	// A second Start on the same Dir adopts the running postmaster.
	c2 := start(t, dir)
	if got := queryString(t, open(t, c2), "select pg_postmaster_start_time()::text"); got != started {
		t.Fatalf("second Start restarted the server: %s != %s", got, started)
	}

	if _, err := db.Exec("create table kept(x int); insert into kept values (42)"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := c.Stop(); err != nil {
		t.Fatalf("Stop of a stopped cluster: %v", err)
	}
	c3 := start(t, dir)
	db3 := open(t, c3)
	if got := queryString(t, db3, "select x::text from kept"); got != "42" {
		t.Fatalf("data not kept across restart: %q", got)
	}
	if got := queryString(t, db3, "select pg_postmaster_start_time()::text"); got == started {
		t.Fatal("expected a fresh postmaster after Stop")
	}
}

// A postmaster.pid naming a live process that is not our postmaster (pid reuse after a
// container restart) must not block the start.
func TestStalePidFile(t *testing.T) {
	dir := tempDir(t)
	c := start(t, dir)
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	stale := strconv.Itoa(os.Getpid()) + "\n" + filepath.Join(dir, "pgdata") + "\n"
	if err := os.WriteFile(filepath.Join(dir, "pgdata", "postmaster.pid"), []byte(stale), 0o600); err != nil {
		t.Fatal(err)
	}
	c = start(t, dir)
	t.Cleanup(func() { c.Stop() })
	if got := queryString(t, open(t, c), "select 1"); got != "1" {
		t.Fatalf("select 1 = %q", got)
	}
}

func TestOtherRoleDSN(t *testing.T) {
	c := start(t, tempDir(t))
	t.Cleanup(func() { c.Stop() })
	if _, err := open(t, c).Exec("create role app login"); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("postgres", c.DSN("app", "postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got := queryString(t, db, "select current_user"); got != "app" {
		t.Fatalf("current_user = %q", got)
	}
}

func TestSocketPathTooLong(t *testing.T) {
	dir := filepath.Join(os.TempDir(), strings.Repeat("x", 120))
	_, err := Start(context.Background(), Options{Dir: dir})
	if err == nil || !strings.Contains(err.Error(), "socket path") {
		t.Fatalf("want socket path error, got %v", err)
	}
	if _, statErr := os.Stat(dir); statErr == nil {
		t.Fatal("Start created the dir despite the error")
	}
}

func TestUnreachableParent(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only root hands the cluster to another user")
	}
	parent := t.TempDir() // root-owned 0700 parent chain
	if err := os.Chmod(parent, 0o700); err != nil {
		t.Fatal(err)
	}
	_, err := Start(context.Background(), Options{Dir: filepath.Join(parent, "pg")})
	if err == nil || !strings.Contains(err.Error(), "not traversable by OS user postgres") || !strings.Contains(err.Error(), "/var/tmp") {
		t.Fatalf("want traversal error, got %v", err)
	}
	t.Log(err)
}

func TestBinDir(t *testing.T) {
	d, err := BinDir()
	if err != nil {
		t.Fatal(err)
	}
	if !hasInitdb(d) {
		t.Fatalf("BinDir %s has no initdb", d)
	}
	t.Setenv("PG_BINDIR", t.TempDir())
	if _, err := BinDir(); err == nil {
		t.Fatal("PG_BINDIR without initdb accepted")
	}
}

func TestVersionLess(t *testing.T) {
	if !versionLess("9.6", "15") || versionLess("16", "15") || !versionLess("15", "16") {
		t.Fatal("versionLess")
	}
}
