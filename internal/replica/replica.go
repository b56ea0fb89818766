// Package replica decides, read by read, whether a streaming read replica may serve it: the replica must be
// up, no staler than the read allows, and past the caller's own last write; otherwise the primary serves it.
package replica

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/prometheus/client_golang/prometheus"
)

// Options tune a Router; zero values take the defaults.
type Options struct {
	Interval time.Duration // how often the lag is measured; default 250 ms
	MaxLag   time.Duration // the staleness a read allows unless it asks for less; default 10 s
	Logger   *slog.Logger
	Registry prometheus.Registerer // tradeguard_replica_* metrics; nil: none
}

// historySize samples of the primary's WAL position are kept: with the default interval, 30 s of history,
// enough to say how far behind a replica that lags is.
const historySize = 120

type sample struct {
	at  time.Time
	lsn uint64
}

// Router measures a replica's lag against the primary and picks the connection pool for each read.
type Router struct {
	primary, replica *sqlx.DB
	o                Options

	mu       sync.Mutex
	up       bool      // the last check reached the replica and it is a standby
	checked  time.Time // when the last successful check ended
	caughtUp time.Time // the replica had replayed all the primary had committed by this instant
	history  []sample  // the primary's WAL positions, oldest first
	writes   map[string]time.Time
	warned   bool // the replica's failure has been logged (once per outage)

	lag   prometheus.Gauge
	isUp  prometheus.Gauge
	reads *prometheus.CounterVec
}

// New makes a router; call Run to start measuring. Until the first check succeeds every read goes to the
// primary.
func New(primary, replica *sqlx.DB, o Options) *Router {
	if o.Interval <= 0 {
		o.Interval = 250 * time.Millisecond
	}
	if o.MaxLag <= 0 {
		o.MaxLag = 10 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	r := &Router{primary: primary, replica: replica, o: o, writes: map[string]time.Time{},
		lag: prometheus.NewGauge(prometheus.GaugeOpts{Name: "tradeguard_replica_lag_seconds",
			Help: "How far the read replica is behind the primary (an upper bound, measured every check)."}),
		isUp: prometheus.NewGauge(prometheus.GaugeOpts{Name: "tradeguard_replica_up",
			Help: "1 while the read replica answers as a standby, else 0 (reads go to the primary)."}),
		reads: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tradeguard_replica_reads_total",
			Help: "Reads that tolerate staleness, by where they ran (replica or primary) and why."}, []string{"target", "reason"}),
	}
	if o.Registry != nil {
		o.Registry.MustRegister(r.lag, r.isUp, r.reads)
	}
	return r
}

// Status is what the last check found: whether the replica is up, and how far behind it is now (an upper bound).
func (r *Router) Status() (up bool, lag time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.up, r.lagAt(time.Now())
}

// Run checks the replica every interval until ctx ends.
func (r *Router) Run(ctx context.Context) {
	t := time.NewTicker(r.o.Interval)
	defer t.Stop()
	for {
		r.Check(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Check measures the replica once: the primary's WAL position now, then how far the replica has replayed.
func (r *Router) Check(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, max(r.o.Interval, time.Second))
	defer cancel()
	at := time.Now()
	var primaryLSN string
	if err := r.primary.GetContext(ctx, &primaryLSN, `select pg_current_wal_lsn()::text`); err != nil {
		return // the primary's own trouble: reads fail there anyway, and the replica's state is unknown
	}
	p, err := ParseLSN(primaryLSN)
	if err != nil {
		return
	}
	var replayed *string
	var replayedAt *time.Time // the commit time of the last transaction replayed
	err = r.replica.QueryRowContext(ctx, `select pg_last_wal_replay_lsn()::text, pg_last_xact_replay_timestamp()`).Scan(&replayed, &replayedAt)
	if err == nil && replayed == nil {
		err = errors.New("it is not a standby (pg_last_wal_replay_lsn() is null): promoted, or not a replica")
	}
	var rp uint64
	if err == nil {
		rp, err = ParseLSN(*replayed)
	}
	done := time.Now()
	if err != nil {
		r.MarkDown(err)
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.history = append(r.history, sample{at: at, lsn: p})
	if len(r.history) > historySize {
		r.history = r.history[len(r.history)-historySize:]
	}
	if t, ok := caughtUpTo(r.history, rp); ok && t.After(r.caughtUp) {
		r.caughtUp = t
	}
	// Between samples, the last replayed commit's own time is a closer bound (the primary's clock: a
	// replica on another machine needs the clocks in sync, as PostgreSQL's own replay_lag does).
	if replayedAt != nil && replayedAt.After(r.caughtUp) && !replayedAt.After(done) {
		r.caughtUp = *replayedAt
	}
	for k, w := range r.writes { // a fence the replica has passed is no longer needed
		if !w.After(r.caughtUp) {
			delete(r.writes, k)
		}
	}
	if !r.up {
		if r.warned {
			r.o.Logger.Info("read replica is back: reads that allow staleness go to it again")
		}
		r.warned = false
	}
	r.up, r.checked = true, done
	r.isUp.Set(1)
	r.lag.Set(r.lagAt(done).Seconds())
}

// MarkDown records that the replica failed (a check, or a read that could not start there): reads go to the
// primary until a check succeeds again. The first failure of an outage is logged as a warning.
func (r *Router) MarkDown(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.up = false
	r.isUp.Set(0)
	if !r.warned {
		r.warned = true
		r.o.Logger.Warn("read replica unavailable: reads go to the primary until it answers again", "error", err)
	}
}

// lagAt bounds the replica's staleness at t: it holds everything committed on the primary by caughtUp.
func (r *Router) lagAt(t time.Time) time.Duration {
	if r.caughtUp.IsZero() {
		if len(r.history) == 0 {
			return 0
		}
		return t.Sub(r.history[0].at) // behind every sample taken so far
	}
	return max(t.Sub(r.caughtUp), 0)
}

// caughtUpTo is the time of the newest sample the replica has replayed past.
func caughtUpTo(history []sample, replayed uint64) (time.Time, bool) {
	for i := len(history) - 1; i >= 0; i-- {
		if history[i].lsn <= replayed {
			return history[i].at, true
		}
	}
	return time.Time{}, false
}

// Wrote records that caller (a key naming who wrote: a user or an API token) committed a write on the
// primary now: its reads go to the primary until the replica has replayed past it (read your own writes).
func (r *Router) Wrote(caller string) {
	if caller == "" {
		return
	}
	r.mu.Lock()
	r.writes[caller] = time.Now()
	r.mu.Unlock()
}

// Pick returns the pool a read for caller runs on, given the staleness it allows (below zero, or above
// MaxLag: MaxLag), and whether that is the replica. A read sent to the primary is counted here; one sent to
// the replica is counted by Started once it has started there.
func (r *Router) Pick(caller string, allowed time.Duration) (*sqlx.DB, bool) {
	if allowed < 0 || allowed > r.o.MaxLag {
		allowed = r.o.MaxLag
	}
	now := time.Now()
	r.mu.Lock()
	reason := decide(state{up: r.up, checked: r.checked, caughtUp: r.caughtUp, interval: r.o.Interval,
		wrote: r.writes[caller]}, now, allowed)
	r.mu.Unlock()
	if reason == "" {
		return r.replica, true
	}
	r.reads.WithLabelValues("primary", reason).Inc()
	return r.primary, false
}

// Started records how a read Pick sent to the replica went: begun there, or (err) failed to begin, which
// marks the replica down, and the read goes to the primary.
func (r *Router) Started(err error) {
	if err == nil {
		r.reads.WithLabelValues("replica", "fresh_enough").Inc()
		return
	}
	r.MarkDown(err)
	r.reads.WithLabelValues("primary", "replica_failed").Inc()
}

type state struct {
	up                bool
	checked, caughtUp time.Time
	interval          time.Duration
	wrote             time.Time // the caller's last write not yet known to be replayed; zero: none
}

// decide says why a read must go to the primary, or "" if the replica may serve it.
func decide(s state, now time.Time, allowed time.Duration) string {
	switch {
	case !s.up:
		return "replica_down"
	case now.Sub(s.checked) > 4*s.interval+time.Second: // the checks stalled: what we know is old
		return "replica_unchecked"
	case s.caughtUp.IsZero() || now.Sub(s.caughtUp) > allowed:
		return "too_stale"
	case !s.wrote.IsZero() && s.wrote.After(s.caughtUp):
		return "own_write"
	}
	return ""
}

// ParseLSN reads PostgreSQL's textual WAL position ("16/B374D848").
func ParseLSN(s string) (uint64, error) {
	hi, lo, ok := strings.Cut(s, "/")
	if !ok {
		return 0, fmt.Errorf("replica: bad LSN %q", s)
	}
	h, err := strconv.ParseUint(hi, 16, 32)
	if err != nil {
		return 0, fmt.Errorf("replica: bad LSN %q", s)
	}
	l, err := strconv.ParseUint(lo, 16, 32)
	if err != nil {
		return 0, fmt.Errorf("replica: bad LSN %q", s)
	}
	return h<<32 | l, nil
}

// ParseStaleness reads a request's allowed staleness in seconds ("0", "2.5"): 0 asks for the primary.
func ParseStaleness(v string) (time.Duration, error) {
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || f < 0 || f > 86400 || f != f {
		return 0, fmt.Errorf("the allowed staleness is a number of seconds from 0 to 86400 (got %q)", v)
	}
	return time.Duration(f * float64(time.Second)), nil
}

// Header is the request header in which a caller states the staleness its reads allow, in seconds ("0": read
// from the primary). Without it a read allows the router's MaxLag.
const Header = "Tradeguard-Max-Staleness"

type allowedKey struct{}

// WithAllowed returns a context whose reads allow staleness d.
func WithAllowed(ctx context.Context, d time.Duration) context.Context {
	return context.WithValue(ctx, allowedKey{}, d)
}

// AllowedFrom is the staleness ctx's reads allow; -1 (the router's default) if the caller said nothing.
func AllowedFrom(ctx context.Context) time.Duration {
	if d, ok := ctx.Value(allowedKey{}).(time.Duration); ok {
		return d
	}
	return -1
}
