package main

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/rs/cors"

	"tradeguard/internal/replica"
)

// Content-Security-Policy of every response. Nothing may come from another host: scripts, styles, fonts,
// images and API calls are the server's own. data: images and fonts are what GraphiQL's stylesheet embeds;
// frame-ancestors 'none' (and X-Frame-Options for older browsers) keeps every page out of other sites'
// frames. API responses are JSON that no browser renders as a page, so the one policy fits them too.
const contentSecurityPolicy = "default-src 'self'; img-src 'self' data:; font-src 'self' data:; " +
	"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// securityHeaders sets the headers every response carries, API, pages, health and errors alike. Pages
// (servePage) widen the policy with a style nonce.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		next.ServeHTTP(w, r)
	})
}

func newNonce() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return base64.RawURLEncoding.EncodeToString(b)
}

// withCORS lets the configured origins (-cors-origins) call the API from their pages, and no other origin.
// rs/cors would take an empty list as "every origin": here it means none. Tokens travel in the
// Authorization header, never in cookies, so credentials stay off.
func withCORS(origins []string, next http.Handler) http.Handler {
	allowed := map[string]bool{}
	for _, o := range origins {
		allowed[o] = true
	}
	return cors.New(cors.Options{
		AllowOriginFunc: func(origin string) bool { return allowed[strings.ToLower(origin)] },
		AllowedMethods:  []string{http.MethodGet, http.MethodPost},
		// GraphQL-Require-Preflight (or Apollo's name for it) must come with every file upload (limitBody).
		AllowedHeaders: []string{"Authorization", "Content-Type", "GraphQL-Require-Preflight", "Apollo-Require-Preflight", "X-Request-Id", replica.Header},
		ExposedHeaders: []string{"X-Request-Id", "Retry-After", "WWW-Authenticate"},
		MaxAge:         600,
	}).Handler(next)
}

// parseOrigins reads -cors-origins: comma-separated origins, each scheme://host[:port] exactly as a
// browser sends it in Origin (no path, no wildcard).
func parseOrigins(s string) ([]string, error) {
	var out []string
	for _, o := range strings.Split(s, ",") {
		o = strings.TrimSpace(o)
		if o == "" {
			continue
		}
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.Contains(o, "*") ||
			u.Scheme+"://"+u.Host != o {
			return nil, fmt.Errorf("-cors-origins: %q is not an origin: write scheme://host[:port], e.g. https://erp.example.com, with no path or wildcard", o)
		}
		out = append(out, strings.ToLower(o))
	}
	return out, nil
}

// The portal's index.html carries this tag; in development mode the server turns it on, and the page links
// to GraphiQL.
var (
	graphiqlMetaOff = []byte(`<meta name="tradeguard-graphiql" content="off">`)
	graphiqlMetaOn  = []byte(`<meta name="tradeguard-graphiql" content="on">`)
)

// portal serves the built portal: its files, and index.html for client-side routes (paths without a file
// extension, outside /assets/) so they survive a reload. A missing file is a 404, never index.html: a
// browser asking for /favicon.ico or a stale /assets/x.js must not get a page back. Built is false when
// the server was compiled before the frontend was built: its pages then say how to build it.
func portal(build fs.FS, built, dev bool) (http.Handler, error) {
	if !built {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if isFile(r.URL.Path) {
				http.NotFound(w, r)
				return
			}
			notBuilt(w, "The portal")
		}), nil
	}
	index, err := fs.ReadFile(build, "index.html")
	if err != nil {
		return nil, err
	}
	if !bytes.Contains(index, styleNoncePlaceholder) {
		return nil, fmt.Errorf("index.html has no %s", styleNoncePlaceholder)
	}
	if dev {
		index = bytes.Replace(index, graphiqlMetaOff, graphiqlMetaOn, 1)
	}
	zipped := &gzipCache{}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(path.Clean(r.URL.Path), "/")
		switch {
		case !isFile(r.URL.Path) || name == "index.html":
			servePage(w, r, index)
		case strings.HasPrefix(name, "graphiql/"):
			http.NotFound(w, r) // GraphiQL's page is served at /graphiql, in development mode only
		case strings.HasPrefix(name, ".") || strings.Contains(name, "/."):
			http.NotFound(w, r) // the build's own records (.vite/manifest.json) are not the site's
		default:
			serveFile(w, r, build, name, zipped)
		}
	}), nil
}

// graphiql serves GraphiQL's page (development mode); its scripts and styles are the portal's /assets/.
func graphiql(build fs.FS, built bool) (http.Handler, error) {
	if !built {
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { notBuilt(w, "GraphiQL") }), nil
	}
	page, err := fs.ReadFile(build, "graphiql/index.html")
	if err != nil {
		return nil, err
	}
	if !bytes.Contains(page, styleNoncePlaceholder) {
		return nil, fmt.Errorf("graphiql/index.html has no %s", styleNoncePlaceholder)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { servePage(w, r, page) }), nil
}

// styleNoncePlaceholder is in both pages (frontend/index.html, frontend/graphiql/index.html):
// <meta property="csp-nonce" nonce="…">.
var styleNoncePlaceholder = []byte("TRADEGUARD_STYLE_NONCE")

// isFile: the path names a file (its last segment has an extension, or it is under /assets/) rather than a
// client-side route.
func isFile(p string) bool {
	return path.Ext(path.Base(p)) != "" || strings.HasPrefix(p, "/assets/")
}

// servePage serves a page with a fresh style nonce in its policy and in its csp-nonce tag: the portal's
// components (Ant Design's CSS-in-JS) and GraphiQL's dialogs add <style> elements at run time, and a nonce
// per response lets those through where 'unsafe-inline' would let any through.
func servePage(w http.ResponseWriter, r *http.Request, page []byte) {
	nonce := newNonce()
	w.Header().Set("Content-Security-Policy", contentSecurityPolicy+"; style-src 'self' 'nonce-"+nonce+"'")
	page = bytes.Replace(page, styleNoncePlaceholder, []byte(nonce), 1)
	w.Header().Set("Cache-Control", "no-cache") // it names the current build's assets
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	http.ServeContent(w, r, "index.html", time.Time{}, bytes.NewReader(page))
}

// serveFile serves one file of the build; compressible ones gzipped (once, kept in zipped) to clients
// that accept it.
func serveFile(w http.ResponseWriter, r *http.Request, build fs.FS, name string, zipped *gzipCache) {
	f, err := build.Open(name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	rs, seekable := f.(io.ReadSeeker)
	if err != nil || st.IsDir() || !seekable {
		http.NotFound(w, r)
		return
	}
	if strings.HasPrefix(name, "assets/") {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable") // names carry a content hash
	}
	if path.Ext(name) == ".ico" {
		w.Header().Set("Content-Type", "image/x-icon") // Go's own table has no .ico; /etc/mime.types may not either
	}
	if isCompressible(name) {
		w.Header().Set("Vary", "Accept-Encoding")
		if acceptsGzip(r) {
			if gz, err := zipped.get(name, rs); err == nil {
				// ServeContent would sniff the type from the gzipped bytes: name it from the file's name.
				if w.Header().Get("Content-Type") == "" {
					w.Header().Set("Content-Type", mime.TypeByExtension(path.Ext(name)))
				}
				w.Header().Set("Content-Encoding", "gzip")
				http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(gz))
				return
			}
			if _, err := rs.Seek(0, io.SeekStart); err != nil {
				http.Error(w, "unreadable file", http.StatusInternalServerError)
				return
			}
		}
	}
	http.ServeContent(w, r, name, time.Time{}, rs)
}

func notBuilt(w http.ResponseWriter, what string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusServiceUnavailable)
	fmt.Fprintf(w, `<!doctype html><html lang="en"><meta charset="utf-8"><title>tradeguard: not built</title>
<h1>%s is not built</h1>
<p>This server was compiled before the frontend was built. <code>make run</code> builds both; by hand:
<code>cd frontend &amp;&amp; npm ci &amp;&amp; npm run build</code>, then build the server again
(<code>go build -o bin/tradeguard ./server</code>). The GraphQL API at <code>/graphql</code> works without it.</p>
</html>
`, what)
}
