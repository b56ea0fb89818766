// Package pgstmt is the app's connection to PostgreSQL: lib/pq with each connection keeping its statements
// prepared.
//
// lib/pq runs a statement with parameters as an unnamed one: a round trip to parse it, another to bind and
// run it, and PostgreSQL plans it again every time, row-level policies included (0.5–2.5 ms per statement on
// the orders page). Here a connection prepares each distinct statement once under a name and then only binds
// and runs it: one round trip, and PostgreSQL may reuse the plan. Callers change nothing: database/sql, sqlx
// and every domain package keep passing SQL strings.
//
// Named statements belong to a server connection, so a pooler in transaction mode (PgBouncer) that hands the
// next transaction another server connection breaks them: Options.Disabled turns the cache off there.
package pgstmt

import (
	"container/list"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// DefaultSize is how many statements one connection keeps prepared; the app's SQL is static text apart from
// a few filter combinations, so this holds all of it and the least recently used one is closed beyond it.
const DefaultSize = 256

// Options configure a Connector.
type Options struct {
	Size     int  // statements kept per connection (0: DefaultSize)
	Disabled bool // plain lib/pq: every statement unnamed (for poolers in transaction mode)
	// Capture, when set, is told every statement the app runs with its arguments (benchmarks replay them).
	Capture func(Statement)
	// Dialer, when set, opens the connections (tests count what goes over them).
	Dialer pq.Dialer
}

// Statement is one statement as the app ran it.
type Statement struct {
	SQL  string
	Args []driver.NamedValue
}

// NewConnector returns a connector for dsn; use it with sql.OpenDB.
func NewConnector(dsn string, o Options) (driver.Connector, error) {
	c, err := pq.NewConnector(dsn)
	if err != nil {
		return nil, err
	}
	if o.Dialer != nil {
		c.Dialer(o.Dialer)
	}
	if o.Size <= 0 {
		o.Size = DefaultSize
	}
	return &connector{pq: c, o: o}, nil
}

type connector struct {
	pq *pq.Connector
	o  Options
}

func (c *connector) Driver() driver.Driver { return c.pq.Driver() }

func (c *connector) Connect(ctx context.Context) (driver.Conn, error) {
	dc, err := c.pq.Connect(ctx)
	if err != nil {
		return nil, err
	}
	pc, ok := dc.(pqConn)
	if !ok {
		_ = dc.Close()
		return nil, errors.New("pgstmt: lib/pq's connection lacks an expected interface")
	}
	return &conn{pqConn: pc, o: c.o, byQuery: map[string]*list.Element{}, lru: list.New()}, nil
}

// pqConn is what lib/pq's connection implements and database/sql uses.
type pqConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.QueryerContext
	driver.ExecerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
	driver.NamedValueChecker
	driver.Tx // lib/pq's connection is its own transaction: Commit and Rollback
}

type preparedStmt interface {
	driver.Stmt
	driver.StmtQueryContext
	driver.StmtExecContext
}

type entry struct {
	query string
	stmt  preparedStmt
}

// conn is used by one goroutine at a time (database/sql's contract), so the cache needs no lock.
type conn struct {
	pqConn
	o       Options
	byQuery map[string]*list.Element
	lru     *list.List // front: most recently used
}

func (c *conn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	c.capture(query, args)
	if c.o.Disabled || len(args) == 0 { // no parameters: lib/pq's simple protocol is one round trip already
		return c.pqConn.QueryContext(ctx, query, args)
	}
	st, err := c.prepared(ctx, query)
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(ctx, args)
	c.forgetIfStale(query, err)
	return rows, err
}

func (c *conn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	c.capture(query, args)
	if c.o.Disabled || len(args) == 0 {
		return c.pqConn.ExecContext(ctx, query, args)
	}
	st, err := c.prepared(ctx, query)
	if err != nil {
		return nil, err
	}
	res, err := st.ExecContext(ctx, args)
	c.forgetIfStale(query, err)
	return res, err
}

func (c *conn) capture(query string, args []driver.NamedValue) {
	if c.o.Capture != nil {
		c.o.Capture(Statement{SQL: query, Args: args})
	}
}

// prepared returns query's statement on this connection, preparing it on first use.
func (c *conn) prepared(ctx context.Context, query string) (preparedStmt, error) {
	if el, ok := c.byQuery[query]; ok {
		c.lru.MoveToFront(el)
		return el.Value.(*entry).stmt, nil
	}
	ds, err := c.pqConn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	st, ok := ds.(preparedStmt)
	if !ok {
		_ = ds.Close()
		return nil, errors.New("pgstmt: lib/pq's statement lacks an expected interface")
	}
	c.byQuery[query] = c.lru.PushFront(&entry{query: query, stmt: st})
	for c.lru.Len() > c.o.Size {
		c.drop(c.lru.Back())
	}
	return st, nil
}

func (c *conn) drop(el *list.Element) {
	e := el.Value.(*entry)
	c.lru.Remove(el)
	delete(c.byQuery, e.query)
	_ = e.stmt.Close()
}

// forgetIfStale drops a statement PostgreSQL no longer accepts as prepared: its tables changed shape (a
// migration ran since) or the statement is gone. The next use prepares it again.
func (c *conn) forgetIfStale(query string, err error) {
	var pe *pq.Error
	if err == nil || !errors.As(err, &pe) {
		return
	}
	if pe.Code != "0A000" && pe.Code != "26000" { // feature_not_supported (cached plan must not change result type), invalid_sql_statement_name
		return
	}
	if el, ok := c.byQuery[query]; ok {
		e := el.Value.(*entry)
		c.lru.Remove(el)
		delete(c.byQuery, e.query)
		// Not closed: inside a failed transaction PostgreSQL would refuse even that; the name dies with the
		// connection or is replaced when prepared again under a new one.
	}
}

// Prepared reports how many statements this connection holds (for tests).
func (c *conn) Prepared() int { return c.lru.Len() }

type capturedTx struct {
	driver.Tx
	capture func(Statement)
}

func (t *capturedTx) Commit() error {
	t.capture(Statement{SQL: "COMMIT"})
	return t.Tx.Commit()
}

func (t *capturedTx) Rollback() error {
	t.capture(Statement{SQL: "ROLLBACK"})
	return t.Tx.Rollback()
}

// Open returns a pool for dsn whose connections keep their statements prepared (unless o.Disabled).
func Open(dsn string, o Options) (*sqlx.DB, error) {
	c, err := NewConnector(dsn, o)
	if err != nil {
		return nil, err
	}
	return sqlx.NewDb(sql.OpenDB(c), "postgres"), nil
}

// beginSQL is the statement lib/pq's BeginTx would send for opts.
func beginSQL(opts driver.TxOptions) (string, error) {
	mode := "BEGIN"
	switch sql.IsolationLevel(opts.Isolation) {
	case sql.LevelDefault:
	case sql.LevelReadUncommitted:
		mode += " ISOLATION LEVEL READ UNCOMMITTED"
	case sql.LevelReadCommitted:
		mode += " ISOLATION LEVEL READ COMMITTED"
	case sql.LevelRepeatableRead:
		mode += " ISOLATION LEVEL REPEATABLE READ"
	case sql.LevelSerializable:
		mode += " ISOLATION LEVEL SERIALIZABLE"
	default:
		return "", fmt.Errorf("pgstmt: isolation level not supported: %d", opts.Isolation)
	}
	if opts.ReadOnly {
		return mode + " READ ONLY", nil
	}
	return mode + " READ WRITE", nil
}
