package embeddedpg

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// postgresCred returns the credential PG binaries must run with: nil (ourselves) unless we
// are root, because postgres and initdb refuse to run as root.
func postgresCred() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("running as root, but PostgreSQL refuses to run as root and OS user \"postgres\" was not found (%v); create it with: useradd --system postgres", err)
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err1 != nil || err2 != nil {
		return nil, fmt.Errorf("bad uid/gid for user postgres: %q/%q", u.Uid, u.Gid)
	}
	// Empty Groups drops root's supplementary groups in the child.
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: []uint32{}}, nil
}

// command builds a command that runs as the postgres user when needed, with a clean
// environment: inherited PG* variables (PGDATA, PGHOST, ...) must not steer the tools.
func (c *Cluster) command(ctx context.Context, path string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Dir = c.dir // the postgres user may not be able to enter our cwd (e.g. /root)
	env := []string{"LC_ALL=C"}
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "PG") || strings.HasPrefix(k, "LC_") || k == "LANG" || k == "LANGUAGE" {
			continue
		}
		env = append(env, kv)
	}
	cmd.Env = env
	if c.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	}
	return cmd
}

// run runs a PG tool from the bin dir with its output appended to the cluster log, and
// on failure returns an error carrying the log tail (that is where the real reason is).
func (c *Cluster) run(ctx context.Context, tool string, args ...string) error {
	f, err := os.OpenFile(c.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	fmt.Fprintf(f, "--- %s embeddedpg: %s %s\n", time.Now().Format(time.RFC3339), tool, strings.Join(args, " "))
	cmd := c.command(ctx, filepath.Join(c.bin, tool), args...)
	// A real *os.File (not a pipe) so a postmaster inheriting it cannot make Wait hang.
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Run(); err != nil {
		return c.errorf("%s %s: %w", tool, args[0], err)
	}
	return nil
}

// errorf wraps an error with the tail of postgres.log.
func (c *Cluster) errorf(format string, a ...any) error {
	return fmt.Errorf("embeddedpg: "+format+"\n--- last lines of %s ---\n%s", append(a, c.logPath, logTail(c.logPath, 25))...)
}

func logTail(path string, lines int) string {
	f, err := os.Open(path)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	defer f.Close()
	const max = 8 << 10
	if st, err := f.Stat(); err == nil && st.Size() > max {
		f.Seek(st.Size()-max, io.SeekStart)
	}
	b, _ := io.ReadAll(f)
	ls := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(ls) > lines {
		ls = ls[len(ls)-lines:]
	}
	return strings.Join(ls, "\n")
}

// chown hands a path to the postgres user when we run as root.
func (c *Cluster) chown(path string) error {
	if c.cred == nil {
		return nil
	}
	return os.Chown(path, int(c.cred.Uid), int(c.cred.Gid))
}

// checkReachable verifies the postgres user can traverse every parent of Dir; a root-owned
// 0700 parent (os.MkdirTemp, t.TempDir, /root) is the usual trap, and postgres' own error
// for it is obscure.
func (c *Cluster) checkReachable() error {
	if c.cred == nil || c.canEnter(c.dir) {
		return nil
	}
	culprit := c.dir
	for _, p := range ancestors(c.dir) {
		if !c.canEnter(p) {
			culprit = p
			break
		}
	}
	return fmt.Errorf("embeddedpg: directory %s is not traversable by OS user postgres (PostgreSQL cannot run as root), so it cannot reach %s; "+
		"use a data dir under /var/tmp (e.g. -data /var/tmp/tradeguard-pg) or run: chmod o+x %s", culprit, c.dir, culprit)
}

// canEnter runs `test -x dir` as postgres: it succeeds only if dir and all its parents are searchable.
func (c *Cluster) canEnter(dir string) bool {
	testBin, err := exec.LookPath("test")
	if err != nil {
		return true // cannot check; let postgres report it
	}
	cmd := exec.Command(testBin, "-x", dir)
	cmd.Dir = "/"
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	return cmd.Run() == nil
}

// ancestors lists /, /a, /a/b for /a/b/c (root first).
func ancestors(dir string) []string {
	var out []string
	for p := filepath.Dir(dir); ; p = filepath.Dir(p) {
		out = append([]string{p}, out...)
		if p == filepath.Dir(p) {
			return out
		}
	}
}

// lockDir takes an exclusive flock on Dir/.embeddedpg.lock so two processes starting the
// same cluster do not initdb or pg_ctl start it twice. Returns the unlock function.
func lockDir(ctx context.Context, dir string) (func(), error) {
	f, err := os.OpenFile(filepath.Join(dir, ".embeddedpg.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return nil, err
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("embeddedpg: waiting for lock on %s: %w", dir, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// postmasterAlive reports whether the pid in postmaster.pid is a live postmaster of this
// data dir. After a container restart the pid may belong to an unrelated live process,
// which plain kill(pid, 0) (and pg_ctl status) would mistake for a running server.
func (c *Cluster) postmasterAlive() bool {
	b, err := os.ReadFile(filepath.Join(c.data, "postmaster.pid"))
	if err != nil {
		return false
	}
	line, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil || pid <= 0 {
		return false
	}
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	// An exited postmaster can linger as a zombie until init reaps it; kill(pid, 0) still succeeds.
	if st, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err == nil {
		if i := strings.LastIndexByte(string(st), ')'); i > 0 && strings.HasPrefix(string(st[i:]), ") Z") {
			return false
		}
	}
	// The postmaster chdirs into its data dir; compare when /proc lets us look.
	if cwd, err := os.Readlink(fmt.Sprintf("/proc/%d/cwd", pid)); err == nil {
		want, err := filepath.EvalSymlinks(c.data)
		return err == nil && cwd == want
	}
	if comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid)); err == nil {
		return strings.TrimSpace(string(comm)) == "postgres"
	}
	return true
}
