package testdb

import (
	"context"
	"sync"
	"testing"

	"github.com/jmoiron/sqlx"

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
	migrateOnce.Do(func() {
		ctx := context.Background()
		db, err := sqlx.Open("postgres", super)
		if err != nil {
			migrateErr = err
			return
		}
		defer db.Close()
		if migrateErr = migrations.Bootstrap(ctx, db.DB, dbName); migrateErr != nil {
			return
		}
		own, err := sqlx.Open("postgres", cluster.DSN(migrations.OwnerRole, dbName))
		if err != nil {
			migrateErr = err
			return
		}
		defer own.Close()
		migrateErr = migrations.Up(ctx, own.DB)
	})
	if migrateErr != nil {
		tb.Fatalf("testdb: migrate: %v", migrateErr)
	}
	owner = openAs(tb, cluster.DSN(migrations.OwnerRole, dbName))
	app = openAs(tb, cluster.DSN(migrations.AppRole, dbName))
	return owner, app
}

func openAs(tb testing.TB, dsn string) *sqlx.DB {
	db, err := sqlx.Open("postgres", dsn)
	if err != nil {
		tb.Fatalf("testdb: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}
