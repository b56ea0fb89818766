package pgstmt

import (
	"context"
	"database/sql/driver"
	"strings"

	"github.com/lib/pq"
)

// Setting is one configuration parameter a transaction sets for itself (set_config(name, value, true)).
type Setting struct{ Name, Value string }

type settingsKey struct{}

type beginSettings struct {
	settings []Setting
	applied  bool
}

// WithSettings returns a context under which the next BeginTx on a pgstmt connection sets s, local to the
// new transaction, in the same round trip as its BEGIN: one simple-protocol query "BEGIN …; SELECT
// set_config(…)" instead of BEGIN and then a statement of its own. applied reports whether the connection did
// so (a plain lib/pq connection, or a value PostgreSQL's text protocol cannot carry, leaves it to the caller).
func WithSettings(ctx context.Context, s ...Setting) (_ context.Context, applied func() bool) {
	b := &beginSettings{settings: s}
	return context.WithValue(ctx, settingsKey{}, b), func() bool { return b.applied }
}

// BeginTx opens the transaction itself, rather than through lib/pq's BeginTx, so that the settings ride
// along with BEGIN. lib/pq's own BeginTx would also start a goroutine per transaction to watch ctx; every
// statement lib/pq runs watches its own ctx already, and database/sql rolls the transaction back when the
// BeginTx ctx ends, so nothing is lost without it.
func (c *conn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	q, err := beginSQL(opts)
	if err != nil {
		return nil, err
	}
	b, _ := ctx.Value(settingsKey{}).(*beginSettings)
	if b != nil && carriable(b.settings) {
		q += "; " + settingsSQL(b.settings)
	} else {
		b = nil
	}
	if c.o.Capture != nil {
		c.o.Capture(Statement{SQL: q})
	}
	if _, err := c.pqConn.ExecContext(ctx, q, nil); err != nil {
		// A failed set_config leaves the transaction open and aborted; end it so the connection is clean.
		_ = c.pqConn.Rollback()
		return nil, err
	}
	if b != nil {
		b.applied = true
	}
	if c.o.Capture == nil {
		return c.pqConn, nil
	}
	return &capturedTx{Tx: c.pqConn, capture: c.o.Capture}, nil
}

func settingsSQL(s []Setting) string {
	var q strings.Builder
	q.WriteString("SELECT ")
	for i, st := range s {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString("set_config(" + pq.QuoteLiteral(st.Name) + ", " + pq.QuoteLiteral(st.Value) + ", true)")
	}
	return q.String()
}

// carriable reports whether every setting fits in a simple-protocol query, whose text ends at a NUL byte.
func carriable(s []Setting) bool {
	for _, st := range s {
		if strings.IndexByte(st.Name, 0) >= 0 || strings.IndexByte(st.Value, 0) >= 0 {
			return false
		}
	}
	return true
}
