package main

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"tradeguard/frontend"
	"tradeguard/graph"
	"tradeguard/internal/replica"
	"tradeguard/payments"
	"tradeguard/tenants"
	"tradeguard/webhooks"
)

// Request size limits.
const (
	maxBodyBytes   = 1 << 20  // a GraphQL request body
	maxHeaderBytes = 64 << 10 // all request headers together; net/http answers 431 past it
)

type appOptions struct {
	DB       *sqlx.DB // app role
	Key      []byte   // JWT signing key
	Previous [][]byte // JWT keys rotated out: verify only
	Now      func() time.Time
	Dev      bool
	Logger   *slog.Logger
	Ready    func(context.Context) error
	Payments payments.Adapter
	Registry *prometheus.Registry // /metrics; the scheduler registers here too
	Limits   serveLimits          // zero: defaultServeLimits()
	// Webhooks: which endpoints subscriptions may name.
	Webhooks webhooks.Endpoints
	// ThrottleClock runs the callers' cost buckets (nil: time.Now); apart from Now, which tests fake.
	ThrottleClock func() time.Time
	// CORSOrigins may call the API from their pages (-cors-origins); none: no cross-origin access.
	CORSOrigins []string
	// Frontend is the built portal and GraphiQL; nil: the build embedded in the binary (frontend.Build).
	Frontend fs.FS
	// Replicas routes the reads that allow staleness to the read replica (READ_DATABASE_URL); nil: none.
	Replicas *replica.Router
}

// newApp is the whole HTTP surface: /graphql, /graphiql (development), health, metrics and the portal.
func newApp(o appOptions) (http.Handler, error) {
	access, err := tenants.NewAccessTokens(o.Key, o.Now, o.Previous...)
	if err != nil {
		return nil, err
	}
	auth := &tenants.Auth{DB: o.DB, Access: access, Now: o.Now}
	reg := o.Registry
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewDBStatsCollector(o.DB.DB, "app"))
	m := newHTTPMetrics(reg)

	lim := o.Limits
	if lim == (serveLimits{}) {
		lim = defaultServeLimits()
	}
	admit := newAdmission(lim.MaxInFlight, lim.MaxQueued, lim.QueueWait, reg)
	// Each API request: a deadline from the moment its body is read, a slot (or a short queue, or 503),
	// then who is asking (a partner token costs a database lookup, so it comes after admission).
	guard := func(h http.Handler) http.Handler {
		return withDeadline(lim.RequestTimeout, admit.wrap(authenticate(auth, o.Logger, withStaleness(h))))
	}
	gql := graph.NewHandler(graph.Options{DB: o.DB, Auth: auth, Payments: o.Payments, Now: o.Now, Dev: o.Dev, Logger: o.Logger,
		Limits: lim.Document, Throttle: lim.Throttle, ThrottleClock: o.ThrottleClock, Webhooks: o.Webhooks, Replicas: o.Replicas})
	mux := http.NewServeMux()
	api := limitBody(guard(gql))
	mux.Handle("GET /graphql", api)
	mux.Handle("POST /graphql", api)
	mux.Handle("GET /evidence/", guard(evidenceHandler(o.DB)))
	mux.Handle("GET /exports/scoreboard.csv", guard(scoreboardCSV(o.DB, o.Replicas, o.Now)))
	mux.Handle("GET /exports/bulk/", authenticate(auth, o.Logger, bulkExportHandler(o.DB)))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := o.Ready(ctx); err != nil {
			http.Error(w, "database not reachable", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("ready\n"))
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	if err := handleFrontend(mux, o); err != nil {
		return nil, err
	}
	return requestLog(o.Logger, m, securityHeaders(withCORS(o.CORSOrigins, mux))), nil
}

// handleFrontend serves the portal at / and, in development mode, GraphiQL at /graphiql.
func handleFrontend(mux *http.ServeMux, o appOptions) error {
	build, built := frontend.Build()
	if o.Frontend != nil {
		_, err := fs.Stat(o.Frontend, "index.html")
		build, built = o.Frontend, err == nil
	}
	if !built {
		o.Logger.Warn("the portal is not built: / says how to build it (make run does)")
	}
	site, err := portal(build, built, o.Dev)
	if err != nil {
		return fmt.Errorf("portal: %w", err)
	}
	mux.Handle("GET /", site)
	if o.Dev {
		gi, err := graphiql(build, built)
		if err != nil {
			return fmt.Errorf("GraphiQL: %w", err)
		}
		mux.Handle("GET /graphiql", gi)
	} else {
		mux.HandleFunc("GET /graphiql", func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "GraphiQL is served in development mode only (-dev)", http.StatusNotFound)
		})
	}
	mux.Handle("GET /graphiql/", http.NotFoundHandler()) // the page is /graphiql; its files are /assets/
	return nil
}
