// Package embeddedpg runs a private PostgreSQL cluster from the machine's installed server
// binaries, for development and tests. It listens only on a unix socket in a private
// directory with trust authentication: never use it for production data.
package embeddedpg

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// port is fixed: the socket directory is private, so it cannot clash with other servers.
const port = 5432

// maxSocketPath is sizeof(sockaddr_un.sun_path) minus the terminating NUL.
const maxSocketPath = 107

// confFile holds our settings; postgresql.conf includes it last so it wins.
const confFile = "embeddedpg.conf"

type Options struct {
	Dir       string            // cluster lives in Dir/pgdata, unix socket in Dir/run; created if missing; reused on the next start
	Logger    *slog.Logger      // may be nil
	ExtraConf map[string]string // extra postgresql.conf settings, e.g. {"shared_preload_libraries":"pg_stat_statements"}
}

// Cluster is a started (or adopted) PostgreSQL cluster.
type Cluster struct {
	dir, data, runDir, logPath, bin string
	log                             *slog.Logger
	cred                            *syscall.Credential // nil: run PG tools as ourselves
}

// Start initdb's Dir/pgdata if needed, writes the settings and starts the server, or adopts
// a postmaster still running on that data dir from a previous run.
func Start(ctx context.Context, opt Options) (*Cluster, error) {
	if opt.Dir == "" {
		return nil, errors.New("embeddedpg: Options.Dir is empty")
	}
	dir, err := filepath.Abs(opt.Dir)
	if err != nil {
		return nil, err
	}
	c := &Cluster{dir: dir, data: filepath.Join(dir, "pgdata"), runDir: filepath.Join(dir, "run"),
		logPath: filepath.Join(dir, "postgres.log"), log: opt.Logger}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if sock := c.socketPath(); len(sock) > maxSocketPath {
		return nil, fmt.Errorf("embeddedpg: socket path %s is %d bytes, over the %d-byte unix socket limit; use a shorter data dir", sock, len(sock), maxSocketPath)
	}
	if strings.ContainsAny(dir, "\"\n") {
		return nil, fmt.Errorf("embeddedpg: data dir %q must not contain quotes or newlines", dir)
	}
	conf, err := renderConf(c.runDir, opt.ExtraConf)
	if err != nil {
		return nil, err
	}
	if c.bin, err = BinDir(); err != nil {
		return nil, err
	}
	if c.cred, err = postgresCred(); err != nil {
		return nil, err
	}
	if err := c.prepareDirs(); err != nil {
		return nil, err
	}
	unlock, err := lockDir(ctx, dir)
	if err != nil {
		return nil, err
	}
	defer unlock()

	if _, err := os.Stat(filepath.Join(c.data, "PG_VERSION")); errors.Is(err, fs.ErrNotExist) {
		if err := c.initdb(ctx); err != nil {
			return nil, err
		}
	}
	changed, err := c.writeConf(conf)
	if err != nil {
		return nil, err
	}
	if c.postmasterAlive() {
		c.log.Info("embeddedpg: reusing running PostgreSQL", "dir", dir)
		if changed {
			// Restart-only settings (shared_preload_libraries, ...) wait for the next restart;
			// restarting here would cut off other processes sharing the cluster.
			c.log.Warn("embeddedpg: settings changed; reloading, restart-only settings apply after a restart", "dir", dir)
			if err := c.run(ctx, "pg_ctl", "reload", "-D", c.data); err != nil {
				return nil, err
			}
		}
		return c, c.waitReady(ctx)
	}
	c.clearStale()
	c.log.Info("embeddedpg: starting PostgreSQL", "dir", dir, "bin", c.bin)
	if err := c.run(ctx, "pg_ctl", "start", "-D", c.data, "-l", c.logPath, "-w", "-t", "120"); err != nil {
		return nil, err
	}
	return c, c.waitReady(ctx)
}

// SuperuserDSN is a lib/pq keyword DSN for the postgres superuser.
func (c *Cluster) SuperuserDSN(dbname string) string { return c.DSN("postgres", dbname) }

// DSN is a lib/pq keyword DSN for another role (trust auth: no password).
func (c *Cluster) DSN(user, dbname string) string {
	return fmt.Sprintf("host=%s port=%d user=%s dbname=%s sslmode=disable",
		dsnValue(c.runDir), port, dsnValue(user), dsnValue(dbname))
}

// Stop shuts the server down (fast mode: open sessions are disconnected). Stopping a
// cluster that is not running (e.g. already stopped by Ctrl-C) is not an error.
func (c *Cluster) Stop() error {
	if !c.postmasterAlive() {
		return nil
	}
	c.log.Info("embeddedpg: stopping PostgreSQL", "dir", c.dir)
	return c.run(context.Background(), "pg_ctl", "stop", "-D", c.data, "-m", "fast", "-w", "-t", "120")
}

func (c *Cluster) socketPath() string {
	return filepath.Join(c.runDir, ".s.PGSQL."+strconv.Itoa(port))
}

// prepareDirs creates Dir and Dir/run and hands them (and the log) to the postgres user.
func (c *Cluster) prepareDirs() error {
	// Parents get 0755 so the postgres user can traverse them.
	if err := os.MkdirAll(filepath.Dir(c.dir), 0o755); err != nil {
		return err
	}
	if err := os.Mkdir(c.dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	if err := c.chown(c.dir); err != nil {
		return err
	}
	if err := c.checkReachable(); err != nil {
		return err
	}
	if err := os.Mkdir(c.runDir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	if err := os.Chmod(c.runDir, 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(c.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	f.Close()
	for _, p := range []string{c.runDir, c.logPath} {
		if err := c.chown(p); err != nil {
			return err
		}
	}
	return nil
}

// initdb creates the cluster in a scratch dir and renames it into place, so a crash
// mid-initdb never leaves a half-made pgdata that would block the next start.
func (c *Cluster) initdb(ctx context.Context) error {
	tmp := c.data + ".initdb"
	os.RemoveAll(tmp)
	c.log.Info("embeddedpg: initdb", "dir", c.data)
	args := []string{"-D", tmp, "-U", "postgres", "-E", "UTF8", "--auth=trust"}
	err := c.run(ctx, "initdb", append(args, "--locale=C.UTF-8")...)
	if err != nil && ctx.Err() == nil {
		c.log.Warn("embeddedpg: initdb with C.UTF-8 failed, retrying with locale C", "err", err)
		os.RemoveAll(tmp)
		err = c.run(ctx, "initdb", append(args, "--locale=C")...)
	}
	if err != nil {
		os.RemoveAll(tmp)
		return err
	}
	// Unix socket only, no TCP entries at all; replication too, for a local standby (pg_basebackup -R).
	hba := "# embeddedpg: dev/test only\nlocal all all trust\nlocal replication all trust\n"
	if err := c.writeFile(filepath.Join(tmp, "pg_hba.conf"), []byte(hba)); err != nil {
		return err
	}
	if err := os.Chmod(tmp, 0o700); err != nil {
		return err
	}
	return os.Rename(tmp, c.data)
}

var confKey = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.]*$`)

// renderConf produces embeddedpg.conf; values are always quoted, which postgres accepts
// for every parameter type.
func renderConf(runDir string, extra map[string]string) ([]byte, error) {
	set := map[string]string{
		"listen_addresses":        "",
		"unix_socket_directories": `"` + runDir + `"`, // list syntax: quote the element
		"port":                    strconv.Itoa(port),
		"timezone":                "UTC",
		"log_timezone":            "UTC",
		"max_connections":         "200",
		"shared_buffers":          "256MB",
	}
	for k, v := range extra {
		if !confKey.MatchString(k) {
			return nil, fmt.Errorf("embeddedpg: bad ExtraConf key %q", k)
		}
		set[k] = v
	}
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b bytes.Buffer
	b.WriteString("# Written by embeddedpg on every start; edits are overwritten.\n")
	q := strings.NewReplacer(`\`, `\\`, `'`, `''`, "\n", `\n`)
	for _, k := range keys {
		fmt.Fprintf(&b, "%s = '%s'\n", k, q.Replace(set[k]))
	}
	return b.Bytes(), nil
}

// writeConf writes embeddedpg.conf and makes sure postgresql.conf includes it last.
func (c *Cluster) writeConf(conf []byte) (changed bool, err error) {
	path := filepath.Join(c.data, confFile)
	old, _ := os.ReadFile(path)
	if !bytes.Equal(old, conf) {
		if err := c.writeFile(path, conf); err != nil {
			return false, err
		}
		changed = true
	}
	main := filepath.Join(c.data, "postgresql.conf")
	b, err := os.ReadFile(main)
	if err != nil {
		return false, err
	}
	inc := "include_if_exists = '" + confFile + "'"
	if !bytes.Contains(b, []byte(inc)) {
		f, err := os.OpenFile(main, os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			return false, err
		}
		_, err = fmt.Fprintf(f, "\n%s\n", inc)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		return true, err
	}
	return changed, nil
}

// writeFile replaces a file atomically, owned by the postgres user.
func (c *Cluster) writeFile(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return err
	}
	if err := c.chown(tmp); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// clearStale removes a postmaster.pid (and socket lock) left by a dead server: postgres
// itself only ignores them if the recorded pid is gone, not if it was reused.
func (c *Cluster) clearStale() {
	pidFile := filepath.Join(c.data, "postmaster.pid")
	if _, err := os.Stat(pidFile); err == nil {
		c.log.Warn("embeddedpg: removing stale postmaster.pid", "dir", c.data)
		os.Remove(pidFile)
	}
	os.Remove(c.socketPath())
	os.Remove(c.socketPath() + ".lock")
}

// waitReady polls pg_isready: an adopted postmaster may still be starting or recovering.
func (c *Cluster) waitReady(ctx context.Context) error {
	deadline := time.Now().Add(2 * time.Minute)
	for {
		cmd := c.command(ctx, filepath.Join(c.bin, "pg_isready"), "-q", "-h", c.runDir, "-p", strconv.Itoa(port), "-U", "postgres", "-d", "postgres")
		if cmd.Run() == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return c.errorf("server in %s not accepting connections after 2m", c.data)
		}
		select {
		case <-ctx.Done():
			return c.errorf("waiting for server: %w", ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// dsnValue quotes a lib/pq keyword DSN value when needed.
func dsnValue(s string) string {
	if s != "" && !strings.ContainsAny(s, " '\\\t") {
		return s
	}
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}
