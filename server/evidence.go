package main

import (
	"bytes"
	"errors"
	"net/http"
	"strings"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"tradeguard/aftersales"
	"tradeguard/tenants"
)

// evidencePrefix is where evidence is downloaded: GET /evidence/{store}/{id}.
const evidencePrefix = "/evidence/"

// evidenceHandler serves a case's evidence file to the authenticated caller (the case's buyer, the store's
// staff, admins), through a read-only session scoped to the caller, so row-level security decides what is
// visible. Anonymous: 401. Malformed, missing and not visible answer the same 404. The file is always a
// download the browser neither sniffs nor renders (attachment, nosniff, a sandboxing CSP), and never cached.
// It must sit behind authenticate.
func evidenceHandler(db *sqlx.DB) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			writeError(w, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "evidence is downloaded with GET")
			return
		}
		p := tenants.PrincipalFrom(r.Context())
		if p.Is(tenants.RoleAnonymous) {
			w.Header().Set("WWW-Authenticate", "Bearer")
			writeError(w, http.StatusUnauthorized, "UNAUTHENTICATED", "sign in to download evidence")
			return
		}
		store, id, ok := evidencePath(r.URL.Path)
		if !ok {
			evidenceNotFound(w)
			return
		}
		s := tenants.NewSession(db, p, true)
		defer func() { _ = s.Rollback() }()
		e, data, err := aftersales.EvidenceContent(r.Context(), s, store, id)
		switch {
		case errors.Is(err, tenants.ErrNotFound):
			evidenceNotFound(w)
			return
		case errors.Is(err, tenants.ErrForbidden):
			writeError(w, http.StatusForbidden, "FORBIDDEN", "this token may not read cases (it needs cases:read)")
			return
		case err != nil:
			internalError(w, r, "evidence download", err)
			return
		}
		h := w.Header()
		h.Set("Content-Type", e.ContentType)
		h.Set("Content-Disposition", contentDisposition(e.Filename))
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
		h.Set("Cache-Control", "private, no-store")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		h.Set("ETag", `"`+e.SHA256+`"`)
		// ServeContent answers HEAD, Range and If-None-Match (the ETag) from the bytes.
		http.ServeContent(w, r, "", e.CreatedAt, bytes.NewReader(data))
	})
}

// evidencePath parses /evidence/{store}/{id}.
func evidencePath(path string) (store, id uuid.UUID, ok bool) {
	rest, found := strings.CutPrefix(path, evidencePrefix)
	if !found {
		return store, id, false
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 2 {
		return store, id, false
	}
	var err1, err2 error
	store, err1 = uuid.Parse(parts[0])
	id, err2 = uuid.Parse(parts[1])
	return store, id, err1 == nil && err2 == nil
}

func evidenceNotFound(w http.ResponseWriter) {
	writeError(w, http.StatusNotFound, "NOT_FOUND", "no such evidence")
}

// contentDisposition names the download: an ASCII name in quotes (anything else becomes "_"), plus the exact
// UTF-8 name (RFC 6266 filename*) when they differ.
func contentDisposition(name string) string {
	var ascii strings.Builder
	for _, r := range name {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' || r == '%' || r == ';' {
			ascii.WriteByte('_')
			continue
		}
		ascii.WriteRune(r)
	}
	out := `attachment; filename="` + ascii.String() + `"`
	if ascii.String() != name {
		out += "; filename*=UTF-8''" + rfc5987(name)
	}
	return out
}

// rfc5987 percent-encodes every byte but RFC 5987's attr-char.
func rfc5987(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$&+-.^_`|~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}
