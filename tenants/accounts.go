package tenants

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// User is an account: buyer, merchant staff or platform admin. Row-level security decides who sees which:
// oneself, admins, and a store's staff for its own staff and the buyers who ordered from it.
type User struct {
	ID          uuid.UUID `db:"id"`
	Email       string    `db:"email"`
	DisplayName string    `db:"display_name"`
	Role        Role      `db:"role"`
	Status      string    `db:"status"`
	CreatedAt   time.Time `db:"created_at"`
}

const userColumns = `id, email, display_name, role, status, created_at`

// UsersByIDs returns the visible users among ids (a loader's batch).
func UsersByIDs(ctx context.Context, s *Session, ids []uuid.UUID) ([]User, error) {
	var out []User
	err := s.Do(ctx, func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &out, `select `+userColumns+` from users where id = any($1)`, pq.Array(ids))
	})
	return out, err
}

// Viewer returns the signed-in person's own account; ErrNotFound for anonymous callers and API tokens.
func Viewer(ctx context.Context, s *Session) (User, error) {
	p := s.Principal()
	if p.UserID == uuid.Nil {
		return User{}, ErrNotFound
	}
	var u User
	err := s.Do(ctx, func(tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &u, `select `+userColumns+` from users where id = $1`, p.UserID)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, ErrNotFound
	}
	return u, err
}

// CanSeeEmailOf: an account's e-mail is personal data; only the person and platform admins see it.
func CanSeeEmailOf(p Principal, userID uuid.UUID) bool {
	return p.Is(RoleAdmin, RoleSystem) || (p.UserID != uuid.Nil && p.UserID == userID)
}
