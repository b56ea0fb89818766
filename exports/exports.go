package exports

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"tradeguard/internal/gid"
	"tradeguard/tenants"
)

// Limits of a store's exports.
const (
	// MaxActive exports a store may have queued or running at once: an export reads the whole store, and a
	// partner retrying in a loop must not queue a thousand of them.
	MaxActive = 3
	// Keep is how long a finished export can be downloaded.
	Keep = 7 * 24 * time.Hour
)

// Filter narrows the rows of an export; nil bounds are open.
type Filter struct {
	CreatedFrom  *time.Time `json:"createdFrom,omitempty"`
	CreatedTo    *time.Time `json:"createdTo,omitempty"`
	UpdatedSince *time.Time `json:"updatedSince,omitempty"`
}

// Export is one bulk export and its progress.
type Export struct {
	StoreID     uuid.UUID       `db:"tenant_id"`
	ID          uuid.UUID       `db:"id"`
	Kind        string          `db:"kind"`
	Format      string          `db:"format"`
	FilterJSON  json.RawMessage `db:"filter"`
	Status      string          `db:"status"`
	RowsTotal   *int            `db:"rows_total"`
	RowsDone    int             `db:"rows_done"`
	Bytes       int64           `db:"bytes"`
	Chunks      int             `db:"chunks"`
	Error       *string         `db:"error"`
	RequestedBy *uuid.UUID      `db:"requested_by"`
	TokenID     *uuid.UUID      `db:"requested_by_token"`
	Claim       int             `db:"claim"`
	SnapshotAt  *time.Time      `db:"snapshot_at"`
	CreatedAt   time.Time       `db:"created_at"`
	StartedAt   *time.Time      `db:"started_at"`
	FinishedAt  *time.Time      `db:"finished_at"`
	ExpiresAt   time.Time       `db:"expires_at"`
}

const exportColumns = `tenant_id, id, kind, format, filter, status, rows_total, rows_done, bytes, chunks, error,
	requested_by, requested_by_token, claim, snapshot_at, created_at, started_at, finished_at, expires_at`

// Filter decodes the export's filter.
func (e Export) Filter() Filter {
	var f Filter
	_ = json.Unmarshal(e.FilterJSON, &f)
	return f
}

// Progress is rowsDone / rowsTotal, 0 to 1: 0 before the run counted its rows, 1 once it succeeded or when
// there is nothing to write.
func (e Export) Progress() float64 {
	switch {
	case e.Status == "SUCCEEDED":
		return 1
	case e.RowsTotal == nil:
		return 0
	case *e.RowsTotal == 0:
		return 1
	}
	return min(float64(e.RowsDone)/float64(*e.RowsTotal), 1)
}

// GlobalID is the export's id in the API.
func (e Export) GlobalID() string { return gid.Encode(Kind, e.StoreID, e.ID) }

// DownloadPath is where a finished export's file is served (GET, with the same bearer token).
func (e Export) DownloadPath() *string {
	if e.Status != "SUCCEEDED" {
		return nil
	}
	p := "/exports/bulk/" + e.GlobalID()
	return &p
}

// Input is what bulkExportCreate asks for.
type Input struct {
	Kind   string
	Format string // "" is JSONL
	Filter Filter
}

// validate checks an input against the rules every client gets told about by field.
func (in Input) validate() error {
	var errs tenants.RuleErrors
	k, ok := kinds[in.Kind]
	if !ok {
		errs = append(errs, tenants.Refuse("UNKNOWN_KIND", "kind is one of ORDERS, CASES, RATINGS, VIOLATIONS", "input", "kind"))
	}
	if in.Format != JSONL && in.Format != CSV {
		errs = append(errs, tenants.Refuse("UNKNOWN_FORMAT", "format is JSONL or CSV", "input", "format"))
	}
	f := in.Filter
	if f.CreatedFrom != nil && f.CreatedTo != nil && !f.CreatedFrom.Before(*f.CreatedTo) {
		errs = append(errs, tenants.Refuse("EMPTY_RANGE", "createdTo must be after createdFrom", "input", "filter", "createdTo"))
	}
	if ok && f.UpdatedSince != nil && !k.updatedSince {
		errs = append(errs, tenants.Refuse("NOT_SUPPORTED", "updatedSince filters orders and cases only", "input", "filter", "updatedSince"))
	}
	return errs.Err()
}

// Create queues an export of the caller's store. Merchants only (an export is of one store); a partner
// token needs the kind's read scope (ORDERS_READ, CASES_READ, RATINGS_READ, METRICS_READ for violations).
func Create(ctx context.Context, s *tenants.Session, in Input, now time.Time) (Export, error) {
	p := s.Principal()
	if in.Format == "" {
		in.Format = JSONL
	}
	if !p.Is(tenants.RoleMerchant) {
		return Export{}, tenants.ErrForbidden
	}
	if err := in.validate(); err != nil {
		return Export{}, err
	}
	if !p.Allows(kinds[in.Kind].scope) {
		return Export{}, tenants.ErrForbidden
	}
	filter, err := json.Marshal(in.Filter)
	if err != nil {
		return Export{}, err
	}
	e := Export{StoreID: p.StoreID, ID: uuid.New(), Kind: in.Kind, Format: in.Format, FilterJSON: filter,
		Status: "QUEUED", CreatedAt: now, ExpiresAt: now.Add(Keep)}
	if p.StaffRole == tenants.StaffAPI {
		e.TokenID = &p.TokenID
	} else {
		e.RequestedBy = &p.UserID
	}
	err = s.Do(ctx, func(tx *sqlx.Tx) error {
		// One store's creates queue one at a time, so the limit holds under concurrent requests.
		if _, err := tx.ExecContext(ctx, `select pg_advisory_xact_lock(hashtextextended('bulk_exports:' || $1::text, 0))`, p.StoreID); err != nil {
			return err
		}
		var active int
		if err := tx.GetContext(ctx, &active, `select count(*) from bulk_exports
			where tenant_id = $1 and status in ('QUEUED', 'RUNNING')`, p.StoreID); err != nil {
			return err
		}
		if active >= MaxActive {
			return tenants.Refuse("TOO_MANY_EXPORTS", "a store may have 3 exports queued or running at once; wait for one to finish", "input")
		}
		_, err := tx.NamedExecContext(ctx, `insert into bulk_exports (tenant_id, id, kind, format, filter, status,
			requested_by, requested_by_token, created_at, expires_at)
			values (:tenant_id, :id, :kind, :format, :filter, :status, :requested_by, :requested_by_token, :created_at, :expires_at)`, e)
		return err
	})
	return e, err
}

// Get reads one of the caller's store's exports (row-level security hides the others' ones).
func Get(ctx context.Context, s *tenants.Session, store, id uuid.UUID) (Export, error) {
	if !s.Principal().Is(tenants.RoleMerchant) {
		return Export{}, tenants.ErrNotFound
	}
	var e Export
	err := s.Do(ctx, func(tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &e, `select `+exportColumns+` from bulk_exports where tenant_id = $1 and id = $2`, store, id)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return Export{}, tenants.ErrNotFound
	}
	if err == nil && !s.Principal().Allows(kinds[e.Kind].scope) {
		return Export{}, tenants.ErrNotFound
	}
	return e, err
}

// List is the caller's store's latest exports, newest first, at most limit. A partner token sees the kinds
// its scopes allow.
func List(ctx context.Context, s *tenants.Session, limit int) ([]Export, error) {
	p := s.Principal()
	if !p.Is(tenants.RoleMerchant) {
		return []Export{}, nil
	}
	var allowed []string
	for name, k := range kinds {
		if p.Allows(k.scope) {
			allowed = append(allowed, name)
		}
	}
	out := []Export{}
	if len(allowed) == 0 {
		return out, nil
	}
	err := s.Do(ctx, func(tx *sqlx.Tx) error {
		q, args, err := sqlx.In(`select `+exportColumns+` from bulk_exports where tenant_id = ? and kind in (?)
			order by created_at desc, id desc limit ?`, p.StoreID, allowed, limit)
		if err != nil {
			return err
		}
		return tx.SelectContext(ctx, &out, tx.Rebind(q), args...)
	})
	return out, err
}

// Chunk is the seq-th piece of a finished export's file (0 to Chunks-1), read as the session's principal.
func Chunk(ctx context.Context, s *tenants.Session, e Export, seq int) ([]byte, error) {
	var data []byte
	err := s.Do(ctx, func(tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &data, `select data from bulk_export_chunks
			where tenant_id = $1 and export_id = $2 and seq = $3`, e.StoreID, e.ID, seq)
	})
	return data, err
}
