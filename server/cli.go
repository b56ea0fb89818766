package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"tradeguard/internal/clock"
	"tradeguard/scoring"
)

// subcommands run batch work against the same database the server would use (DATABASE_URL, or the embedded
// one in -data: stop the server first, one process owns an embedded cluster).
var subcommands = map[string]func(ctx context.Context, args []string, getenv func(string) string, out io.Writer) error{
	"score": scoreCommand,
	"gen":   genCommand,
}

// scoreCommand: tradeguard score [-as-of DATE] recomputes every store's score for a day, printing progress.
func scoreCommand(ctx context.Context, args []string, getenv func(string) string, out io.Writer) error {
	fs := flag.NewFlagSet("score", flag.ContinueOnError)
	fs.SetOutput(out)
	asOfText := fs.String("as-of", "", "the day (YYYY-MM-DD, each store's day in its time zone) or instant (RFC 3339); default now")
	cfg := batchConfig(fs, getenv)
	if err := fs.Parse(args); err != nil {
		return err
	}
	now := clock.Real()
	asOf, err := parseAsOf(*asOfText, now)
	if err != nil {
		return err
	}
	db, err := openDatabase(ctx, *cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return err
	}
	defer db.Close()
	started := time.Now()
	last := time.Time{}
	job, err := scoring.Recompute(ctx, db.App, uuid.Nil, asOf, clock.Real, func(done, failed, total int) {
		if time.Since(last) > time.Second || done == total {
			last = time.Now()
			fmt.Fprintf(out, "scored %d/%d stores (%d failed)\n", done, total, failed)
		}
	})
	if err != nil {
		return fmt.Errorf("score: %w", err)
	}
	fmt.Fprintf(out, "done: %d stores scored for %s in %s\n", job.Done, asOf.Format(time.DateOnly), time.Since(started).Round(time.Millisecond))
	return nil
}

// batchConfig registers the flags every subcommand shares and reads the database from the environment.
func batchConfig(fs *flag.FlagSet, getenv func(string) string) *config {
	c := &config{DatabaseURL: getenv("DATABASE_URL"), AppURL: getenv("APP_DATABASE_URL"), Demo: "off"}
	fs.StringVar(&c.DataDir, "data", "./.tradeguard", "data directory of the embedded PostgreSQL (without DATABASE_URL)")
	return c
}

// parseAsOf reads a date (that day: its noon UTC falls on the same date in every store's time zone from
// UTC-11 to UTC+11; today means now) or an RFC 3339 instant; never in the future.
func parseAsOf(v string, now time.Time) (time.Time, error) {
	if v == "" {
		return now, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		d, err2 := time.Parse(time.DateOnly, v)
		if err2 != nil {
			return t, fmt.Errorf("as-of: an RFC 3339 instant or a date YYYY-MM-DD, not %q", v)
		}
		if d.Equal(now.UTC().Truncate(24 * time.Hour)) {
			return now, nil
		}
		t = d.Add(12 * time.Hour)
	}
	if t.After(now) {
		return t, fmt.Errorf("as-of %s is in the future: scores are known up to now", v)
	}
	return t, nil
}
