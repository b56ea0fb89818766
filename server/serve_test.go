package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/prometheus/client_golang/prometheus"

	"tradeguard/frontend"
	"tradeguard/payments"
)

// Serving over real HTTP: security headers on every kind of response, CORS, the portal's files and routes,
// GraphiQL in development mode, and GraphQL over HTTP (statuses and media types). The shared harness runs in
// production mode with no CORS origins; srvApp starts another server on the same database with other options.

// srvApp starts a server like the harness's with opts changed by mod, and returns its URL.
func srvApp(t *testing.T, h *harness, mod func(*appOptions)) string {
	t.Helper()
	o := appOptions{DB: h.App, Key: h.Key, Now: h.Clock.Now, Logger: slog.New(slog.NewJSONHandler(io.Discard, nil)),
		Ready: h.App.PingContext, Payments: payments.Recorder{}, Registry: prometheus.NewRegistry()}
	mod(&o)
	handler, err := newApp(o)
	if err != nil {
		t.Fatalf("newApp: %v", err)
	}
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	return srv.URL
}

// srvRequireBuild fails the test when the server was compiled without the frontend build.
func srvRequireBuild(t *testing.T) {
	t.Helper()
	if _, built := frontend.Build(); !built {
		t.Fatal("the portal is not built (frontend/dist/app): `make test` builds it, or: cd frontend && npm ci && npm run build")
	}
}

type srvResponse struct {
	Status int
	Header http.Header
	Body   []byte
}

func srvDo(t *testing.T, method, url string, body []byte, headers ...string) srvResponse {
	t.Helper()
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Add(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return srvResponse{Status: res.StatusCode, Header: res.Header, Body: raw}
}

func srvGet(t *testing.T, url string, headers ...string) srvResponse {
	t.Helper()
	return srvDo(t, http.MethodGet, url, nil, headers...)
}

// srvGraphQL is a POST of one GraphQL request with Content-Type application/json.
func srvGraphQL(t *testing.T, url, accept, query string, vars map[string]any, operationName string) srvResponse {
	t.Helper()
	req := map[string]any{"query": query, "variables": vars}
	if operationName != "" {
		req["operationName"] = operationName
	}
	body, _ := json.Marshal(req)
	headers := []string{"Content-Type", "application/json"}
	if accept != "" {
		headers = append(headers, "Accept", accept)
	}
	return srvDo(t, http.MethodPost, url+"/graphql", body, headers...)
}

func srvWantSecurityHeaders(t *testing.T, what string, r srvResponse) {
	t.Helper()
	csp := r.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'self'", "frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("%s (HTTP %d): Content-Security-Policy %q lacks %s", what, r.Status, csp, want)
		}
	}
	// No other host anywhere in the policy: no scheme-qualified source, no wildcard, no unsafe-*.
	if strings.Contains(csp, "://") || strings.Contains(csp, "*") || strings.Contains(csp, "unsafe") ||
		strings.Contains(csp, "http:") || strings.Contains(csp, "https:") {
		t.Errorf("%s: Content-Security-Policy %q allows more than the server itself", what, csp)
	}
	for name, want := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"} {
		if got := r.Header.Get(name); got != want {
			t.Errorf("%s (HTTP %d): %s = %q, want %q", what, r.Status, name, got, want)
		}
	}
}

func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	srvRequireBuild(t)
	h := setup(t)
	dev := srvApp(t, h, func(o *appOptions) { o.Dev = true; o.CORSOrigins = []string{"https://erp.example.com"} })
	notBuilt := srvApp(t, h, func(o *appOptions) { o.Frontend = fstest.MapFS{} })
	q := url.QueryEscape("{ __typename }")
	cases := []struct {
		name, method, url string
		body              []byte
		headers           []string
		status            int
	}{
		{"API", "POST", h.URL + "/graphql", []byte(`{"query":"{ __typename }"}`), []string{"Content-Type", "application/json"}, 200},
		{"API over GET", "GET", h.URL + "/graphql?query=" + q, nil, nil, 200},
		{"API request error", "POST", h.URL + "/graphql", []byte(`{"query":"{"}`), []string{"Content-Type", "application/json", "Accept", "application/graphql-response+json"}, 400},
		{"malformed body", "POST", h.URL + "/graphql", []byte(`nope`), []string{"Content-Type", "application/json"}, 400},
		{"bad token", "POST", h.URL + "/graphql", []byte(`{"query":"{ __typename }"}`), []string{"Content-Type", "application/json", "Authorization", "Bearer nope"}, 401},
		{"body too large", "POST", h.URL + "/graphql", bytes.Repeat([]byte(" "), maxBodyBytes+1), []string{"Content-Type", "application/json"}, 413},
		{"unsupported media type", "POST", h.URL + "/graphql", []byte(`{"query":"{ __typename }"}`), []string{"Content-Type", "text/plain"}, 415},
		{"method not allowed", "PUT", h.URL + "/graphql", nil, nil, 405},
		{"portal", "GET", h.URL + "/", nil, nil, 200},
		{"client-side route", "GET", h.URL + "/orders/123", nil, nil, 200},
		{"favicon", "GET", h.URL + "/favicon.ico", nil, nil, 200},
		{"missing file", "GET", h.URL + "/assets/missing.js", nil, nil, 404},
		{"GraphiQL outside development", "GET", h.URL + "/graphiql", nil, nil, 404},
		{"evidence, anonymous", "GET", h.URL + "/evidence/x/y", nil, nil, 401},
		{"healthz", "GET", h.URL + "/healthz", nil, nil, 200},
		{"readyz", "GET", h.URL + "/readyz", nil, nil, 200},
		{"metrics", "GET", h.URL + "/metrics", nil, nil, 200},
		{"GraphiQL", "GET", dev + "/graphiql", nil, nil, 200},
		{"CORS preflight", "OPTIONS", dev + "/graphql", nil, []string{"Origin", "https://erp.example.com", "Access-Control-Request-Method", "POST"}, 204},
		{"portal not built", "GET", notBuilt + "/", nil, nil, 503},
	}
	for _, c := range cases {
		r := srvDo(t, c.method, c.url, c.body, c.headers...)
		if r.Status != c.status {
			t.Errorf("%s: HTTP %d, want %d (%.200s)", c.name, r.Status, c.status, r.Body)
		}
		srvWantSecurityHeaders(t, c.name, r)
	}
}

func TestCORS(t *testing.T) {
	h := setup(t)
	const erp = "https://erp.example.com"
	base := srvApp(t, h, func(o *appOptions) { o.CORSOrigins = []string{erp, "http://localhost:5173"} })
	preflight := func(base, origin, headers string) srvResponse {
		return srvDo(t, http.MethodOptions, base+"/graphql", nil, "Origin", origin,
			"Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", headers)
	}
	// An allowed origin: the preflight allows the method and the headers asked for, and the request itself
	// may be read, with its request id.
	r := preflight(base, erp, "authorization,content-type,graphql-require-preflight")
	if r.Status != http.StatusNoContent || r.Header.Get("Access-Control-Allow-Origin") != erp {
		t.Fatalf("preflight of %s: HTTP %d, Allow-Origin %q", erp, r.Status, r.Header.Get("Access-Control-Allow-Origin"))
	}
	if got := r.Header.Get("Access-Control-Allow-Methods"); got != "POST" {
		t.Errorf("Allow-Methods %q", got)
	}
	if got := r.Header.Get("Access-Control-Allow-Headers"); got != "authorization,content-type,graphql-require-preflight" {
		t.Errorf("Allow-Headers %q", got)
	}
	if r.Header.Get("Access-Control-Allow-Credentials") != "" || r.Header.Get("Access-Control-Max-Age") != "600" {
		t.Errorf("credentials %q, max-age %q", r.Header.Get("Access-Control-Allow-Credentials"), r.Header.Get("Access-Control-Max-Age"))
	}
	body := []byte(`{"query":"{ __typename }"}`)
	r = srvDo(t, http.MethodPost, base+"/graphql", body, "Content-Type", "application/json", "Origin", erp)
	if r.Status != 200 || r.Header.Get("Access-Control-Allow-Origin") != erp || !strings.Contains(r.Header.Get("Access-Control-Expose-Headers"), "X-Request-Id") {
		t.Errorf("request from %s: HTTP %d, headers %v", erp, r.Status, r.Header)
	}
	if !strings.Contains(strings.Join(r.Header.Values("Vary"), ","), "Origin") {
		t.Errorf("Vary %q lacks Origin: a cache would hand one origin's answer to another", r.Header.Values("Vary"))
	}
	if r := preflight(base, "http://localhost:5173", "content-type"); r.Header.Get("Access-Control-Allow-Origin") != "http://localhost:5173" {
		t.Errorf("second origin refused: %v", r.Header)
	}

	// Refused: an origin not listed (a look-alike too), a header not allowed, and every origin when none is
	// configured (the harness).
	for _, c := range []struct{ base, origin, headers string }{
		{base, "https://evil.example.com", "content-type"},
		{base, "https://erp.example.com.evil.example", "content-type"},
		{base, "http://erp.example.com", "content-type"},
		{base, erp, "content-type,x-evil"},
		{h.URL, erp, "content-type"},
	} {
		r := preflight(c.base, c.origin, c.headers)
		if got := r.Header.Get("Access-Control-Allow-Origin"); got != "" {
			t.Errorf("preflight from %s asking %s: Allow-Origin %q", c.origin, c.headers, got)
		}
		if c.headers == "content-type" {
			r = srvDo(t, http.MethodPost, c.base+"/graphql", body, "Content-Type", "application/json", "Origin", c.origin)
			if got := r.Header.Get("Access-Control-Allow-Origin"); got != "" {
				t.Errorf("request from %s: Allow-Origin %q", c.origin, got)
			}
		}
	}
}

func TestCORSOriginsConfig(t *testing.T) {
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == "TRADEGUARD_CORS_ORIGINS" {
				return v
			}
			return ""
		}
	}
	c, err := loadConfig(nil, env(""))
	if err != nil || len(c.CORSOrigins) != 0 {
		t.Fatalf("default: %v %v, want no origins", c.CORSOrigins, err)
	}
	c, err = loadConfig(nil, env(" https://ERP.example.com , http://localhost:5173,"))
	if err != nil || strings.Join(c.CORSOrigins, " ") != "https://erp.example.com http://localhost:5173" {
		t.Fatalf("from the environment: %v %v", c.CORSOrigins, err)
	}
	c, err = loadConfig([]string{"-cors-origins", "https://a.example:8443"}, env("https://b.example"))
	if err != nil || strings.Join(c.CORSOrigins, " ") != "https://a.example:8443" {
		t.Fatalf("the flag wins: %v %v", c.CORSOrigins, err)
	}
	for _, bad := range []string{"*", "https://*.example.com", "erp.example.com", "https://erp.example.com/", "https://erp.example.com/app",
		"ftp://erp.example.com", "https://user@erp.example.com", "https://erp.example.com?x", "null"} {
		if _, err := loadConfig([]string{"-cors-origins", bad}, env("")); err == nil || !strings.Contains(err.Error(), "not an origin") {
			t.Errorf("-cors-origins %q: %v, want refused", bad, err)
		}
	}
}

// srvAssets are the /assets/ URLs a page's HTML loads (scripts, preloads, stylesheets); it fails on any
// script or stylesheet that is not the server's own.
func srvAssets(t *testing.T, page []byte) []string {
	t.Helper()
	var out []string
	for _, m := range regexp.MustCompile(`<(script|link)\b[^>]*\b(src|href)="([^"]*)"`).FindAllSubmatch(page, -1) {
		u := string(m[3])
		if !strings.HasPrefix(u, "/") || strings.HasPrefix(u, "//") {
			t.Errorf("the page loads %s from outside the server: %s", m[1], m[0])
			continue
		}
		out = append(out, u)
	}
	if bytes.Contains(page, []byte("http://")) || bytes.Contains(page, []byte("https://")) {
		t.Errorf("the page names another host: %s", page)
	}
	return out
}

var (
	srvPolicyNonce = regexp.MustCompile(`style-src 'self' 'nonce-([A-Za-z0-9_-]{22})'`)
	srvMetaNonce   = regexp.MustCompile(`<meta property="csp-nonce" nonce="([^"]*)">`)
)

// srvNonce: the style nonce of a page's policy and the one in its csp-nonce tag.
func srvNonce(r srvResponse) (csp, meta string) {
	if m := srvPolicyNonce.FindStringSubmatch(r.Header.Get("Content-Security-Policy")); m != nil {
		csp = m[1]
	}
	if m := srvMetaNonce.FindSubmatch(r.Body); m != nil {
		meta = string(m[1])
	}
	return
}

// srvWantFreshNonce: a page's style nonce is the one in its policy, and another response of it has another.
func srvWantFreshNonce(t *testing.T, page, again srvResponse) {
	t.Helper()
	csp, meta := srvNonce(page)
	if csp == "" || csp != meta {
		t.Errorf("style nonce: policy %q, page %q", page.Header.Get("Content-Security-Policy"), meta)
	}
	if next, _ := srvNonce(again); next == csp {
		t.Errorf("the nonce %q was served twice", csp)
	}
}

// srvWithoutNonce: the page with its nonce blanked, to compare two responses of it.
func srvWithoutNonce(body []byte) []byte {
	return srvMetaNonce.ReplaceAll(body, []byte(`<meta property="csp-nonce" nonce="">`))
}

func TestPortalFiles(t *testing.T) {
	srvRequireBuild(t)
	h := setup(t)
	index := srvGet(t, h.URL+"/")
	if index.Status != 200 || !strings.HasPrefix(index.Header.Get("Content-Type"), "text/html") || !bytes.Contains(index.Body, []byte(`<div id="root">`)) {
		t.Fatalf("GET /: HTTP %d %s %.300s", index.Status, index.Header.Get("Content-Type"), index.Body)
	}
	if !bytes.Contains(index.Body, graphiqlMetaOff) || index.Header.Get("Cache-Control") != "no-cache" {
		t.Errorf("production portal page: GraphiQL tag or Cache-Control %q wrong: %s", index.Header.Get("Cache-Control"), index.Body)
	}
	// Ant Design's styles are let in by a nonce of this response alone.
	srvWantFreshNonce(t, index, srvGet(t, h.URL+"/"))
	// Client-side routes reload to the same page; files that do not exist are 404s, never the page.
	for _, p := range []string{"/orders/123", "/some/client/route", "/cases/Q2FzZTox/timeline", "/index.html"} {
		r := srvGet(t, h.URL+p)
		if r.Status != 200 || !bytes.Equal(srvWithoutNonce(r.Body), srvWithoutNonce(index.Body)) {
			t.Errorf("GET %s: HTTP %d, not the portal's page", p, r.Status)
		}
	}
	for _, p := range []string{"/assets/missing.js", "/assets/missing", "/assets/", "/favicon.png", "/robots.txt", "/orders/123.json",
		"/graphiql/index.html", "/graphiql/", "/graphiql", "/README.md", "/../README.md", "/.vite/manifest.json"} {
		r := srvGet(t, h.URL+p)
		if r.Status != 404 || bytes.Contains(r.Body, []byte("<div id=\"root\">")) {
			t.Errorf("GET %s: HTTP %d %.100s, want 404", p, r.Status, r.Body)
		}
	}
	// The page's own scripts and styles are served from the binary, cached for good (their names carry a hash).
	assets := srvAssets(t, index.Body)
	if len(assets) < 3 {
		t.Fatalf("the page loads %v", assets)
	}
	for _, a := range assets {
		if strings.HasPrefix(a, "/favicon") {
			continue
		}
		r := srvGet(t, h.URL+a)
		ct := r.Header.Get("Content-Type")
		if r.Status != 200 || len(r.Body) == 0 || !(strings.Contains(ct, "javascript") || strings.HasPrefix(ct, "text/css")) {
			t.Errorf("GET %s: HTTP %d, %s, %d bytes", a, r.Status, ct, len(r.Body))
		}
		if !strings.Contains(r.Header.Get("Cache-Control"), "immutable") {
			t.Errorf("GET %s: Cache-Control %q", a, r.Header.Get("Cache-Control"))
		}
	}
	// The icon, in both forms, with image types.
	ico := srvGet(t, h.URL+"/favicon.ico")
	if ico.Status != 200 || ico.Header.Get("Content-Type") != "image/x-icon" || !bytes.HasPrefix(ico.Body, []byte{0, 0, 1, 0}) {
		t.Errorf("GET /favicon.ico: HTTP %d %s % x", ico.Status, ico.Header.Get("Content-Type"), ico.Body[:min(8, len(ico.Body))])
	}
	svg := srvGet(t, h.URL+"/favicon.svg")
	if svg.Status != 200 || svg.Header.Get("Content-Type") != "image/svg+xml" || !bytes.Contains(svg.Body, []byte("<svg")) {
		t.Errorf("GET /favicon.svg: HTTP %d %s", svg.Status, svg.Header.Get("Content-Type"))
	}
}

func TestPortalNotBuilt(t *testing.T) {
	h := setup(t)
	base := srvApp(t, h, func(o *appOptions) { o.Dev = true; o.Frontend = fstest.MapFS{} })
	for _, p := range []string{"/", "/orders/123", "/graphiql"} {
		r := srvGet(t, base+p)
		if r.Status != http.StatusServiceUnavailable || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") ||
			!bytes.Contains(r.Body, []byte("not built")) || !bytes.Contains(r.Body, []byte("make run")) || !bytes.Contains(r.Body, []byte("npm run build")) {
			t.Errorf("GET %s without a build: HTTP %d %.300s", p, r.Status, r.Body)
		}
	}
	if r := srvGet(t, base+"/favicon.ico"); r.Status != 404 {
		t.Errorf("GET /favicon.ico without a build: HTTP %d", r.Status)
	}
	// The API does not need the portal.
	if r := srvGraphQL(t, base, "", "{ __typename }", nil, ""); r.Status != 200 || !bytes.Contains(r.Body, []byte(`"Query"`)) {
		t.Errorf("the API without a build: HTTP %d %s", r.Status, r.Body)
	}
}

func TestGraphiQLInDevelopmentMode(t *testing.T) {
	srvRequireBuild(t)
	h := setup(t)
	dev := srvApp(t, h, func(o *appOptions) { o.Dev = true })
	page := srvGet(t, dev+"/graphiql")
	if page.Status != 200 || !strings.HasPrefix(page.Header.Get("Content-Type"), "text/html") || !bytes.Contains(page.Body, []byte(`<div id="graphiql">`)) {
		t.Fatalf("GET /graphiql: HTTP %d %.300s", page.Status, page.Body)
	}
	srvWantFreshNonce(t, page, srvGet(t, dev+"/graphiql"))
	// Its scripts and styles come from the binary; nothing from a CDN.
	assets := srvAssets(t, page.Body)
	var js int
	for _, a := range assets {
		r := srvGet(t, dev+a)
		if r.Status != 200 || len(r.Body) == 0 {
			t.Errorf("GET %s: HTTP %d", a, r.Status)
		}
		if strings.Contains(r.Header.Get("Content-Type"), "javascript") {
			js++
			if regexp.MustCompile(`import\s*\(?\s*["']https?:`).Match(r.Body) {
				t.Errorf("%s imports a module from another host", a)
			}
		}
	}
	if js == 0 {
		t.Errorf("GraphiQL's page loads no script: %v", assets)
	}
	// In development mode the portal's page says GraphiQL is there.
	if r := srvGet(t, dev+"/"); !bytes.Contains(r.Body, graphiqlMetaOn) {
		t.Errorf("development portal page lacks %s", graphiqlMetaOn)
	}
}

// The status and media-type matrix of the GraphQL-over-HTTP spec, anonymous and in production mode.
func TestGraphQLOverHTTPStatuses(t *testing.T) {
	h := setup(t)
	const (
		legacy  = "application/json"
		gr      = "application/graphql-response+json"
		browser = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
	)
	var tooComplex strings.Builder // refused before anything runs, so anonymous is fine
	tooComplex.WriteString("{")
	for i := range 10 {
		fmt.Fprintf(&tooComplex, " o%d: orders(first: 100) { nodes { items { product { store { name } } } } }", i)
	}
	tooComplex.WriteString(" }")
	cases := []struct {
		name, accept, query, operationName string
		vars                               map[string]any
		status                             int // as application/json; as graphql-response+json in grStatus
		grStatus                           int
		code                               string
		data                               bool // a data entry is present
	}{
		{"success", "", "{ __typename }", "", nil, 200, 200, "", true},
		{"parse error", "", "{", "", nil, 200, 400, "GRAPHQL_PARSE_FAILED", false},
		{"validation error", "", "{ nope }", "", nil, 200, 400, "GRAPHQL_VALIDATION_FAILED", false},
		{"bad variables", "", `query($id: ID!) { node(id: $id) { id } }`, "", map[string]any{"id": nil}, 200, 400, "BAD_USER_INPUT", false},
		{"unknown operation name", "", `query A { __typename } query B { __typename }`, "C", nil, 200, 400, "GRAPHQL_VALIDATION_FAILED", false},
		{"no operation name with two operations", "", `query A { __typename } query B { __typename }`, "", nil, 200, 400, "GRAPHQL_VALIDATION_FAILED", false},
		{"too complex", "", tooComplex.String(), "", nil, 200, 400, "QUERY_TOO_COMPLEX", false},
		{"page too large", "", "{ products(first: 1000) { totalCount } }", "", nil, 200, 400, "BAD_USER_INPUT", false},
		{"introspection refused", "", "{ __schema { types { name } } }", "", nil, 200, 403, "FORBIDDEN", false},
		{"refused while executing", "", "{ stores(first: 1) { totalCount } }", "", nil, 200, 200, "UNAUTHENTICATED", true},
	}
	for _, c := range cases {
		for _, accept := range []string{"", legacy, "*/*", browser, gr, gr + ", " + legacy + ";q=0.9"} {
			r := srvGraphQL(t, h.URL, accept, c.query, c.vars, c.operationName)
			wantMedia, wantStatus := legacy, c.status
			if strings.HasPrefix(accept, gr) {
				wantMedia, wantStatus = gr, c.grStatus
			}
			var body struct {
				Data   json.RawMessage `json:"data"`
				Errors []struct {
					Extensions map[string]any `json:"extensions"`
				} `json:"errors"`
			}
			if err := json.Unmarshal(r.Body, &body); err != nil {
				t.Fatalf("%s (Accept %q): %v in %.200s", c.name, accept, err, r.Body)
			}
			var members map[string]json.RawMessage
			_ = json.Unmarshal(r.Body, &members)
			_, hasData := members["data"]
			code := ""
			if len(body.Errors) > 0 {
				code, _ = body.Errors[0].Extensions["code"].(string)
			}
			if r.Status != wantStatus || r.Header.Get("Content-Type") != wantMedia+"; charset=utf-8" || hasData != c.data || code != c.code {
				t.Errorf("%s (Accept %q): HTTP %d %s, data %v, code %q; want %d %s, data %v, code %q (%.200s)", c.name, accept,
					r.Status, r.Header.Get("Content-Type"), hasData, code, wantStatus, wantMedia, c.data, c.code, r.Body)
			}
		}
	}
}

func TestGraphQLOverHTTPRefusals(t *testing.T) {
	h := setup(t)
	const gr = "application/graphql-response+json"
	q := func(s string) string { return h.URL + "/graphql?query=" + url.QueryEscape(s) }
	mutation := `mutation { login(input: {email: "buyer1@tradeguard.test", password: "demo-password"}) { accessToken } }`
	body := []byte(`{"query":"{ __typename }"}`)
	for _, c := range []struct {
		name   string
		r      srvResponse
		status int
		code   string
		media  string
	}{
		{"a mutation over GET", srvGet(t, q(mutation)), 405, "METHOD_NOT_ALLOWED", "application/json"},
		{"a mutation over GET, graphql-response", srvGet(t, q(mutation), "Accept", gr), 405, "METHOD_NOT_ALLOWED", gr},
		{"Accept: text/html only", srvGet(t, q("{ __typename }"), "Accept", "text/html"), 406, "NOT_ACCEPTABLE", "application/json"},
		{"Accept: JSON in another charset", srvGet(t, q("{ __typename }"), "Accept", "application/json; charset=latin1"), 406, "NOT_ACCEPTABLE", "application/json"},
		{"Accept: JSON refused outright", srvGet(t, q("{ __typename }"), "Accept", "application/json;q=0, application/graphql-response+json;q=0"), 406, "NOT_ACCEPTABLE", "application/json"},
		{"GET without a query", srvGet(t, h.URL+"/graphql"), 400, "BAD_REQUEST", "application/json"},
		{"GET with variables not an object", srvGet(t, q("{ __typename }")+"&variables=5"), 400, "BAD_REQUEST", "application/json"},
		{"POST text/plain", srvDo(t, "POST", h.URL+"/graphql", body, "Content-Type", "text/plain"), 415, "UNSUPPORTED_MEDIA_TYPE", "application/json"},
		{"POST without Content-Type", srvDo(t, "POST", h.URL+"/graphql", body), 415, "UNSUPPORTED_MEDIA_TYPE", "application/json"},
		{"POST form", srvDo(t, "POST", h.URL+"/graphql", []byte("query=%7B__typename%7D"), "Content-Type", "application/x-www-form-urlencoded"), 415, "UNSUPPORTED_MEDIA_TYPE", "application/json"},
		{"POST JSON in latin1", srvDo(t, "POST", h.URL+"/graphql", body, "Content-Type", "application/json; charset=iso-8859-1"), 415, "UNSUPPORTED_MEDIA_TYPE", "application/json"},
		{"POST not JSON, graphql-response", srvDo(t, "POST", h.URL+"/graphql", []byte(`{"query":`), "Content-Type", "application/json", "Accept", gr), 400, "BAD_REQUEST", gr},
		{"POST empty", srvDo(t, "POST", h.URL+"/graphql", nil, "Content-Type", "application/json"), 400, "BAD_REQUEST", "application/json"},
		{"POST without query", srvDo(t, "POST", h.URL+"/graphql", []byte(`{"qeury":"{ __typename }"}`), "Content-Type", "application/json"), 400, "BAD_REQUEST", "application/json"},
		{"POST query null", srvDo(t, "POST", h.URL+"/graphql", []byte(`{"query":null}`), "Content-Type", "application/json"), 400, "BAD_REQUEST", "application/json"},
		{"POST extensions a string", srvDo(t, "POST", h.URL+"/graphql", []byte(`{"query":"{ __typename }","extensions":"x"}`), "Content-Type", "application/json"), 400, "BAD_REQUEST", "application/json"},
	} {
		var r gqlResponse
		if err := json.Unmarshal(c.r.Body, &r); err != nil {
			t.Fatalf("%s: %v in %.200s", c.name, err, c.r.Body)
		}
		if c.r.Status != c.status || r.code() != c.code || c.r.Header.Get("Content-Type") != c.media+"; charset=utf-8" || r.Data != nil || bytes.Contains(c.r.Body, []byte(`"data"`)) {
			t.Errorf("%s: HTTP %d %s code %q; want %d %s %q (%.200s)", c.name, c.r.Status, c.r.Header.Get("Content-Type"), r.code(), c.status, c.media, c.code, c.r.Body)
		}
		if c.status == 405 && c.r.Header.Get("Allow") != "POST" {
			t.Errorf("%s: Allow %q", c.name, c.r.Header.Get("Allow"))
		}
		if bytes.Contains(c.r.Body, []byte("accessToken")) {
			t.Errorf("%s: the mutation ran: %s", c.name, c.r.Body)
		}
	}
	// Null and absent optional parameters are fine; unknown members are ignored.
	for _, b := range []string{`{"query":"{ __typename }","variables":null,"operationName":null,"extensions":null}`,
		`{"query":"{ __typename }","variables":{},"extensions":{"some":"value"},"other":[1]}`} {
		r := srvDo(t, "POST", h.URL+"/graphql", []byte(b), "Content-Type", "application/json")
		if r.Status != 200 || !bytes.Contains(r.Body, []byte(`"Query"`)) {
			t.Errorf("%s: HTTP %d %s", b, r.Status, r.Body)
		}
	}
	// A query over GET, with variables and an operation name.
	r := srvGet(t, q(`query A($n: Int) { products(first: $n) { totalCount } } query B { __typename }`)+"&operationName=A&variables="+url.QueryEscape(`{"n":1}`), "Accept", gr)
	if r.Status != 200 || !bytes.Contains(r.Body, []byte(`"totalCount"`)) || r.Header.Get("Content-Type") != gr+"; charset=utf-8" {
		t.Errorf("GET with variables: HTTP %d %s %s", r.Status, r.Header.Get("Content-Type"), r.Body)
	}
}
