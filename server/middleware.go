package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"tradeguard/graph"
	"tradeguard/internal/replica"
	"tradeguard/internal/reqid"
	"tradeguard/tenants"
)

// authenticate turns the bearer token into a Principal in the request context. No token: anonymous. A token
// that is not accepted (bad signature, expired, wrong issuer, revoked, oversized…): 401, never a silent
// downgrade to anonymous. Two Authorization headers are refused with 400: which one counts would depend on
// which proxy reads it.
func authenticate(auth *tenants.Auth, log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		values := r.Header.Values("Authorization")
		if len(values) > 1 {
			writeError(w, http.StatusBadRequest, "BAD_REQUEST", "send one Authorization header, not "+strconv.Itoa(len(values)))
			return
		}
		if len(values) == 0 || values[0] == "" {
			next.ServeHTTP(w, r.WithContext(tenants.WithPrincipal(r.Context(), tenants.Anonymous)))
			return
		}
		token, ok := bearer(values[0])
		var p tenants.Principal
		var err error
		switch {
		case !ok:
			err = tenants.ErrUnauthenticated
		case len(token) > tenants.MaxTokenBytes:
			err = tenants.ErrUnauthenticated
		case tenants.IsPartnerToken(token):
			p, err = auth.AuthenticateAPIToken(r.Context(), token)
		default:
			p, err = auth.Access.Verify(token)
		}
		if err != nil {
			log.InfoContext(r.Context(), "token refused", "request_id", reqid.From(r.Context()), "reason", err)
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
			writeError(w, http.StatusUnauthorized, "UNAUTHENTICATED", "the access token is invalid or expired; sign in again or refresh it")
			return
		}
		next.ServeHTTP(w, r.WithContext(tenants.WithPrincipal(r.Context(), p)))
	})
}

// bearer is the token of an Authorization header of the Bearer scheme, whose name is case-insensitive
// (RFC 7235 §2.1): "Bearer x", "bearer x" and "BEARER x" are the same.
// withStaleness reads the staleness the caller's reads allow (replica.Header) into the request's context; a
// value that is not a number of seconds is refused before anything runs.
func withStaleness(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, ok := r.Header[http.CanonicalHeaderKey(replica.Header)]
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		d, err := replica.ParseStaleness(strings.Join(v, ","))
		if err != nil {
			writeFieldError(w, http.StatusBadRequest, "BAD_USER_INPUT", []string{replica.Header}, replica.Header+": "+err.Error())
			return
		}
		next.ServeHTTP(w, r.WithContext(replica.WithAllowed(r.Context(), d)))
	})
}

func bearer(h string) (string, bool) {
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimLeft(token, " ")
	return token, token != ""
}

// limitBody refuses bodies over the limit with 413: at once when Content-Length says so, else after reading at
// most the limit (a chunked body has no length; a cut-off body would otherwise read as malformed JSON). What
// the body must be is graph.HTTPTransport's to check. The limit is
// maxBodyBytes for JSON, graph.MaxUploadRequestBytes for a multipart request (a file upload), which must also
// carry a header a cross-site form cannot send (multipart/form-data is a "simple" content type).
func limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit := int64(maxBodyBytes)
		if isMultipart(r) {
			if r.Header.Get("GraphQL-Require-Preflight") == "" && r.Header.Get("Apollo-Require-Preflight") == "" {
				writeError(w, http.StatusBadRequest, "BAD_REQUEST", "a multipart request needs the header GraphQL-Require-Preflight: 1")
				return
			}
			limit = graph.MaxUploadRequestBytes
		}
		tooLarge := func() {
			writeError(w, http.StatusRequestEntityTooLarge, "REQUEST_TOO_LARGE",
				"request body is larger than "+strconv.FormatInt(limit, 10)+" bytes")
		}
		if r.ContentLength > limit {
			tooLarge()
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			tooLarge()
			return
		}
		if err != nil {
			writeError(w, http.StatusBadRequest, "BAD_REQUEST", "could not read the request body")
			return
		}
		if at := invalidText(r, body); at != "" {
			writeFieldError(w, http.StatusBadRequest, "BAD_USER_INPUT", strings.Split(at, "."),
				at+": text must be UTF-8 (this is not; the bytes were probably sent in another encoding)")
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(w, r)
	})
}

// isMultipart: a POST in the GraphQL multipart request spec (the only kind gqlgen's MultipartForm takes).
func isMultipart(r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && r.Method == http.MethodPost && mt == "multipart/form-data"
}

// writeError answers in the GraphQL response shape, so clients parse every failure the same way.
func writeError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"errors": []any{map[string]any{"message": msg, "extensions": map[string]any{"code": code}}},
	})
}

// internalError logs an unexpected failure with the request id and answers 500 with that id alone, so the
// caller can quote it and learns nothing of the cause.
func internalError(w http.ResponseWriter, r *http.Request, what string, err error) {
	slog.ErrorContext(r.Context(), what, "request_id", reqid.From(r.Context()), "error", err)
	writeError(w, http.StatusInternalServerError, "INTERNAL", "internal error; quote request id "+reqid.From(r.Context()))
}

// writeFieldError is writeError for a refusal about one field of the request, named in extensions.field.
func writeFieldError(w http.ResponseWriter, status int, code string, field []string, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"errors": []any{map[string]any{"message": msg, "extensions": map[string]any{"code": code, "field": field}}},
	})
}

var validRequestID = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

type httpMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newHTTPMetrics(reg prometheus.Registerer) *httpMetrics {
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "http_requests_total", Help: "HTTP requests by route and status."}, []string{"route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 14)}, []string{"route"}),
	}
	reg.MustRegister(m.requests, m.duration)
	return m
}

// route keeps the metrics' label set small: known endpoints by name, everything else as the portal.
func route(path string) string {
	switch path {
	case "/graphql", "/graphiql", "/healthz", "/readyz", "/metrics":
		return path
	}
	if strings.HasPrefix(path, "/evidence/") {
		return "/evidence"
	}
	return "/"
}

type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (s *statusWriter) WriteHeader(code int) { s.status = code; s.ResponseWriter.WriteHeader(code) }
func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(b)
	s.bytes += n
	return n, err
}

// requestLog gives each request an id (the caller's X-Request-Id if sane), logs it as one JSON line and
// counts it.
func requestLog(log *slog.Logger, m *httpMetrics, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if !validRequestID.MatchString(id) {
			id = uuid.NewString()
		}
		w.Header().Set("X-Request-Id", id)
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r.WithContext(reqid.With(r.Context(), id)))
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		elapsed := time.Since(start)
		rt := route(r.URL.Path)
		m.requests.WithLabelValues(rt, strconv.Itoa(sw.status)).Inc()
		m.duration.WithLabelValues(rt).Observe(elapsed.Seconds())
		log.Info("request", "request_id", id, "method", r.Method, "path", r.URL.Path, "status", sw.status,
			"bytes", sw.bytes, "duration_ms", float64(elapsed.Microseconds())/1000)
	})
}
