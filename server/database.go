package main

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/url"
	"path/filepath"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"tradeguard/embeddedpg"
	"tradeguard/internal/pgstmt"
	"tradeguard/migrations"
)

const embeddedDBName = "tradeguard"

// database is the server's connection as the app role, plus what it takes to close it.
type database struct {
	App *sqlx.DB
	// Read is the read replica as the app role (READ_DATABASE_URL); nil: none.
	Read *sqlx.DB
	// Owner is the owner role's DSN (migrations, and batch work that writes around row-level security's
	// per-request context, e.g. the data generator); the server itself never connects with it.
	Owner    string
	loadDemo bool
	closers  []func() error
}

func (d *database) Ready(ctx context.Context) error { return d.App.PingContext(ctx) }

func (d *database) Close() {
	for i := len(d.closers) - 1; i >= 0; i-- {
		_ = d.closers[i]()
	}
}

// openDatabase migrates the schema as the owner role and connects as the app role: the embedded PostgreSQL
// when DATABASE_URL is empty, else the server it names.
func openDatabase(ctx context.Context, cfg config, log *slog.Logger) (*database, error) {
	if cfg.DatabaseURL == "" {
		return openEmbedded(ctx, cfg, log)
	}
	d := &database{loadDemo: cfg.Demo == "on", Owner: cfg.DatabaseURL}
	if err := migrate(ctx, cfg.DatabaseURL); err != nil {
		return nil, err
	}
	appURL := cfg.AppURL
	if appURL == "" {
		var err error
		if appURL, err = deriveAppURL(ctx, cfg.DatabaseURL); err != nil {
			return nil, err
		}
	}
	app, err := openPool(ctx, appURL, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect as %s: %w", migrations.AppRole, err)
	}
	d.App = app
	d.closers = append(d.closers, app.Close)
	return d, d.openReplica(cfg, appURL)
}

// openReplica connects to READ_DATABASE_URL, if set, as the app role. Not pinged: a replica that is down at
// start-up is the same as one that goes away later (reads go to the primary, with a warning, until it answers).
func (d *database) openReplica(cfg config, appURL string) error {
	if cfg.ReadURL == "" {
		return nil
	}
	read, err := newPool(replicaURL(cfg.ReadURL, appURL), cfg)
	if err != nil {
		d.Close()
		return fmt.Errorf("READ_DATABASE_URL: %w", err)
	}
	d.Read = read
	d.closers = append(d.closers, read.Close)
	return nil
}

// replicaURL is READ_DATABASE_URL with the app role's credentials filled in when it is a URL naming no user:
// a streaming replica is a copy of the primary, roles and passwords included.
func replicaURL(readURL, appURL string) string {
	u, err := url.Parse(readURL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.User != nil {
		return readURL
	}
	a, err := url.Parse(appURL)
	if err != nil || a.User == nil {
		return readURL
	}
	u.User = a.User
	return u.String()
}

func openEmbedded(ctx context.Context, cfg config, log *slog.Logger) (*database, error) {
	dir, err := filepath.Abs(filepath.Join(cfg.DataDir, "postgres"))
	if err != nil {
		return nil, err
	}
	cluster, err := embeddedpg.Start(ctx, embeddedpg.Options{Dir: dir, Logger: log})
	if err != nil {
		return nil, fmt.Errorf("embedded PostgreSQL: %w", err)
	}
	d := &database{loadDemo: cfg.Demo != "off", closers: []func() error{cluster.Stop},
		Owner: cluster.DSN(migrations.OwnerRole, embeddedDBName)}
	if err := createEmbeddedDB(ctx, cluster); err != nil {
		d.Close()
		return nil, err
	}
	if err := migrate(ctx, cluster.DSN(migrations.OwnerRole, embeddedDBName)); err != nil {
		d.Close()
		return nil, err
	}
	appURL := cluster.DSN(migrations.AppRole, embeddedDBName)
	app, err := openPool(ctx, appURL, cfg)
	if err != nil {
		d.Close()
		return nil, err
	}
	d.App = app
	d.closers = append(d.closers, app.Close)
	return d, d.openReplica(cfg, appURL)
}

// createEmbeddedDB creates the database and hands it to the owner role (first start only; idempotent).
func createEmbeddedDB(ctx context.Context, c *embeddedpg.Cluster) error {
	super, err := sql.Open("postgres", c.SuperuserDSN("postgres"))
	if err != nil {
		return err
	}
	defer super.Close()
	var exists bool
	if err := super.QueryRowContext(ctx, `select exists (select 1 from pg_database where datname = $1)`, embeddedDBName).Scan(&exists); err != nil {
		return err
	}
	if !exists {
		if _, err := super.ExecContext(ctx, "create database "+embeddedDBName); err != nil {
			return err
		}
	}
	db, err := sql.Open("postgres", c.SuperuserDSN(embeddedDBName))
	if err != nil {
		return err
	}
	defer db.Close()
	return migrations.Bootstrap(ctx, db, embeddedDBName)
}

func migrate(ctx context.Context, ownerDSN string) error {
	db, err := sql.Open("postgres", ownerDSN)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := migrations.Up(ctx, db); err != nil {
		return err
	}
	return nil
}

func openPool(ctx context.Context, dsn string, cfg config) (*sqlx.DB, error) {
	db, err := newPool(dsn, cfg)
	if err != nil {
		return nil, err
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// newPool is the app's connection pool to dsn; nothing connects until the first use.
func newPool(dsn string, cfg config) (*sqlx.DB, error) {
	o := pgstmt.Options{Disabled: !cfg.PreparedStatements}
	if cfg.CaptureSQL != "" {
		capture, err := pgstmt.CaptureTo(cfg.CaptureSQL)
		if err != nil {
			return nil, err
		}
		o.Capture = capture
	}
	db, err := pgstmt.Open(dsn, o)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(20)
	db.SetMaxIdleConns(20)
	db.SetConnMaxIdleTime(5 * time.Minute)
	return db, nil
}

// deriveAppURL gives the app role a password derived from the owner's URL (so every server process sharing
// DATABASE_URL derives the same one) and returns the same URL with the app role's credentials. Whoever knows
// the owner URL already has more power than the app role, so the derivation reveals nothing new.
func deriveAppURL(ctx context.Context, ownerURL string) (string, error) {
	u, err := url.Parse(ownerURL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", fmt.Errorf("DATABASE_URL must be a postgres:// URL to derive the app role's login; or set APP_DATABASE_URL")
	}
	sum := sha256.Sum256([]byte("tradeguard-app-role:" + ownerURL))
	password := hex.EncodeToString(sum[:])
	owner, err := sql.Open("postgres", ownerURL)
	if err != nil {
		return "", err
	}
	defer owner.Close()
	if _, err := owner.ExecContext(ctx, "alter role "+migrations.AppRole+" login password "+pq.QuoteLiteral(password)); err != nil {
		return "", fmt.Errorf("set the app role's password (the owner role needs CREATEROLE), or set APP_DATABASE_URL: %w", err)
	}
	u.User = url.UserPassword(migrations.AppRole, password)
	return u.String(), nil
}
