package main

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"tradeguard/exports"
	"tradeguard/internal/gid"
	"tradeguard/internal/reqid"
	"tradeguard/tenants"
)

// Downloads of bulk exports run long (a million orders is hundreds of megabytes), so they stay out of the
// API's admission slots and deadline; instead at most maxDownloads run at once (others get 503 and
// Retry-After), each chunk is read in its own short transaction, and each chunk must reach a client within
// chunkWriteTime (a stalled client is cut off, holding nothing).
const (
	maxDownloads   = 8
	chunkWriteTime = time.Minute
)

// bulkExportHandler serves GET /exports/bulk/{id}: a finished export's file to a principal who may read the
// export (its store's staff; a partner token with the kind's read scope). Missing, foreign and not visible
// answer the same 404; one not finished yet answers 409 with its status. It must sit behind authenticate.
func bulkExportHandler(db *sqlx.DB) http.Handler {
	slots := make(chan struct{}, maxDownloads)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := tenants.PrincipalFrom(r.Context())
		if p.Is(tenants.RoleAnonymous) {
			w.Header().Set("WWW-Authenticate", "Bearer")
			writeError(w, http.StatusUnauthorized, "UNAUTHENTICATED", "sign in (or send the store's API token) to download an export")
			return
		}
		ids, ok := gid.Decode(strings.TrimPrefix(r.URL.Path, "/exports/bulk/"), exports.Kind, 2)
		if !ok {
			writeError(w, http.StatusNotFound, "NOT_FOUND", "no such export")
			return
		}
		select {
		case slots <- struct{}{}:
			defer func() { <-slots }()
		default:
			w.Header().Set("Retry-After", "10")
			writeError(w, http.StatusServiceUnavailable, "BUSY", "too many exports are being downloaded; retry after 10 s")
			return
		}
		var e exports.Export
		err := inSession(r, db, p, func(s *tenants.Session) (err error) {
			e, err = exports.Get(r.Context(), s, ids[0], ids[1])
			return err
		})
		switch {
		case errors.Is(err, tenants.ErrNotFound):
			writeError(w, http.StatusNotFound, "NOT_FOUND", "no such export")
			return
		case err != nil:
			internalError(w, r, "bulk export download", err)
			return
		case e.Status != "SUCCEEDED":
			writeError(w, http.StatusConflict, "EXPORT_NOT_READY", "the export is "+e.Status+", not SUCCEEDED: "+notReady(e.Status))
			return
		}
		h := w.Header()
		ext, ctype := ".jsonl", "application/x-ndjson"
		if e.Format == exports.CSV {
			ext, ctype = ".csv", "text/csv; charset=utf-8"
		}
		h.Set("Content-Type", ctype)
		h.Set("Content-Length", strconv.FormatInt(e.Bytes, 10))
		h.Set("Content-Disposition", `attachment; filename="`+strings.ToLower(e.Kind)+"-"+e.CreatedAt.UTC().Format("20060102-150405")+ext+`"`)
		h.Set("Cache-Control", "private, no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		if r.Method == http.MethodHead {
			return
		}
		rc := http.NewResponseController(w)
		sent := false
		for seq := range e.Chunks {
			var data []byte
			err := inSession(r, db, p, func(s *tenants.Session) (err error) {
				data, err = exports.Chunk(r.Context(), s, e, seq)
				return err
			})
			if err == nil {
				_ = rc.SetWriteDeadline(time.Now().Add(chunkWriteTime))
				_, err = w.Write(data)
			}
			if err != nil && !sent {
				internalError(w, r, "bulk export download", err)
				return
			}
			if err != nil { // mid-file: cut it so it cannot pass for complete (Content-Length says so too)
				slog.ErrorContext(r.Context(), "bulk export download cut", "request_id", reqid.From(r.Context()), "error", err)
				panic(http.ErrAbortHandler)
			}
			sent = true
		}
	})
}

func notReady(status string) string {
	switch status {
	case "QUEUED", "RUNNING":
		return "wait for bulk_export.finished (or poll bulkExport) and download then"
	case "EXPIRED":
		return "finished exports are kept for 7 days; ask for a new one"
	}
	return "ask for a new export"
}

// inSession runs fn in a short read-only session of p's.
func inSession(r *http.Request, db *sqlx.DB, p tenants.Principal, fn func(*tenants.Session) error) error {
	s := tenants.NewSession(db, p, true)
	defer func() { _ = s.Rollback() }()
	return fn(s)
}
