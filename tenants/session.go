package tenants

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"tradeguard/internal/pgstmt"
	"tradeguard/internal/replica"
)

// dbContext is what the row-level policies read (see migrations: app.role(), app.user_id(), ...).
type dbContext struct {
	role, userID, tenantID, loginEmail, refreshFamily, apiTokenHash, inviteHash string
}

func contextOf(p Principal) dbContext {
	c := dbContext{role: strings.ToLower(string(p.role()))}
	if p.UserID != uuid.Nil {
		c.userID = p.UserID.String()
	}
	if p.StoreID != uuid.Nil {
		c.tenantID = p.StoreID.String()
	}
	return c
}

// contextNames are the parameters a transaction's context sets; dbContext.values gives their values in order.
var contextNames = []string{"app.role", "app.user_id", "app.tenant_id", "app.login_email", "app.refresh_family",
	"app.api_token_hash", "app.invite_hash", "statement_timeout"}

func (c dbContext) values(timeout string) []any {
	return []any{c.role, c.userID, c.tenantID, c.loginEmail, c.refreshFamily, c.apiTokenHash, c.inviteHash, timeout}
}

// setContextSQL sets the whole request context in ONE statement, local to the transaction, so a pooled
// connection never carries one caller's context into the next transaction.
// The same statement bounds every statement of the transaction by the time left before ctx's deadline (a
// request's), so PostgreSQL itself stops work nobody will wait for.
var setContextSQL = func() string {
	parts := make([]string, len(contextNames))
	for i, n := range contextNames {
		parts[i] = fmt.Sprintf("set_config('%s', $%d, true)", n, i+1)
	}
	return "select " + strings.Join(parts, ", ")
}()

func begin(ctx context.Context, db *sqlx.DB, c dbContext, opts *sql.TxOptions) (*sqlx.Tx, error) {
	values := c.values(statementTimeout(ctx))
	// The app's connections (internal/pgstmt) send the context with BEGIN, in one round trip.
	settings := make([]pgstmt.Setting, len(values))
	for i, v := range values {
		settings[i] = pgstmt.Setting{Name: contextNames[i], Value: v.(string)}
	}
	bctx, applied := pgstmt.WithSettings(ctx, settings...)
	tx, err := db.BeginTxx(bctx, opts)
	if err != nil {
		return nil, err
	}
	if applied() {
		return tx, nil
	}
	if _, err := tx.ExecContext(ctx, setContextSQL, values...); err != nil {
		_ = tx.Rollback()
		return nil, err
	}
	return tx, nil
}

// statementTimeout is PostgreSQL's statement_timeout for a transaction under ctx: the time left before its
// deadline (at least 1 ms), or "0" (none) without one.
func statementTimeout(ctx context.Context) string {
	d, ok := ctx.Deadline()
	if !ok {
		return "0"
	}
	return strconv.FormatInt(max(time.Until(d).Milliseconds(), 1), 10)
}

// inTx runs fn in a short transaction with the given context and commits it if fn succeeds.
func inTx(ctx context.Context, db *sqlx.DB, c dbContext, fn func(tx *sqlx.Tx) error) error {
	tx, err := begin(ctx, db, c, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// Session is one request's view of the database: one transaction, opened on first use, scoped to the
// principal. gqlgen resolves fields concurrently and a transaction is not safe for concurrent use, so every
// use goes through Do, which serializes them. A read-only session runs in REPEATABLE READ so the whole
// request sees one consistent snapshot.
type Session struct {
	db        *sqlx.DB
	principal Principal
	readOnly  bool

	mu       sync.Mutex
	tx       *sqlx.Tx
	done     bool
	attached bool // the transaction belongs to the caller of Attach

	replicas *replica.Router // nil: no read replica
	allowed  time.Duration   // the staleness DoStale's reads allow (below zero: the router's default)
	picked   bool            // DoStale has chosen where it reads
	stale    *sqlx.Tx        // DoStale's transaction on the replica; nil: it reads with Do
}

// NewSession starts a request session for p. Nothing touches the database until the first Do.
func NewSession(db *sqlx.DB, p Principal, readOnly bool) *Session {
	return &Session{db: db, principal: p, readOnly: readOnly}
}

// Attach makes a session of a transaction the caller already holds, e.g. a scheduler run acting as the
// system: domain functions take sessions, and this lets them run inside that transaction. Commit and
// Rollback leave the transaction alone; p must match the context the transaction was opened with.
func Attach(tx *sqlx.Tx, p Principal) *Session {
	return &Session{principal: p, tx: tx, attached: true}
}

// Become switches a transaction the caller holds to p's context (row-level security then sees p) and makes a
// session of it: a batch job that plays several people in one transaction, as the demo does, acts as each of
// them exactly as a request of theirs would. Switch back to System with another Become.
func Become(ctx context.Context, tx *sqlx.Tx, p Principal) (*Session, error) {
	c := contextOf(p)
	if _, err := tx.ExecContext(ctx, setContextSQL, c.values(statementTimeout(ctx))...); err != nil {
		return nil, err
	}
	return Attach(tx, p), nil
}

// ErrSessionClosed is returned by Do after Commit or Rollback.
var ErrSessionClosed = errors.New("tenants: session already finished")

// Principal returns who the session acts for.
func (s *Session) Principal() Principal { return s.principal }

// Do runs fn with the session's transaction, one caller at a time.
func (s *Session) Do(ctx context.Context, fn func(tx *sqlx.Tx) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done {
		return ErrSessionClosed
	}
	if s.tx == nil {
		opts := &sql.TxOptions{}
		if s.readOnly {
			opts = &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
		}
		// The transaction lives as long as ctx, the request's: a client that goes away or a request past
		// its deadline rolls it back and cancels its running statement.
		tx, err := begin(ctx, s.db, contextOf(s.principal), opts)
		if err != nil {
			return fmt.Errorf("tenants: open session: %w", err)
		}
		s.tx = tx
	}
	return fn(s.tx)
}

// UseReplicas lets the session's reads that tolerate staleness (DoStale) run on the router's read replica,
// no staler than allowed (below zero: the router's default), and tells the router when the session's
// writes commit, so the caller's next reads wait for the replica to replay them.
// A nil router leaves the session on the primary.
func (s *Session) UseReplicas(r *replica.Router, allowed time.Duration) {
	s.replicas, s.allowed = r, allowed
}

// DoStale runs fn like Do, for reads that may see a snapshot slightly behind the primary (metrics, trends,
// the scoreboard, exports): on the read replica when the session has one fresh enough for the caller, in a
// read-only snapshot of its own; otherwise exactly as Do. A session that writes always reads with Do, so a
// request sees its own writes.
func (s *Session) DoStale(ctx context.Context, fn func(tx *sqlx.Tx) error) error {
	if s.replicas == nil || !s.readOnly || s.attached {
		return s.Do(ctx, fn)
	}
	s.mu.Lock()
	if s.done {
		s.mu.Unlock()
		return ErrSessionClosed
	}
	if !s.picked {
		s.picked = true
		if db, ok := s.replicas.Pick(callerKey(s.principal), s.allowed); ok {
			tx, err := begin(ctx, db, contextOf(s.principal), &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
			if err == nil {
				s.stale = tx
			}
			if err == nil || ctx.Err() == nil { // not the request's own end: the replica's doing
				s.replicas.Started(err)
			}
		}
	}
	if s.stale == nil {
		s.mu.Unlock()
		return s.Do(ctx, fn)
	}
	defer s.mu.Unlock()
	return fn(s.stale)
}

// callerKey names who a session acts for, for the replica's read-your-writes fence.
func callerKey(p Principal) string {
	switch {
	case p.UserID != uuid.Nil:
		return "user:" + p.UserID.String()
	case p.TokenID != uuid.Nil:
		return "token:" + p.TokenID.String()
	}
	return ""
}

// Commit ends the session, committing what it wrote. A session never used commits nothing.
func (s *Session) Commit() error { return s.finish(true) }

// Rollback ends the session, discarding what it wrote.
func (s *Session) Rollback() error { return s.finish(false) }

func (s *Session) finish(commit bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done {
		return nil
	}
	s.done = true
	if s.stale != nil {
		_ = s.stale.Rollback() // read-only: nothing to keep
	}
	if s.tx == nil || s.attached {
		return nil
	}
	if !commit {
		return s.tx.Rollback()
	}
	if err := s.tx.Commit(); err != nil {
		return err
	}
	if s.replicas != nil && !s.readOnly {
		s.replicas.Wrote(callerKey(s.principal))
	}
	return nil
}

// Run is a whole session in one call: for jobs, start-up tasks and tests. It commits if fn succeeds.
func Run(ctx context.Context, db *sqlx.DB, p Principal, fn func(tx *sqlx.Tx) error) error {
	return inTx(ctx, db, contextOf(p), fn)
}

type sessionKey struct{}

// WithSession returns a context that carries the request's session.
func WithSession(ctx context.Context, s *Session) context.Context {
	return context.WithValue(ctx, sessionKey{}, s)
}

// SessionFrom returns the request's session; it panics if there is none, which is a wiring bug.
func SessionFrom(ctx context.Context) *Session {
	s, ok := ctx.Value(sessionKey{}).(*Session)
	if !ok {
		panic("tenants: no session in context")
	}
	return s
}
