// Command server runs tradeguard: the GraphQL API, the portal, and (with no DATABASE_URL) a private
// PostgreSQL with demo data.
package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"tradeguard/demo"
	"tradeguard/exports"
	"tradeguard/internal/clock"
	"tradeguard/internal/replica"
	"tradeguard/payments"
	"tradeguard/retention"
	"tradeguard/scheduler"
	"tradeguard/scoring"
	"tradeguard/tenants"
	"tradeguard/violations"
	"tradeguard/webhooks"

	"github.com/jmoiron/sqlx"
	"github.com/prometheus/client_golang/prometheus"
)

func main() {
	if len(os.Args) > 1 {
		if cmd, ok := subcommands[os.Args[1]]; ok {
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			err := cmd(ctx, os.Args[2:], os.Getenv, os.Stdout)
			stop()
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
			return
		}
	}
	cfg, err := loadConfig(os.Args[1:], os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	tuneGC()
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg, log, os.Stdout); err != nil {
		log.Error("server stopped", "error", err)
		os.Exit(1)
	}
}

// run serves until ctx is cancelled (SIGINT/SIGTERM in main), then shuts down gracefully.
func run(ctx context.Context, cfg config, log *slog.Logger, out io.Writer) error {
	db, err := openDatabase(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer db.Close()

	if db.loadDemo {
		loaded, err := demo.Load(ctx, db.App, clock.Real())
		if err != nil {
			return fmt.Errorf("demo data: %w", err)
		}
		if loaded {
			log.Info("demo data loaded")
		}
	}
	key, err := signingKey(cfg)
	if err != nil {
		return err
	}
	reg := prometheus.NewRegistry()
	pay := payments.Recorder{}
	previous, err := previousKeys(cfg)
	if err != nil {
		return err
	}
	var replicas *replica.Router
	if db.Read != nil {
		replicas = replica.New(db.App, db.Read, replica.Options{MaxLag: cfg.ReplicaMaxLag, Logger: log, Registry: reg})
		go replicas.Run(ctx)
	}
	app, err := newApp(appOptions{DB: db.App, Replicas: replicas, Key: key, Previous: previous, Now: clock.Real, Dev: cfg.Dev, Logger: log, Ready: db.Ready,
		Payments: pay, Registry: reg, Limits: cfg.Serve, CORSOrigins: cfg.CORSOrigins, Webhooks: cfg.Webhooks})
	if err != nil {
		return err
	}
	if cfg.SchedulerEvery > 0 {
		// The violations scan reschedules itself; its first row is made here (once per database).
		err := tenants.Run(ctx, db.App, tenants.System, func(tx *sqlx.Tx) error {
			return violations.EnsureScan(ctx, tenants.Attach(tx, tenants.System), clock.Real())
		})
		if err != nil {
			return fmt.Errorf("violations scan: %w", err)
		}
		// Likewise the daily score snapshots.
		err = tenants.Run(ctx, db.App, tenants.System, func(tx *sqlx.Tx) error {
			return scoring.EnsureDaily(ctx, tenants.Attach(tx, tenants.System), clock.Real())
		})
		if err != nil {
			return fmt.Errorf("daily scores: %w", err)
		}
		// And the monthly partitions of the history tables (made ahead, detached past retention).
		err = tenants.Run(ctx, db.App, tenants.System, func(tx *sqlx.Tx) error {
			return retention.Ensure(ctx, tenants.Attach(tx, tenants.System), clock.Real())
		})
		if err != nil {
			return fmt.Errorf("partition maintenance: %w", err)
		}
		runner := newScheduler(db.App, clock.Real, pay, log, scheduler.NewMetrics(reg))
		runner.Workers = schedulerWorkers
		go runner.Start(ctx, cfg.SchedulerEvery)
		// Webhook deliveries on the same beat; several processes may deliver at once (each claims its own).
		d := &webhooks.Deliverer{DB: db.App, Endpoints: cfg.Webhooks, Now: clock.Real, Log: log, Timeout: cfg.WebhooksTimeout}
		go d.Run(ctx, cfg.SchedulerEvery)
		// Bulk exports too: one at a time per process, claimed like deliveries.
		x := &exports.Exporter{DB: db.App, Replicas: replicas, Now: clock.Real, Log: log}
		go x.Run(ctx, cfg.SchedulerEvery)
	}

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           app,
		ReadHeaderTimeout: cfg.Serve.ReadHeaderTimeout,
		ReadTimeout:       cfg.Serve.ReadTimeout,
		WriteTimeout:      cfg.Serve.WriteTimeout,
		IdleTimeout:       cfg.Serve.IdleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
	}
	printWelcome(out, ln.Addr(), cfg, db.loadDemo)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// printWelcome writes the banner with one Write, so whoever watches the output (a terminal, a test) never
// sees the address without the logins that follow it.
func printWelcome(out io.Writer, addr net.Addr, cfg config, withDemo bool) {
	var w bytes.Buffer
	defer func() { out.Write(w.Bytes()) }()
	host := addr.String()
	if tcp, ok := addr.(*net.TCPAddr); ok && tcp.IP.IsUnspecified() {
		host = fmt.Sprintf("localhost:%d", tcp.Port)
	}
	fmt.Fprintf(&w, "\ntradeguard is running\n  portal:   http://%s/\n  GraphQL:  http://%s/graphql\n", host, host)
	if cfg.Dev {
		fmt.Fprintf(&w, "  GraphiQL: http://%s/graphiql\n", host)
	}
	if withDemo {
		fmt.Fprintf(&w, "\ndemo logins (password %q):\n", demo.Password)
		for _, l := range demo.Logins() {
			if l.Role == "BUYER" && l.Email != "buyer1@tradeguard.test" {
				continue
			}
			store := ""
			if l.Store != "" {
				store = " of " + l.Store
			}
			fmt.Fprintf(&w, "  %-32s %s%s\n", l.Email, l.Role, store)
		}
		fmt.Fprintf(&w, "  buyer2@tradeguard.test … buyer20@tradeguard.test  BUYER\n")
	}
	fmt.Fprintln(&w)
}
