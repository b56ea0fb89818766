package tenants

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
)

// Staff invitations look like "tgi_<store id, 32 hex>_<secret>": the store id lets acceptance look the
// invitation up inside one tenant, by the SHA-256 of the whole token, which is all that is stored.
const (
	invitePrefix = "tgi_"
	// InviteTTL is how long an invitation can be accepted.
	InviteTTL = 7 * 24 * time.Hour
	// MinPasswordLen is the shortest password an account may have (characters).
	MinPasswordLen = 10
	maxPasswordLen = 1024
)

// Invite is an invitation to work for a store, as its owner sees it (never the token).
type Invite struct {
	ID             uuid.UUID  `db:"id"`
	StoreID        uuid.UUID  `db:"tenant_id"`
	Email          string     `db:"email"`
	StaffRole      StaffRole  `db:"staff_role"`
	InvitedBy      uuid.UUID  `db:"invited_by"`
	CreatedAt      time.Time  `db:"created_at"`
	ExpiresAt      time.Time  `db:"expires_at"`
	AcceptedAt     *time.Time `db:"accepted_at"`
	AcceptedUserID *uuid.UUID `db:"accepted_user_id"`
	RevokedAt      *time.Time `db:"revoked_at"`
}

const inviteColumns = `tenant_id, id, email, staff_role, invited_by, created_at, expires_at, accepted_at, accepted_user_id, revoked_at`

// Status is where the invitation stands at now: PENDING, ACCEPTED, REVOKED or EXPIRED.
func (i Invite) Status(now time.Time) string {
	switch {
	case i.AcceptedAt != nil:
		return "ACCEPTED"
	case i.RevokedAt != nil:
		return "REVOKED"
	case !now.Before(i.ExpiresAt):
		return "EXPIRED"
	}
	return "PENDING"
}

// StaffMember is one account working for a store.
type StaffMember struct {
	User      User
	StaffRole StaffRole
	JoinedAt  time.Time
}

// CanManageStaff: only a store's owners invite, list invitations and remove staff (not agents, not API tokens).
func CanManageStaff(p Principal) error {
	if !p.IsStoreOwner() || p.StoreID == uuid.Nil || p.UserID == uuid.Nil {
		return ErrForbidden
	}
	return nil
}

// CanListStaff: the people of a store (owners and agents) see who works there.
func CanListStaff(p Principal) error {
	if !p.Is(RoleMerchant) || p.StoreID == uuid.Nil || p.UserID == uuid.Nil ||
		(p.StaffRole != StaffOwner && p.StaffRole != StaffAgent) {
		return ErrForbidden
	}
	return nil
}

// InviteStaff invites an e-mail to work for the owner's store as AGENT or OWNER. A pending invitation for the
// same e-mail is replaced (revoked). The token is returned once, to be handed to the invitee.
func InviteStaff(ctx context.Context, s *Session, email string, role StaffRole, now time.Time) (Invite, string, error) {
	p := s.Principal()
	if err := CanManageStaff(p); err != nil {
		return Invite{}, "", err
	}
	email = strings.TrimSpace(email)
	var errs RuleErrors
	if !ValidEmail(email) {
		errs = append(errs, Refuse("INVALID_EMAIL", "e-mail must look like name@example.com", "input", "email"))
	}
	if role != StaffAgent && role != StaffOwner {
		errs = append(errs, Refuse("INVALID_ROLE", fmt.Sprintf("staff role must be %s or %s", StaffAgent, StaffOwner), "input", "staffRole"))
	}
	var (
		inv   Invite
		token string
	)
	err := s.Do(ctx, func(tx *sqlx.Tx) error {
		st, err := getStore(ctx, tx, p.StoreID)
		if err != nil {
			return err
		}
		if st.Status == StoreClosed {
			return storeClosed(st, "it takes no new staff")
		}
		if err := errs.Err(); err != nil {
			return err
		}
		var already bool
		if err := tx.GetContext(ctx, &already, `select exists (select 1 from store_staff s join users u on u.id = s.user_id
			where s.tenant_id = $1 and lower(u.email) = lower($2))`, p.StoreID, email); err != nil {
			return err
		}
		if already {
			return Refuse("ALREADY_STAFF", "an account with this e-mail already works for this store", "input", "email")
		}
		inv, token, err = insertInvite(ctx, tx, st, email, role, p, now)
		return err
	})
	if err != nil {
		return Invite{}, "", err
	}
	return inv, token, nil
}

// storeClosed is the refusal of anything new in a closed store.
func storeClosed(st Store, what string) *RuleError {
	since := "closed"
	if st.ClosedAt != nil {
		since = "closed since " + st.FormatTime(*st.ClosedAt)
	}
	return Refuse("STORE_CLOSED", fmt.Sprintf("the store is %s; %s", since, what))
}

// insertInvite revokes any pending invitation of the store for the e-mail and writes a new one.
func insertInvite(ctx context.Context, tx *sqlx.Tx, st Store, email string, role StaffRole, by Principal, now time.Time) (Invite, string, error) {
	secret, err := randomSecret()
	if err != nil {
		return Invite{}, "", err
	}
	token := invitePrefix + strings.ReplaceAll(st.ID.String(), "-", "") + "_" + secret
	res, err := tx.ExecContext(ctx, `update staff_invites set revoked_at = $3
		where tenant_id = $1 and lower(email) = lower($2) and accepted_at is null and revoked_at is null and expires_at > $3`,
		st.ID, email, now)
	if err != nil {
		return Invite{}, "", err
	}
	replaced, _ := res.RowsAffected()
	var inv Invite
	if err := tx.GetContext(ctx, &inv, `insert into staff_invites (tenant_id, id, email, staff_role, token_hash, invited_by, created_at, expires_at)
		values ($1, $2, $3, $4, $5, $6, $7, $8) returning `+inviteColumns,
		st.ID, uuid.New(), email, role, sha256Hex(token), by.UserID, now, now.Add(InviteTTL)); err != nil {
		return Invite{}, "", err
	}
	reason := fmt.Sprintf("%s invitation, valid until %s", role, st.FormatTime(inv.ExpiresAt))
	if replaced > 0 {
		reason += "; replaces the pending invitation for the same e-mail"
	}
	actor, actorID := ActorOf(by)
	err = insertLifecycleEvent(ctx, tx, LifecycleEvent{StoreID: &st.ID, At: now, Actor: actor, ActorID: actorID,
		Action: ActionStaffInvited, Reason: &reason})
	return inv, token, err
}

func parseInviteToken(token string) (storeID uuid.UUID, hash string, ok bool) {
	rest, ok1 := strings.CutPrefix(token, invitePrefix)
	store, secret, ok2 := strings.Cut(rest, "_")
	if !ok1 || !ok2 || len(token) > 200 || len(secret) < 32 || len(store) != 32 {
		return uuid.Nil, "", false
	}
	id, err := uuid.Parse(store)
	if err != nil {
		return uuid.Nil, "", false
	}
	return id, sha256Hex(token), true
}

// ValidateNewAccount checks a new account's display name and password, every problem at once.
func ValidateNewAccount(displayName, password string) RuleErrors {
	var errs RuleErrors
	if n := utf8.RuneCountInString(strings.TrimSpace(displayName)); n == 0 || n > maxDisplayNameRune {
		errs = append(errs, Refuse("INVALID_DISPLAY_NAME", fmt.Sprintf("display name must be 1 to %d characters", maxDisplayNameRune), "input", "displayName"))
	}
	if utf8.RuneCountInString(password) < MinPasswordLen {
		errs = append(errs, Refuse("WEAK_PASSWORD", fmt.Sprintf("password must be at least %d characters", MinPasswordLen), "input", "password"))
	} else if len(password) > maxPasswordLen {
		errs = append(errs, Refuse("WEAK_PASSWORD", fmt.Sprintf("password must be at most %d bytes", maxPasswordLen), "input", "password"))
	}
	return errs
}

var errInviteUnknown = Refuse("INVITE_INVALID", "the invitation token is not valid; ask the store's owner for a new invitation", "input", "token")

// AcceptInvite turns an invitation into a merchant account of the invitation's store, for whoever holds the
// token. It runs in a narrow context that sees only that invitation (and the account it creates); the new
// account then signs in with Auth.Login.
func AcceptInvite(ctx context.Context, db *sqlx.DB, token, displayName, password string, now time.Time) (uuid.UUID, error) {
	storeID, hash, ok := parseInviteToken(token)
	if !ok {
		return uuid.Nil, errInviteUnknown
	}
	displayName = strings.TrimSpace(displayName)
	fieldErrs := ValidateNewAccount(displayName, password)
	userID := uuid.New()
	c := dbContext{role: "invite", tenantID: storeID.String(), inviteHash: hash, userID: userID.String()}
	err := inTx(ctx, db, c, func(tx *sqlx.Tx) error {
		var inv Invite
		err := tx.GetContext(ctx, &inv, `select `+inviteColumns+` from staff_invites
			where tenant_id = $1 and token_hash = $2 for update`, storeID, hash)
		if errors.Is(err, sql.ErrNoRows) {
			return errInviteUnknown
		}
		if err != nil {
			return err
		}
		st, err := getStore(ctx, tx, storeID)
		if err != nil {
			return err
		}
		switch {
		case inv.AcceptedAt != nil:
			return Refuse("INVITE_INVALID", fmt.Sprintf("the invitation was already accepted on %s; sign in instead", st.FormatTime(*inv.AcceptedAt)), "input", "token")
		case inv.RevokedAt != nil:
			return Refuse("INVITE_INVALID", fmt.Sprintf("the invitation was revoked on %s; ask the store's owner for a new one", st.FormatTime(*inv.RevokedAt)), "input", "token")
		case !now.Before(inv.ExpiresAt):
			return Refuse("INVITE_EXPIRED", fmt.Sprintf("the invitation expired at %s; ask the store's owner for a new one", st.FormatTime(inv.ExpiresAt)), "input", "token")
		case st.Status == StoreClosed:
			return storeClosed(st, "it takes no new staff")
		}
		if err := fieldErrs.Err(); err != nil {
			return err
		}
		pwHash, err := HashPassword(password)
		if err != nil {
			return err
		}
		// The invite context cannot read other accounts: an e-mail already in use shows as the unique index
		// turning the insert into nothing.
		var created uuid.UUID
		err = tx.GetContext(ctx, &created, `insert into users (id, email, password_hash, display_name, role, status, created_at,
				staff_store_id) values ($1, $2, $3, $4, 'MERCHANT', 'ACTIVE', $5, $6) on conflict do nothing returning id`,
			userID, inv.Email, pwHash, displayName, now, storeID)
		if errors.Is(err, sql.ErrNoRows) {
			return Refuse("EMAIL_IN_USE", "an account with the invited e-mail already exists; an account works for one store only, so ask the owner to invite another e-mail")
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `insert into store_staff (tenant_id, user_id, staff_role, created_at) values ($1, $2, $3, $4)`,
			storeID, userID, inv.StaffRole, now); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `update staff_invites set accepted_at = $3, accepted_user_id = $4 where tenant_id = $1 and id = $2`,
			storeID, inv.ID, now, userID); err != nil {
			return err
		}
		return insertLifecycleEvent(ctx, tx, LifecycleEvent{StoreID: &storeID, UserID: &userID, At: now, Actor: "MERCHANT",
			ActorID: &userID, Action: ActionStaffJoined, ToStatus: ptr(string(inv.StaffRole)),
			Reason: ptr(fmt.Sprintf("accepted the %s invitation", inv.StaffRole))})
	})
	if err != nil {
		return uuid.Nil, err
	}
	return userID, nil
}

// ListInvites lists the owner's store's invitations, newest first.
func ListInvites(ctx context.Context, s *Session) ([]Invite, error) {
	p := s.Principal()
	if err := CanManageStaff(p); err != nil {
		return nil, err
	}
	var out []Invite
	err := s.Do(ctx, func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &out, `select `+inviteColumns+` from staff_invites where tenant_id = $1
			order by created_at desc, id`, p.StoreID)
	})
	return out, err
}

// RevokeInvite stops an invitation of the owner's store from being accepted. Revoking twice is harmless; an
// accepted invitation cannot be revoked (remove the staff member instead); another store's is not found.
func RevokeInvite(ctx context.Context, s *Session, id uuid.UUID, now time.Time) (Invite, error) {
	p := s.Principal()
	if err := CanManageStaff(p); err != nil {
		return Invite{}, err
	}
	var inv Invite
	err := s.Do(ctx, func(tx *sqlx.Tx) error {
		err := tx.GetContext(ctx, &inv, `select `+inviteColumns+` from staff_invites where tenant_id = $1 and id = $2 for update`, p.StoreID, id)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if inv.AcceptedAt != nil {
			st, err := getStore(ctx, tx, p.StoreID)
			if err != nil {
				return err
			}
			return Refuse("INVITE_ALREADY_ACCEPTED", fmt.Sprintf("the invitation was accepted on %s; remove the staff member instead",
				st.FormatTime(*inv.AcceptedAt)), "input", "id")
		}
		if inv.RevokedAt != nil {
			return nil
		}
		if err := tx.GetContext(ctx, &inv, `update staff_invites set revoked_at = $3 where tenant_id = $1 and id = $2
			returning `+inviteColumns, p.StoreID, id, now); err != nil {
			return err
		}
		actor, actorID := ActorOf(p)
		return insertLifecycleEvent(ctx, tx, LifecycleEvent{StoreID: &p.StoreID, At: now, Actor: actor, ActorID: actorID,
			Action: ActionStaffInviteRevoked, Reason: ptr(fmt.Sprintf("%s invitation revoked", inv.StaffRole))})
	})
	if err != nil {
		return Invite{}, err
	}
	return inv, nil
}

// ListStaff lists the accounts working for the caller's store, owners first, then by when they joined.
func ListStaff(ctx context.Context, s *Session) ([]StaffMember, error) {
	p := s.Principal()
	if err := CanListStaff(p); err != nil {
		return nil, err
	}
	var rows []struct {
		User
		StaffRole StaffRole `db:"staff_role"`
		JoinedAt  time.Time `db:"joined_at"`
	}
	err := s.Do(ctx, func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &rows, `select u.id, u.email, u.display_name, u.role, u.status, u.created_at,
				s.staff_role, s.created_at joined_at
			from store_staff s join users u on u.id = s.user_id
			where s.tenant_id = $1 order by s.staff_role = 'OWNER' desc, s.created_at, u.id`, p.StoreID)
	})
	out := make([]StaffMember, len(rows))
	for i, r := range rows {
		out[i] = StaffMember{User: r.User, StaffRole: r.StaffRole, JoinedAt: r.JoinedAt}
	}
	return out, err
}

// RemoveStaff takes an account off the owner's store and signs it out: its staff row goes and its refresh
// tokens are revoked (a merchant account without a store cannot sign in; an access token it holds lapses
// within its 15 minutes). The store always keeps an owner: removing the last one is refused.
func RemoveStaff(ctx context.Context, s *Session, userID uuid.UUID, now time.Time) error {
	p := s.Principal()
	if err := CanManageStaff(p); err != nil {
		return err
	}
	return s.Do(ctx, func(tx *sqlx.Tx) error {
		// Lock the store's staff rows: two owners removing each other at once must not leave the store ownerless.
		var staff []struct {
			UserID    uuid.UUID `db:"user_id"`
			StaffRole StaffRole `db:"staff_role"`
		}
		if err := tx.SelectContext(ctx, &staff, `select user_id, staff_role from store_staff where tenant_id = $1
			order by user_id for update`, p.StoreID); err != nil {
			return err
		}
		owners, found := 0, false
		var role StaffRole
		for _, m := range staff {
			if m.StaffRole == StaffOwner {
				owners++
			}
			if m.UserID == userID {
				found, role = true, m.StaffRole
			}
		}
		if !found {
			return ErrNotFound
		}
		if role == StaffOwner && owners <= 1 {
			who := "this account is"
			if userID == p.UserID {
				who = "you are"
			}
			return Refuse("LAST_OWNER", who+" the store's only owner; invite another owner before leaving", "input", "userId")
		}
		if _, err := tx.ExecContext(ctx, `update refresh_tokens set revoked_at = $2 where user_id = $1 and revoked_at is null`, userID, now); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `delete from store_staff where tenant_id = $1 and user_id = $2`, p.StoreID, userID); err != nil {
			return err
		}
		actor, actorID := ActorOf(p)
		return insertLifecycleEvent(ctx, tx, LifecycleEvent{StoreID: &p.StoreID, UserID: &userID, At: now, Actor: actor,
			ActorID: actorID, Action: ActionStaffRemoved, FromStatus: ptr(string(role))})
	})
}
