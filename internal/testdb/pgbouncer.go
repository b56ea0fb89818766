package testdb

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"tradeguard/embeddedpg"
	"tradeguard/migrations"
)

// BouncerPoolSize is how many server connections the test PgBouncer keeps per database and role: small,
// so that many tenants' transactions take turns on the same few connections.
const BouncerPoolSize = 3

var (
	bouncerOnce sync.Once
	bouncerErr  error
	bouncer     *exec.Cmd
	bouncerDir  string
)

const bouncerPort = 6432 // its socket directory is private: no clash

// ViaPgBouncer returns a DSN as user for the database Another(tb, suffix) made (suffix "" for this binary's
// own), through Debian's pgbouncer in transaction pooling mode in front of the cluster, started once per
// test binary with BouncerPoolSize server connections per database and role, and stopped by Cleanup.
func ViaPgBouncer(tb testing.TB, user, suffix string) string {
	tb.Helper()
	New(tb)
	bouncerOnce.Do(func() { bouncerErr = startBouncer(cluster) })
	if bouncerErr != nil {
		tb.Fatalf("testdb: pgbouncer: %v", bouncerErr)
	}
	name := dbName
	if suffix != "" {
		name += "_" + suffix
	}
	return fmt.Sprintf("host=%s port=%d user=%s dbname=%s sslmode=disable", bouncerDir, bouncerPort, user, name)
}

func startBouncer(c *embeddedpg.Cluster) error {
	bin, err := exec.LookPath("pgbouncer")
	if err != nil {
		if _, serr := os.Stat("/usr/sbin/pgbouncer"); serr != nil { // Debian's, off a non-root PATH
			return fmt.Errorf("pgbouncer is not installed (make test installs it: scripts/deps.sh pgbouncer): %w", err)
		}
		bin = "/usr/sbin/pgbouncer"
	}
	bouncerDir = filepath.Join(c.Dir(), "pgbouncer-"+randHex(3))
	if err := c.MakeDir(bouncerDir); err != nil {
		return err
	}
	var users strings.Builder
	for _, u := range []string{migrations.AppRole, migrations.OwnerRole, "postgres"} {
		fmt.Fprintf(&users, "%q \"\"\n", u)
	}
	// lib/pq sends extra_float_digits at start-up, which PgBouncer does not track: it must ignore it.
	ini := fmt.Sprintf(`[databases]
* = host=%s port=%d
[pgbouncer]
unix_socket_dir = %s
listen_port = %d
auth_type = trust
auth_file = %s
pool_mode = transaction
default_pool_size = %d
max_client_conn = 1000
ignore_startup_parameters = extra_float_digits
logfile = %s
pidfile = %s
`, c.SocketDir(), c.Port(), bouncerDir, bouncerPort, filepath.Join(bouncerDir, "users.txt"), BouncerPoolSize,
		filepath.Join(bouncerDir, "pgbouncer.log"), filepath.Join(bouncerDir, "pgbouncer.pid"))
	for name, body := range map[string]string{"users.txt": users.String(), "pgbouncer.ini": ini} {
		if err := c.WriteFile(filepath.Join(bouncerDir, name), []byte(body)); err != nil {
			return err
		}
	}
	bouncer = c.Sidecar(context.Background(), bin, filepath.Join(bouncerDir, "pgbouncer.ini"))
	if err := bouncer.Start(); err != nil {
		return err
	}
	dsn := fmt.Sprintf("host=%s port=%d user=postgres dbname=postgres sslmode=disable", bouncerDir, bouncerPort)
	deadline := time.Now().Add(30 * time.Second)
	for {
		db, err := sql.Open("postgres", dsn)
		if err == nil {
			err = db.Ping()
			db.Close()
		}
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(bouncerDir, "pgbouncer.log"))
			return fmt.Errorf("not ready after 30 s: %v\n--- pgbouncer.log ---\n%s", err, log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stopBouncer ends PgBouncer and waits for it.
func stopBouncer() {
	if bouncer == nil || bouncer.Process == nil {
		return
	}
	bouncer.Process.Kill()
	bouncer.Wait()
	bouncer = nil
}
