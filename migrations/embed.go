// Package migrations holds the SQL schema (roles, tables, row-level security) embedded in the binary and applies
// it with goose, as the owner role. The server itself never connects as that role.
package migrations

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"

	"github.com/lib/pq"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

//go:embed *.sql
var files embed.FS

const (
	// AppRole is the role the server connects as: NOSUPERUSER, NOBYPASSRLS, owner of nothing.
	AppRole = "tradeguard_app"
	// OwnerRole owns the schema and runs migrations (used when tradeguard creates the database itself).
	OwnerRole = "tradeguard_owner"
	// The version table lives outside public so the app role is never granted it and the
	// "every table has RLS forced" rule can speak of all of public.
	metaSchema = "tradeguard_meta"
)

// Up applies every pending migration. db must be connected as the schema owner. Several processes may call it
// at once: a PostgreSQL advisory lock lets one migrate while the others wait.
func Up(ctx context.Context, db *sql.DB) error {
	// "if not exists" is not atomic: two processes creating it at once may both pass the check, and the
	// second then fails on the catalog's unique index. The schema exists either way.
	if _, err := db.ExecContext(ctx, "create schema if not exists "+metaSchema); err != nil && !isDuplicate(err) {
		return fmt.Errorf("migrations: %w", err)
	}
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, files,
		goose.WithTableName(metaSchema+".goose_db_version"), goose.WithSessionLocker(locker))
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	return nil
}

// DownTo rolls the schema back to version (an operator's undo of a release; the tests check the newest
// migration's Down). db must be connected as the schema owner.
func DownTo(ctx context.Context, db *sql.DB, version int64) error {
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, files,
		goose.WithTableName(metaSchema+".goose_db_version"), goose.WithSessionLocker(locker))
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if _, err := p.DownTo(ctx, version); err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	return nil
}

// Bootstrap prepares a database that tradeguard manages itself (the embedded one, and test databases): it
// creates the owner role if missing and hands it the database. super must be a superuser connection to dbname.
func Bootstrap(ctx context.Context, super *sql.DB, dbname string) error {
	stmts := []string{
		`do $$ begin
		   create role ` + OwnerRole + ` login nosuperuser createrole nobypassrls;
		 exception when duplicate_object or unique_violation then null; end $$`,
		"alter database " + pq.QuoteIdentifier(dbname) + " owner to " + OwnerRole,
	}
	for _, s := range stmts {
		if _, err := super.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("bootstrap: %w", err)
		}
	}
	return nil
}

func isDuplicate(err error) bool {
	var pe *pq.Error
	return errors.As(err, &pe) && (pe.Code == "23505" || pe.Code == "42P06")
}
