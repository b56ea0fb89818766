package exports

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"tradeguard/internal/replica"
	"tradeguard/tenants"
)

// Running an export. A claim is a lease renewed with every chunk: a process that dies mid-export leaves it
// to be claimed again (from the start) when the lease ends; after maxClaims such starts it fails.
const (
	lease     = time.Minute
	maxClaims = 3
	// MaxRun bounds one run (its snapshot's transaction and every statement in it).
	MaxRun = 2 * time.Hour
	// ChunkSize is about how many bytes each stored chunk holds.
	ChunkSize = 1 << 20
	batch     = 1000
)

// errLost: another process claimed the export since (this one's lease ran out); it stops writing.
var errLost = errors.New("exports: claim lost")

// Exporter runs queued exports, one at a time per process. Any number of processes may run one.
type Exporter struct {
	DB        *sqlx.DB // the app role; claims act as the system, reads as the export's store
	Now       func() time.Time
	Log       *slog.Logger
	ChunkSize int // 0: ChunkSize
	Batch     int // rows per statement; 0: 1000
	// Replicas, if set, lets the rows be read from the read replica (within its default staleness).
	Replicas *replica.Router
	// MaxBuffered is the most bytes a run has held before storing them (for the memory test).
	MaxBuffered int
}

// Run exports every interval until ctx ends; it also expires old exports. Polling is one index probe of
// the (small) queue, so a short interval costs little and needs no notification across processes.
func (x *Exporter) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		for {
			ran, err := x.Tick(ctx)
			if err != nil && ctx.Err() == nil {
				x.Log.ErrorContext(ctx, "bulk export", "error", err)
			}
			if !ran || err != nil {
				break
			}
		}
		if _, err := x.Expire(ctx); err != nil && ctx.Err() == nil {
			x.Log.ErrorContext(ctx, "bulk export expiry", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Tick claims the oldest due export and runs it; it reports whether there was one.
func (x *Exporter) Tick(ctx context.Context) (bool, error) {
	now := x.Now()
	var e Export
	var found bool
	err := tenants.Run(ctx, x.DB, tenants.System, func(tx *sqlx.Tx) error {
		err := tx.GetContext(ctx, &e, `with c as (
				select tenant_id, id from bulk_exports
				where status = 'QUEUED' or (status = 'RUNNING' and lease_until < $1)
				order by created_at limit 1 for update skip locked)
			update bulk_exports b set status = 'RUNNING', claim = b.claim + 1, lease_until = $2, started_at = $1,
				rows_done = 0, bytes = 0, chunks = 0
			from c where b.tenant_id = c.tenant_id and b.id = c.id
			returning `+prefixed("b.", exportColumns), now, now.Add(lease))
		if err != nil {
			return ignoreNoRows(err)
		}
		found = true
		// A run that was cut off left chunks: this one starts over.
		_, err = tx.ExecContext(ctx, `delete from bulk_export_chunks where tenant_id = $1 and export_id = $2`, e.StoreID, e.ID)
		return err
	})
	if err != nil || !found {
		return false, err
	}
	if e.Claim > maxClaims {
		return true, x.finish(ctx, e, 0, fmt.Errorf("the export was interrupted %d times", maxClaims))
	}
	rows, err := x.write(ctx, e)
	switch {
	case errors.Is(err, errLost), ctx.Err() != nil:
		return true, nil // another process has it now, or this one is stopping: the lease passes it on
	case err != nil:
		x.Log.ErrorContext(ctx, "bulk export failed", "export", e.ID, "store", e.StoreID, "error", err)
	}
	return true, x.finish(ctx, e, rows, err)
}

// write reads the export's rows from one snapshot, as the store, and stores them chunk by chunk.
func (x *Exporter) write(ctx context.Context, e Export) (int, error) {
	k := kinds[e.Kind]
	f := e.Filter()
	ctx, cancel := context.WithTimeout(ctx, MaxRun)
	defer cancel()
	store := tenants.Principal{Role: tenants.RoleMerchant, StoreID: e.StoreID, StaffRole: tenants.StaffOwner}
	read := tenants.NewSession(x.DB, store, true)
	if x.Replicas != nil {
		read.UseReplicas(x.Replicas, -1)
	}
	defer func() { _ = read.Rollback() }()
	var snapshot time.Time
	var total int
	err := read.DoStale(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `set local timezone = 'UTC'`); err != nil {
			return err
		}
		// On a replica the snapshot holds what was replayed: as of the last replayed commit, not now().
		return tx.QueryRowxContext(ctx, `select case when pg_is_in_recovery()
				then coalesce(pg_last_xact_replay_timestamp(), now()) else now() end, (select count(*) from `+k.table+` t where `+k.where()+`)`,
			nil, f.CreatedFrom, f.CreatedTo, f.UpdatedSince).Scan(&snapshot, &total)
	})
	if err != nil {
		return 0, err
	}
	if err := x.progress(ctx, e, `update bulk_exports set rows_total = $4, snapshot_at = $5
		where tenant_id = $1 and id = $2 and claim = $3 and status = 'RUNNING'`, total, snapshot); err != nil {
		return 0, err
	}
	w := newChunkWriter(e.Format, Header(e.Kind), x.chunkSize(), func(data []byte, seq int, rows int) error {
		x.MaxBuffered = max(x.MaxBuffered, len(data))
		return x.store(ctx, e, data, seq, rows)
	})
	q := `select t.id, ` + k.rowSQL(e.Format) + ` from ` + k.table + ` t where ` + k.where() + ` order by t.id limit $5`
	var after *uuid.UUID
	for {
		n := 0
		err := read.DoStale(ctx, func(tx *sqlx.Tx) error {
			rows, err := tx.QueryContext(ctx, q, after, f.CreatedFrom, f.CreatedTo, f.UpdatedSince, x.batch())
			if err != nil {
				return err
			}
			defer rows.Close()
			var id uuid.UUID
			var row []byte
			for rows.Next() {
				if err := rows.Scan(&id, &row); err != nil {
					return err
				}
				if err := w.row(row); err != nil {
					return err
				}
				n++
			}
			after = &id
			return rows.Err()
		})
		if err != nil {
			return w.rows, err
		}
		if n < x.batch() {
			break
		}
	}
	return w.rows, w.close()
}

// store saves one chunk and the progress, while this process still holds the claim (renewing it).
func (x *Exporter) store(ctx context.Context, e Export, data []byte, seq int, rows int) error {
	return x.progress(ctx, e, `with ok as (update bulk_exports set rows_done = $4, bytes = bytes + length($5::bytea),
			chunks = chunks + 1, lease_until = $6
			where tenant_id = $1 and id = $2 and claim = $3 and status = 'RUNNING' returning 1)
		insert into bulk_export_chunks (tenant_id, export_id, seq, data) select $1, $2, $7, $5::bytea from ok`,
		rows, data, x.Now().Add(lease), seq)
}

// progress runs one fenced statement (its first three parameters: store, export, claim) as the system; no
// row changed means the claim was lost.
func (x *Exporter) progress(ctx context.Context, e Export, stmt string, args ...any) error {
	return tenants.Run(ctx, x.DB, tenants.System, func(tx *sqlx.Tx) error {
		r, err := tx.ExecContext(ctx, stmt, append([]any{e.StoreID, e.ID, e.Claim}, args...)...)
		if err != nil {
			return err
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return errLost
		}
		return nil
	})
}

// finish records how the run ended and, in the same transaction, the bulk_export.finished event.
func (x *Exporter) finish(ctx context.Context, e Export, rows int, failure error) error {
	status, msg := "SUCCEEDED", (*string)(nil)
	if failure != nil {
		status = "FAILED"
		m := "the export could not be written; ask again"
		if e.Claim > maxClaims {
			m = failure.Error()
		}
		msg = &m
	}
	now := x.Now()
	err := tenants.Run(ctx, x.DB, tenants.System, func(tx *sqlx.Tx) error {
		var bytes int64
		err := tx.GetContext(ctx, &bytes, `update bulk_exports set status = $4, error = $5, rows_done = $6,
				finished_at = $7, lease_until = null
			where tenant_id = $1 and id = $2 and claim = $3 and status = 'RUNNING' returning bytes`,
			e.StoreID, e.ID, e.Claim, status, msg, rows, now)
		if err != nil {
			return err
		}
		e.Status = status
		payload, err := json.Marshal(map[string]any{"exportId": e.GlobalID(), "kind": e.Kind, "format": e.Format,
			"status": status, "rows": rows, "bytes": bytes, "error": msg, "downloadPath": e.DownloadPath()})
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `select webhook_emit($1, 'bulk_export.finished', $2, $3, $4)`, e.StoreID, e.ID, payload, now)
		return err
	})
	return ignoreNoRows(err) // no row: the claim was lost meanwhile, and its new holder finishes it
}

// Expire drops the files of exports past their time (the rows stay, EXPIRED, so a list still shows them).
func (x *Exporter) Expire(ctx context.Context) (int64, error) {
	var n int64
	err := tenants.Run(ctx, x.DB, tenants.System, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `delete from bulk_export_chunks c using bulk_exports e
			where e.tenant_id = c.tenant_id and e.id = c.export_id and e.status in ('SUCCEEDED', 'FAILED') and e.expires_at <= $1`, x.Now()); err != nil {
			return err
		}
		r, err := tx.ExecContext(ctx, `update bulk_exports set status = 'EXPIRED'
			where status in ('SUCCEEDED', 'FAILED') and expires_at <= $1`, x.Now())
		if err == nil {
			n, _ = r.RowsAffected()
		}
		return err
	})
	return n, err
}

// Kind is the global id kind of an export.
const Kind = "BulkExport"

func (x *Exporter) chunkSize() int {
	if x.ChunkSize > 0 {
		return x.ChunkSize
	}
	return ChunkSize
}

func (x *Exporter) batch() int {
	if x.Batch > 0 {
		return x.Batch
	}
	return batch
}
