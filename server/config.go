package main

import (
	"flag"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"tradeguard/graph"
	"tradeguard/graph/limits"
	"tradeguard/throttle"
	"tradeguard/webhooks"
)

// config is everything the server reads from flags and the environment (README: Configuration).
type config struct {
	Addr        string
	DataDir     string
	Dev         bool
	DatabaseURL string // owner role: runs migrations; empty = embedded PostgreSQL in DataDir
	AppURL      string // app role; empty = derived from DatabaseURL
	// ReadURL is a streaming read replica of the database (READ_DATABASE_URL); empty: none.
	ReadURL string
	// ReplicaMaxLag is the staleness the replica's reads allow unless a request asks for less.
	ReplicaMaxLag time.Duration
	JWTKey        string // hex or base64, >= 32 bytes; empty = generated and kept in DataDir
	// JWTPreviousKeys are keys rotated out, comma-separated like JWTKey: they still verify the access tokens
	// they signed (at most 15 minutes) and sign nothing.
	JWTPreviousKeys string
	Demo            string // "auto" (embedded only), "on", "off"
	LogLevel        slog.Level
	// SchedulerEvery is how often this process acts on due deadlines (0: never; another process does).
	SchedulerEvery time.Duration
	Serve          serveLimits
	// CORSOrigins may call the API from their pages; empty: no cross-origin access at all.
	CORSOrigins []string
	// PreparedStatements: each connection keeps its statements prepared (internal/pgstmt); off behind a
	// pooler in transaction mode, which moves transactions between server connections.
	PreparedStatements bool
	// CaptureSQL, when set, is a file every statement the app runs is appended to (JSON lines), for the
	// benchmark that replays the server's own SQL.
	CaptureSQL string
	// Webhooks: which endpoints subscriptions may name (loopback and http:// in development and tests).
	Webhooks webhooks.Endpoints
	// WebhooksTimeout is how long a delivery waits for its endpoint; a claim's lease is six of it.
	WebhooksTimeout time.Duration
}

// serveLimits bound what one request and all requests together may take (README: Limits and security).
type serveLimits struct {
	RequestTimeout time.Duration // an API request's deadline, its SQL included
	MaxInFlight    int           // API requests executing at once
	MaxQueued      int           // API requests waiting for a slot; more are refused with 503
	QueueWait      time.Duration // how long one waits before 503

	ReadHeaderTimeout, ReadTimeout, WriteTimeout, IdleTimeout time.Duration

	Document limits.Tunable // what one GraphQL document may ask for

	Throttle graph.ThrottlePolicies // each caller's cost bucket (README: Throttling)
}

func defaultServeLimits() serveLimits {
	return serveLimits{RequestTimeout: 15 * time.Second, MaxInFlight: 16, MaxQueued: 100, QueueWait: 2 * time.Second,
		ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 60 * time.Second, WriteTimeout: 75 * time.Second, IdleTimeout: 120 * time.Second,
		Document: limits.Defaults(), Throttle: graph.DefaultThrottle(limits.MaxComplexity)}
}

func loadConfig(args []string, getenv func(string) string) (config, error) {
	var c config
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	fs.StringVar(&c.Addr, "addr", ":8080", "address to listen on")
	fs.StringVar(&c.DataDir, "data", "./.tradeguard", "data directory (embedded PostgreSQL, generated signing key)")
	fs.BoolVar(&c.Dev, "dev", getenv("TRADEGUARD_DEV") == "1", "development mode: GraphiQL, introspection and suggestions for everyone")
	demoFlag := fs.String("demo", envOr(getenv, "TRADEGUARD_DEMO", "auto"), "load demo data: auto (only into the embedded database), on, off")
	fs.DurationVar(&c.SchedulerEvery, "scheduler-every", time.Second, "how often to act on due deadlines; 0 turns this process's scheduler off")
	c.Serve = defaultServeLimits()
	fs.DurationVar(&c.Serve.RequestTimeout, "request-timeout", c.Serve.RequestTimeout, "deadline of an API request, its SQL included")
	fs.IntVar(&c.Serve.MaxInFlight, "max-in-flight", c.Serve.MaxInFlight, "API requests executing at once")
	fs.IntVar(&c.Serve.MaxQueued, "max-queued", c.Serve.MaxQueued, "API requests waiting for a slot; more are refused with 503")
	fs.DurationVar(&c.Serve.QueueWait, "queue-wait", c.Serve.QueueWait, "how long a request waits for a slot before 503")
	fs.DurationVar(&c.Serve.ReadHeaderTimeout, "read-header-timeout", c.Serve.ReadHeaderTimeout, "time to read a request's headers")
	fs.DurationVar(&c.Serve.ReadTimeout, "read-timeout", c.Serve.ReadTimeout, "time to read a whole request (uploads included)")
	fs.DurationVar(&c.Serve.WriteTimeout, "write-timeout", c.Serve.WriteTimeout, "time from the end of the request headers to the end of the response")
	fs.DurationVar(&c.Serve.IdleTimeout, "idle-timeout", c.Serve.IdleTimeout, "how long a kept-alive connection may idle")
	d := &c.Serve.Document
	fs.IntVar(&d.QueryTokens, "max-query-tokens", d.QueryTokens, "parser tokens in one GraphQL document")
	fs.IntVar(&d.Fields, "max-fields", d.Fields, "field selections written in one document")
	fs.IntVar(&d.Aliases, "max-aliases", d.Aliases, "aliases in one document")
	fs.IntVar(&d.Depth, "max-depth", d.Depth, "fields nested in one another")
	fs.IntVar(&d.Complexity, "max-complexity", d.Complexity, "cost of one operation (a list costs its page size times its items)")
	th := &c.Serve.Throttle
	fs.Float64Var(&th.Caller.Capacity, "throttle-capacity", th.Caller.Capacity, "cost points an API token's or a signed-in user's bucket holds; 0 turns throttling off")
	fs.Float64Var(&th.Caller.RestorePerSecond, "throttle-restore", th.Caller.RestorePerSecond, "cost points restored to such a bucket each second")
	fs.Float64Var(&th.Admin.Capacity, "throttle-admin-capacity", th.Admin.Capacity, "cost points an admin's bucket holds; 0 turns admins' throttling off")
	fs.Float64Var(&th.Admin.RestorePerSecond, "throttle-admin-restore", th.Admin.RestorePerSecond, "cost points restored to an admin's bucket each second")
	loopback := fs.Bool("webhooks-allow-loopback", getenv("TRADEGUARD_WEBHOOKS_ALLOW_LOOPBACK") == "1",
		"webhook endpoints may be http:// and loopback addresses (development and tests; on with -dev)")
	fs.DurationVar(&c.WebhooksTimeout, "webhooks-timeout", webhooks.RequestTimeout,
		"how long a webhook delivery waits for its endpoint (at most 10s); a process that dies mid-send leaves it to others after six of it")
	fs.DurationVar(&c.ReplicaMaxLag, "replica-max-lag", 10*time.Second,
		"with READ_DATABASE_URL: how far behind the primary the replica may be for the reads it serves (metrics, trends, scoreboard, exports)")
	fs.BoolVar(&c.PreparedStatements, "prepared-statements", getenv("TRADEGUARD_PREPARED_STATEMENTS") != "off",
		"keep each connection's statements prepared (turn off behind PgBouncer in transaction mode)")
	fs.StringVar(&c.CaptureSQL, "capture-sql", "", "append every SQL statement the app runs, with its arguments, to this file (benchmarks)")
	origins := fs.String("cors-origins", getenv("TRADEGUARD_CORS_ORIGINS"), "origins (scheme://host[:port], comma-separated) whose pages may call the API; empty: none")
	level := fs.String("log-level", envOr(getenv, "LOG_LEVEL", "info"), "debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	c.Webhooks.AllowLoopback = *loopback || c.Dev
	c.DatabaseURL = getenv("DATABASE_URL")
	c.AppURL = getenv("APP_DATABASE_URL")
	c.ReadURL = getenv("READ_DATABASE_URL")
	c.JWTKey = getenv("TRADEGUARD_JWT_KEY")
	c.JWTPreviousKeys = getenv("TRADEGUARD_JWT_PREVIOUS_KEYS")
	switch *demoFlag {
	case "auto", "on", "off":
		c.Demo = *demoFlag
	default:
		return c, fmt.Errorf("-demo must be auto, on or off, not %q", *demoFlag)
	}
	if c.WebhooksTimeout <= 0 || c.WebhooksTimeout > webhooks.RequestTimeout {
		return c, fmt.Errorf("-webhooks-timeout must be more than 0 and at most %s, not %s", webhooks.RequestTimeout, c.WebhooksTimeout)
	}
	if c.ReplicaMaxLag <= 0 {
		return c, fmt.Errorf("-replica-max-lag must be more than 0, not %s", c.ReplicaMaxLag)
	}
	var err error
	if c.CORSOrigins, err = parseOrigins(*origins); err != nil {
		return c, err
	}
	if err := c.Serve.validate(); err != nil {
		return c, err
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

func (l serveLimits) validate() error {
	switch {
	case l.RequestTimeout <= 0:
		return fmt.Errorf("-request-timeout must be positive")
	case l.MaxInFlight < 1:
		return fmt.Errorf("-max-in-flight must be at least 1")
	case l.MaxQueued < 0:
		return fmt.Errorf("-max-queued must not be negative")
	case l.WriteTimeout <= l.RequestTimeout:
		return fmt.Errorf("-write-timeout (%s) must be longer than -request-timeout (%s), or answers would be cut off", l.WriteTimeout, l.RequestTimeout)
	}
	for _, b := range []struct {
		flag string
		p    throttle.Policy
	}{{"-throttle", l.Throttle.Caller}, {"-throttle-admin", l.Throttle.Admin}} {
		switch {
		case b.p.Capacity < 0 || b.p.RestorePerSecond < 0:
			return fmt.Errorf("%s-capacity and %s-restore must not be negative", b.flag, b.flag)
		case !b.p.Off() && b.p.Capacity < float64(l.Document.Complexity):
			return fmt.Errorf("%s-capacity (%.0f) must be 0 (off) or at least -max-complexity (%d): a full bucket must hold any request the limits admit",
				b.flag, b.p.Capacity, l.Document.Complexity)
		case !b.p.Off() && b.p.RestorePerSecond <= 0:
			return fmt.Errorf("%s-restore must be positive while %s-capacity is set, or an emptied bucket would never refill", b.flag, b.flag)
		}
	}
	return l.Document.Validate()
}
