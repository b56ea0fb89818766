package main

import (
	"encoding/csv"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"

	"tradeguard/internal/replica"
	"tradeguard/internal/reqid"
	"tradeguard/scoring"
	"tradeguard/tenants"
)

// scoreboardCSV streams the scoreboard (the rows of the scoreboard query, every page) as CSV, UTF-8 with a
// byte order mark so spreadsheet programs read Chinese store names right. ADMIN bearer tokens only. Query
// parameters: asOf (RFC 3339 or YYYY-MM-DD), level (repeatable), failingMetric, search, orderBy, direction.
// It must sit behind authenticate.
func scoreboardCSV(db *sqlx.DB, replicas *replica.Router, now func() time.Time) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := tenants.PrincipalFrom(r.Context())
		switch {
		case p.Is(tenants.RoleAnonymous):
			w.Header().Set("WWW-Authenticate", "Bearer")
			writeError(w, http.StatusUnauthorized, "UNAUTHENTICATED", "sign in as an admin to export the scoreboard")
			return
		case !p.Is(tenants.RoleAdmin):
			writeError(w, http.StatusForbidden, "FORBIDDEN", "the scoreboard is for platform admins")
			return
		}
		q := r.URL.Query()
		asOf, field, err := exportAsOf(q, now())
		if err != nil {
			writeFieldError(w, http.StatusBadRequest, "BAD_USER_INPUT", []string{field}, err.Error())
			return
		}
		f := scoring.BoardFilter{Levels: q["level"], FailingMetric: q.Get("failingMetric"), Search: q.Get("search")}
		o := scoring.BoardOrder{Field: q.Get("orderBy"), Desc: q.Get("direction") != "ASC"}
		s := tenants.NewSession(db, p, true)
		s.UseReplicas(replicas, replica.AllowedFrom(r.Context()))
		defer func() { _ = s.Rollback() }()
		var cw *csv.Writer
		n := 0
		err = scoring.EachScoreboardRow(r.Context(), s, asOf, f, o, func(row scoring.BoardRow) error {
			if cw == nil { // headers only once the query is known to run: a bad filter still gets its 400
				h := w.Header()
				h.Set("Content-Type", "text/csv; charset=utf-8")
				h.Set("Content-Disposition", `attachment; filename="scoreboard-`+asOf.Format(time.DateOnly)+`.csv"`)
				h.Set("Cache-Control", "private, no-store")
				_, _ = w.Write([]byte("\ufeff"))
				cw = csv.NewWriter(w)
				_ = cw.Write(csvHeader())
			}
			if n++; n%200 == 0 {
				cw.Flush()
			}
			return cw.Write(csvRow(row))
		})
		if cw == nil && err == nil { // no store at all: still a file with its header
			w.Header().Set("Content-Type", "text/csv; charset=utf-8")
			_, _ = w.Write([]byte("\ufeff"))
			cw = csv.NewWriter(w)
			_ = cw.Write(csvHeader())
		}
		var rules tenants.RuleErrors
		switch {
		case err == nil:
			cw.Flush()
		case cw == nil && errors.As(err, &rules) && len(rules) > 0:
			writeFieldError(w, http.StatusBadRequest, rules[0].Code, rules[0].Field[len(rules[0].Field)-1:], rules[0].Message)
		case cw == nil:
			internalError(w, r, "scoreboard export", err)
		default: // mid-stream: the status is sent; cut the file so it cannot pass for complete
			slog.ErrorContext(r.Context(), "scoreboard export cut", "request_id", reqid.From(r.Context()), "error", err)
			panic(http.ErrAbortHandler)
		}
	})
}

// exportAsOf reads the asOf parameter like the score command's -as-of.
func exportAsOf(q url.Values, now time.Time) (time.Time, string, error) {
	t, err := parseAsOf(q.Get("asOf"), now)
	if err != nil {
		return t, "asOf", err
	}
	return t, "", nil
}

func csvHeader() []string {
	h := []string{"store_slug", "store_name", "day", "score", "level", "policy_version", "orders_30d"}
	for _, m := range scoring.Metrics {
		h = append(h, m, m+"_status")
	}
	return h
}

func csvRow(r scoring.BoardRow) []string {
	row := []string{r.Store.Slug, r.Store.Name, "", "", scoring.Unrated, "", ""}
	if r.Score == nil {
		for range scoring.Metrics {
			row = append(row, "", "")
		}
		return row
	}
	sc := r.Score
	row[2], row[3], row[4] = sc.Day.Format(time.DateOnly), strconv.FormatFloat(sc.Score, 'f', 1, 64), sc.Level
	row[5], row[6] = strconv.Itoa(sc.PolicyVersion), strconv.Itoa(sc.Orders30d)
	for _, m := range scoring.Metrics {
		v := sc.Metrics[m]
		row = append(row, strconv.FormatFloat(v.Value, 'f', -1, 64), v.Status)
	}
	return row
}
