// Package changefeed lists the orders or cases that changed since a time, for incremental sync (README:
// Incremental sync). Rows come in the order their transactions were given ids (change_xid, then id), and
// only rows of transactions older than every transaction still running: any transaction that could still
// commit a change has a higher id than every row listed so far, so a page never moves past a change that
// will later appear behind it. Migration 00014 keeps changed_at and change_xid with each row.
package changefeed

import (
	"strconv"
	"time"

	"github.com/google/uuid"

	"tradeguard/internal/sqlq"
)

// Position is a row's place in the feed: its change's transaction id, then its own id.
type Position struct {
	XID uint64
	ID  uuid.UUID
}

// Order is the feed's order.
const Order = ` order by change_xid, id`

// Since narrows w to the rows changed at or after since (for lists and counts alike).
func Since(w *sqlq.Where, since time.Time) { w.Add("changed_at >= ?", since) }

// Page narrows a list further to the settled changes (no running transaction is older than them), after
// the position when given.
func Page(w *sqlq.Where, after *Position) {
	w.Add("change_xid < pg_snapshot_xmin(pg_current_snapshot())")
	if after != nil {
		w.Add("(change_xid, id) > (?::xid8, ?)", strconv.FormatUint(after.XID, 10), after.ID)
	}
}
