package embeddedpg

import (
	"context"
	"os"
	"os/exec"
	"syscall"
)

// Sidecar is a command for a tool that runs beside the cluster (PgBouncer, pg_basebackup, a second
// postmaster): as the postgres user when we are root (those tools refuse root, or must own the files they
// write), with the cluster's clean environment, and killed when the process that started it dies, so a
// crashed test binary leaves nothing behind.
func (c *Cluster) Sidecar(ctx context.Context, path string, args ...string) *exec.Cmd {
	cmd := c.command(ctx, path, args...)
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGTERM
	return cmd
}

// MakeDir makes a directory for a sidecar's files, owned by the user the sidecars run as. Put it under
// Dir(): that user can reach it.
func (c *Cluster) MakeDir(path string) error {
	if err := os.MkdirAll(path, 0o700); err != nil {
		return err
	}
	return c.chown(path)
}

// WriteFile writes a sidecar's file (its configuration), readable by the user the sidecars run as.
func (c *Cluster) WriteFile(path string, data []byte) error { return c.writeFile(path, data) }

// Dir is the cluster's directory (as given to Start, made absolute).
func (c *Cluster) Dir() string { return c.dir }

// SocketDir and Port say where the cluster listens (a unix socket only).
func (c *Cluster) SocketDir() string { return c.runDir }

// Port: see SocketDir.
func (c *Cluster) Port() int { return port }
