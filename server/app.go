package main

import (
	"context"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql/playground"
	"github.com/jmoiron/sqlx"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"tradeguard/frontend"
	"tradeguard/graph"
	"tradeguard/payments"
	"tradeguard/tenants"
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
		return withDeadline(lim.RequestTimeout, admit.wrap(authenticate(auth, o.Logger, h)))
	}
	gql := graph.NewHandler(graph.Options{DB: o.DB, Auth: auth, Payments: o.Payments, Now: o.Now, Dev: o.Dev, Logger: o.Logger,
		Limits: lim.Document})
	mux := http.NewServeMux()
	api := limitBody(guard(gql))
	mux.Handle("GET /graphql", api)
	mux.Handle("POST /graphql", api)
	mux.Handle("GET /evidence/", guard(evidenceHandler(o.DB)))
	if o.Dev {
		mux.Handle("GET /graphiql", playground.Handler("tradeguard GraphiQL", "/graphql"))
	}
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
	mux.Handle("GET /", spa(frontend.Dist()))
	return requestLog(o.Logger, m, mux), nil
}

// spa serves the portal's files, and index.html for any other path so client-side routes work on reload.
func spa(dist fs.FS) http.Handler {
	files := http.FileServerFS(dist)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := fs.Stat(dist, trimSlash(r.URL.Path)); err != nil {
			r2 := r.Clone(r.Context())
			r2.URL.Path = "/"
			files.ServeHTTP(w, r2)
			return
		}
		files.ServeHTTP(w, r)
	})
}

func trimSlash(p string) string {
	for len(p) > 0 && p[0] == '/' {
		p = p[1:]
	}
	if p == "" {
		return "."
	}
	return p
}
