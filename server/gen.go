package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"tradeguard/datagen"
	"tradeguard/internal/clock"
	"tradeguard/scoring"
)

// genCommand: tradeguard gen -size tiny|small|large [-seed N] [-score] writes a generated data set (datagen)
// into the database as it stands now, then by default scores every store for today. It refuses a database
// that already holds generated data.
func genCommand(ctx context.Context, args []string, getenv func(string) string, out io.Writer) error {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	fs.SetOutput(out)
	sizeText := fs.String("size", "tiny", "tiny (~12 stores, 6,000 orders), small (~50, 100,000) or large (1,000, 1,000,000)")
	seed := fs.Int64("seed", 1, "the same seed gives the same data set")
	score := fs.Bool("score", true, "recompute every store's score for today afterwards")
	cfg := batchConfig(fs, getenv)
	if err := fs.Parse(args); err != nil {
		return err
	}
	size, err := datagen.ParseSize(*sizeText)
	if err != nil {
		return err
	}
	db, err := openDatabase(ctx, *cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return err
	}
	defer db.Close()
	owner, err := sql.Open("postgres", db.Owner)
	if err != nil {
		return err
	}
	defer owner.Close()
	started, stageStart := time.Now(), time.Now()
	sum, err := datagen.Generate(ctx, owner, size, *seed, clock.Real(), func(stage string, done, total int) {
		if done > 0 {
			fmt.Fprintf(out, "  %.1fs\n", time.Since(stageStart).Seconds())
		}
		stageStart = time.Now()
		fmt.Fprintf(out, "[%d/%d] %s ...", done+1, total+1, stage)
	})
	fmt.Fprintf(out, "  %.1fs\n", time.Since(stageStart).Seconds())
	if err != nil {
		return fmt.Errorf("gen: %w", err)
	}
	fmt.Fprintf(out, "generated %s (seed %d) in %.1fs: %d stores, %d orders, %d cases, %d ratings, %d chargebacks, %d violations, %d abuse flags, %d metric signals\n",
		size, *seed, sum.Elapsed.Seconds(), sum.Stores, sum.Orders, sum.Cases, sum.Ratings, sum.Chargebacks, sum.Violations, sum.AbuseFlags, sum.Signals)
	fmt.Fprintf(out, "biggest store %s (%s, %d orders); median store %s (%s, %d orders)\n", sum.Biggest.Slug, sum.Biggest.ID,
		sum.Biggest.Orders, sum.Median.Slug, sum.Median.ID, sum.Median.Orders)
	fmt.Fprintf(out, "admin login: %s / %s (every generated account has this password)\n", datagen.AdminEmail, datagen.Password)
	if !*score {
		return nil
	}
	scored := time.Now()
	job, err := scoring.Recompute(ctx, db.App, uuid.Nil, clock.Real(), clock.Real, nil)
	if err != nil {
		return fmt.Errorf("gen: score: %w", err)
	}
	fmt.Fprintf(out, "scored %d stores for today in %.1fs (%d failed); total %.1fs\n", job.Done, time.Since(scored).Seconds(),
		job.Failed, time.Since(started).Seconds())
	return nil
}
