package testdb

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"tradeguard/embeddedpg"
)

// Replica is a streaming standby of this binary's cluster, made with pg_basebackup -R and run by a second
// postmaster beside it: same databases, roles and data, read-only, kept current by WAL streaming.
type Replica struct {
	cluster *embeddedpg.Cluster
	data    string // its data directory
	sock    string // its socket directory
	cmd     *exec.Cmd
}

// StartReplica copies the cluster into a new standby and starts it; it is stopped when tb ends.
func StartReplica(tb testing.TB) *Replica {
	tb.Helper()
	New(tb)
	bin, err := embeddedpg.BinDir()
	if err != nil {
		tb.Fatal(err)
	}
	dir := filepath.Join(cluster.Dir(), "replica-"+randHex(3))
	r := &Replica{cluster: cluster, data: filepath.Join(dir, "pgdata"), sock: filepath.Join(dir, "run")}
	for _, d := range []string{dir, r.sock} {
		if err := cluster.MakeDir(d); err != nil {
			tb.Fatal(err)
		}
	}
	tb.Cleanup(func() { r.Stop(tb); os.RemoveAll(dir) })
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	backup := cluster.Sidecar(ctx, filepath.Join(bin, "pg_basebackup"), "-D", r.data, "-R", "-X", "stream",
		"-c", "fast", "-h", cluster.SocketDir(), "-p", fmt.Sprint(cluster.Port()), "-U", "postgres")
	if out, err := backup.CombinedOutput(); err != nil {
		tb.Fatalf("testdb: pg_basebackup: %v\n%s", err, out)
	}
	r.Start(tb)
	return r
}

// DSN is a DSN for the replica's copy of the database Another(tb, suffix) made ("" for this binary's own).
func (r *Replica) DSN(user, suffix string) string {
	name := dbName
	if suffix != "" {
		name += "_" + suffix
	}
	return fmt.Sprintf("host=%s port=%d user=%s dbname=%s sslmode=disable", r.sock, r.cluster.Port(), user, name)
}

// Start runs the standby's postmaster and waits until it accepts reads.
func (r *Replica) Start(tb testing.TB) {
	tb.Helper()
	bin, err := embeddedpg.BinDir()
	if err != nil {
		tb.Fatal(err)
	}
	r.cmd = r.cluster.Sidecar(context.Background(), filepath.Join(bin, "postgres"), "-D", r.data,
		"-c", "unix_socket_directories="+r.sock, "-c", "listen_addresses=", "-c", "hot_standby=on")
	logf, err := os.OpenFile(filepath.Join(filepath.Dir(r.data), "postgres.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		tb.Fatal(err)
	}
	defer logf.Close()
	r.cmd.Stdout, r.cmd.Stderr = logf, logf
	if err := r.cmd.Start(); err != nil {
		tb.Fatalf("testdb: start the replica: %v", err)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		db, err := sql.Open("postgres", r.DSN("postgres", ""))
		var standby bool
		if err == nil {
			err = db.QueryRow(`select pg_is_in_recovery()`).Scan(&standby)
			db.Close()
		}
		if err == nil && standby {
			return
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(logf.Name())
			tb.Fatalf("testdb: the replica is not ready after 2 minutes: %v (standby %v)\n%s", err, standby, log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop shuts the standby down (fast: its sessions are cut) and waits for it; Start brings it back.
func (r *Replica) Stop(tb testing.TB) {
	if r.cmd == nil || r.cmd.Process == nil {
		return
	}
	_ = r.cmd.Process.Signal(syscall.SIGINT)
	_ = r.cmd.Wait()
	r.cmd = nil
}

// PauseReplay stops the standby applying WAL (it keeps receiving it), so the primary's later writes are
// missing there until ResumeReplay: a replica that lags, on demand.
func (r *Replica) PauseReplay(tb testing.TB) { r.exec(tb, `select pg_wal_replay_pause()`) }

// ResumeReplay: see PauseReplay.
func (r *Replica) ResumeReplay(tb testing.TB) { r.exec(tb, `select pg_wal_replay_resume()`) }

func (r *Replica) exec(tb testing.TB, q string) {
	tb.Helper()
	db, err := sql.Open("postgres", r.DSN("postgres", ""))
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(q); err != nil {
		tb.Fatalf("testdb: replica: %s: %v", q, err)
	}
}
