package main

import (
	"flag"
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// config is everything the server reads from flags and the environment (README: Configuration).
type config struct {
	Addr        string
	DataDir     string
	Dev         bool
	DatabaseURL string // owner role: runs migrations; empty = embedded PostgreSQL in DataDir
	AppURL      string // app role; empty = derived from DatabaseURL
	JWTKey      string // hex or base64, >= 32 bytes; empty = generated and kept in DataDir
	Demo        string // "auto" (embedded only), "on", "off"
	LogLevel    slog.Level
	// SchedulerEvery is how often this process acts on due deadlines (0: never; another process does).
	SchedulerEvery time.Duration
}

func loadConfig(args []string, getenv func(string) string) (config, error) {
	var c config
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	fs.StringVar(&c.Addr, "addr", ":8080", "address to listen on")
	fs.StringVar(&c.DataDir, "data", "./.tradeguard", "data directory (embedded PostgreSQL, generated signing key)")
	fs.BoolVar(&c.Dev, "dev", getenv("TRADEGUARD_DEV") == "1", "development mode: GraphiQL, introspection and suggestions for everyone")
	demoFlag := fs.String("demo", envOr(getenv, "TRADEGUARD_DEMO", "auto"), "load demo data: auto (only into the embedded database), on, off")
	fs.DurationVar(&c.SchedulerEvery, "scheduler-every", time.Second, "how often to act on due deadlines; 0 turns this process's scheduler off")
	level := fs.String("log-level", envOr(getenv, "LOG_LEVEL", "info"), "debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	c.DatabaseURL = getenv("DATABASE_URL")
	c.AppURL = getenv("APP_DATABASE_URL")
	c.JWTKey = getenv("TRADEGUARD_JWT_KEY")
	switch *demoFlag {
	case "auto", "on", "off":
		c.Demo = *demoFlag
	default:
		return c, fmt.Errorf("-demo must be auto, on or off, not %q", *demoFlag)
	}
	if err := c.LogLevel.UnmarshalText([]byte(strings.ToUpper(*level))); err != nil {
		return c, fmt.Errorf("-log-level: %w", err)
	}
	return c, nil
}

func envOr(getenv func(string) string, key, def string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return def
}
