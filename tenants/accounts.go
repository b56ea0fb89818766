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

// AnonymizedDisplayName is what a deleted account is called from then on.
const AnonymizedDisplayName = "Deleted user"

// AnonymizedEmail is the address a deleted account keeps: unique, and in a domain that cannot receive mail.
func AnonymizedEmail(userID uuid.UUID) string {
	return "deleted+" + userID.String() + "@tradeguard.invalid"
}

// CanAnonymize: erasing an account's personal data is done by the deletion job (SYSTEM) or a platform admin.
func CanAnonymize(p Principal) error {
	if !p.Is(RoleSystem, RoleAdmin) {
		return ErrForbidden
	}
	return nil
}

// AnonymizeUser erases an account's personal data and ends it: e-mail and display name are replaced, the
// password can no longer match, the status is DELETED, and every refresh token is revoked. Invitations sent to
// its e-mail lose the address too. Its orders are anonymized separately (orders.AnonymizeBuyer).
func AnonymizeUser(ctx context.Context, s *Session, userID uuid.UUID, now time.Time) error {
	if err := CanAnonymize(s.Principal()); err != nil {
		return err
	}
	return s.Do(ctx, func(tx *sqlx.Tx) error {
		var oldEmail string
		err := tx.GetContext(ctx, &oldEmail, `select email from users where id = $1 for update`, userID)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		newEmail := AnonymizedEmail(userID)
		if _, err := tx.ExecContext(ctx, `update users set email = $2, display_name = $3, password_hash = '!', status = 'DELETED',
			anonymized_at = coalesce(anonymized_at, $4) where id = $1`, userID, newEmail, AnonymizedDisplayName, now); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `update refresh_tokens set revoked_at = $2 where user_id = $1 and revoked_at is null`, userID, now); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `update staff_invites set email = $3, revoked_at = case when accepted_at is null then coalesce(revoked_at, $4) else revoked_at end
			where accepted_user_id = $1 or lower(email) = lower($2)`, userID, oldEmail, newEmail, now)
		return err
	})
}
