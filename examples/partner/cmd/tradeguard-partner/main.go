// tradeguard-partner is the example partner integration: it copies the orders and cases of the store whose
// API token it is given that changed since its last run, as JSON lines on stdout, keeping its cursors in a
// state file. Run it every few minutes (cron), or with -every.
//
//	TRADEGUARD_TOKEN=tgp_… go run ./examples/partner/cmd/tradeguard-partner -url http://localhost:8080 -state erp.json
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log"
	"os"
	"os/signal"
	"time"

	"tradeguard/examples/partner"
)

func main() {
	url := flag.String("url", "http://localhost:8080", "the tradeguard server")
	statePath := flag.String("state", "tradeguard-partner.json", "where the cursors are kept between runs")
	since := flag.Duration("since", 30*24*time.Hour, "on the first run: copy what changed this long ago and after")
	every := flag.Duration("every", 0, "run again after this long (0: once)")
	first := flag.Int("page", 100, "rows per page (1..100)")
	flag.Parse()
	token := os.Getenv("TRADEGUARD_TOKEN")
	if token == "" {
		log.Fatal("set TRADEGUARD_TOKEN to a store API token (apiTokenCreate with ORDERS_READ and CASES_READ)")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	c := &partner.Client{URL: *url, Token: token}
	out := json.NewEncoder(os.Stdout)
	for {
		state, err := load(*statePath, time.Now().Add(-*since))
		if err != nil {
			log.Fatal(err)
		}
		n, err := partner.Sync(ctx, c, &state, *first,
			func(ch partner.Change) error { return out.Encode(map[string]any{"kind": ch.Kind, "node": ch.Node}) },
			func(s partner.State) error { return save(*statePath, s) })
		log.Printf("%d changes copied; waited %d times; bucket %.0f of %.0f", n, len(c.Waited), c.Cost.Throttle.Available, c.Cost.Throttle.Maximum)
		if err != nil {
			log.Fatal(err)
		}
		if *every == 0 {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(*every):
		}
	}
}

func load(path string, since time.Time) (partner.State, error) {
	s := partner.State{Since: since}
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return s, err
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		return s, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// save writes the state beside its file and renames it over, so a crash never leaves half a file.
func save(path string, s partner.State) error {
	raw, err := json.Marshal(s)
	if err != nil {
		return err
	}
	if err := os.WriteFile(path+".tmp", raw, 0o600); err != nil {
		return err
	}
	return os.Rename(path+".tmp", path)
}
