package testdb

import (
	"context"
	"sync"
	"testing"

	"github.com/jmoiron/sqlx"

	"tradeguard/internal/pgstmt"
	"tradeguard/migrations"
)

var (
	migrateOnce sync.Once
	migrateErr  error
)

// Migrated prepares this binary's database the way the server does (owner role, migrations) and returns
// connections as the owner role and as the app role (NOSUPERUSER, NOBYPASSRLS), closed when tb ends.
func Migrated(tb testing.TB) (owner, app *sqlx.DB) {
	tb.Helper()
	super := New(tb)
	migrateOnce.Do(func() { migrateErr = migrate(super, dbName) })
	if migrateErr != nil {
		tb.Fatalf("testdb: migrate: %v", migrateErr)
	}
	owner = openAs(tb, cluster.DSN(migrations.OwnerRole, dbName))
	app = openAs(tb, cluster.DSN(migrations.AppRole, dbName))
	return owner, app
}

// Another makes one more migrated database on the same cluster, for tests whose writes must not reach the
// other tests of the binary (e.g. a test that sends every operation whatever it changes). It returns its
// superuser DSN and connections as the owner and the app role.
func Another(tb testing.TB, suffix string) (super string, owner, app *sqlx.DB) {
	tb.Helper()
	New(tb)
	name := dbName + "_" + suffix
	if err := createDB(context.Background(), name); err != nil {
		tb.Fatalf("testdb: %v", err)
	}
	others = append(others, name)
	super = cluster.SuperuserDSN(name)
	if err := migrate(super, name); err != nil {
		tb.Fatalf("testdb: migrate %s: %v", name, err)
	}
	return super, openAs(tb, cluster.DSN(migrations.OwnerRole, name)), openAs(tb, cluster.DSN(migrations.AppRole, name))
}

// migrate bootstraps the roles and applies the migrations to database name, as the server does.
func migrate(super, name string) error {
	ctx := context.Background()
	db, err := sqlx.Open("postgres", super)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := migrations.Bootstrap(ctx, db.DB, name); err != nil {
		return err
	}
	own, err := sqlx.Open("postgres", cluster.DSN(migrations.OwnerRole, name))
	if err != nil {
		return err
	}
	defer own.Close()
	return migrations.Up(ctx, own.DB)
}

// openAs connects as the server does (internal/pgstmt: statements kept prepared), so every test runs the
// app's SQL the way production runs it.
func openAs(tb testing.TB, dsn string) *sqlx.DB {
	db, err := pgstmt.Open(dsn, pgstmt.Options{})
	if err != nil {
		tb.Fatalf("testdb: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}
