package tenants

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
)

// Store statuses (stores.status).
const (
	StoreActive    = "ACTIVE"
	StoreClosing   = "CLOSING"
	StoreClosed    = "CLOSED"
	StoreSuspended = "SUSPENDED"
)

// Account statuses (users.status).
const (
	AccountActive          = "ACTIVE"
	AccountDisabled        = "DISABLED"
	AccountDeletionPending = "DELETION_PENDING"
	AccountDeleted         = "DELETED"
)

// The shapes the database checks too (migrations: stores.slug, users.email); checked here first so that every
// problem of an input is reported at once, with its field.
var (
	slugShape     = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,62}$`)
	currencyShape = regexp.MustCompile(`^[A-Z]{3}$`)
	emailShape    = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
)

const (
	maxEmailLen        = 254
	maxStoreNameRunes  = 200
	maxDisplayNameRune = 100
)

// ValidEmail reports whether s has the shape of an e-mail address the accounts table accepts.
func ValidEmail(s string) bool { return len(s) <= maxEmailLen && emailShape.MatchString(s) }

// FormatTime shows t in the store's time zone (RFC 3339), as messages to its staff should.
func (s Store) FormatTime(t time.Time) string {
	if loc, err := time.LoadLocation(s.TimeZone); err == nil && s.TimeZone != "" {
		return t.In(loc).Format(time.RFC3339)
	}
	return t.UTC().Format(time.RFC3339)
}

// GetStore returns one store; ErrNotFound if there is none.
func GetStore(ctx context.Context, s *Session, id uuid.UUID) (Store, error) {
	var st Store
	err := s.Do(ctx, func(tx *sqlx.Tx) error {
		var err error
		st, err = getStore(ctx, tx, id)
		return err
	})
	return st, err
}

func getStore(ctx context.Context, tx *sqlx.Tx, id uuid.UUID) (Store, error) {
	var st Store
	err := tx.GetContext(ctx, &st, `select `+storeColumns+` from stores where id = $1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return Store{}, ErrNotFound
	}
	return st, err
}

// StoreInput is what an admin gives to onboard a store.
type StoreInput struct {
	Slug       string
	Name       string
	Category   string
	Currency   string
	TimeZone   string
	OwnerEmail string
}

func (in StoreInput) trimmed() StoreInput {
	in.Slug = strings.TrimSpace(in.Slug)
	in.Name = strings.TrimSpace(in.Name)
	in.Category = strings.TrimSpace(in.Category)
	in.Currency = strings.TrimSpace(in.Currency)
	in.TimeZone = strings.TrimSpace(in.TimeZone)
	in.OwnerEmail = strings.TrimSpace(in.OwnerEmail)
	return in
}

// ValidateStoreInput checks the shape of every field at once (what needs the database, the category and
// whether the slug is free, CreateStore checks).
func ValidateStoreInput(in StoreInput) RuleErrors {
	in = in.trimmed()
	var errs RuleErrors
	if !slugShape.MatchString(in.Slug) {
		errs = append(errs, Refuse("INVALID_SLUG",
			"slug must be 2 to 63 characters of lower-case letters, digits and '-', starting with a letter or digit", "input", "slug"))
	}
	if n := utf8.RuneCountInString(in.Name); n == 0 || n > maxStoreNameRunes {
		errs = append(errs, Refuse("INVALID_NAME", fmt.Sprintf("name must be 1 to %d characters", maxStoreNameRunes), "input", "name"))
	}
	if in.Category == "" {
		errs = append(errs, Refuse("UNKNOWN_CATEGORY", "give the store's main product category", "input", "category"))
	}
	if !currencyShape.MatchString(in.Currency) {
		errs = append(errs, Refuse("INVALID_CURRENCY", "currency must be an ISO 4217 code of three capital letters, e.g. TWD", "input", "currencyCode"))
	}
	if in.TimeZone == "" || in.TimeZone == "Local" {
		errs = append(errs, Refuse("INVALID_TIME_ZONE", "time zone must be an IANA zone name, e.g. Asia/Taipei", "input", "timeZone"))
	} else if _, err := time.LoadLocation(in.TimeZone); err != nil {
		errs = append(errs, Refuse("INVALID_TIME_ZONE", fmt.Sprintf("unknown time zone %q; use an IANA zone name, e.g. Asia/Taipei", in.TimeZone), "input", "timeZone"))
	}
	if !ValidEmail(in.OwnerEmail) {
		errs = append(errs, Refuse("INVALID_EMAIL", "owner e-mail must look like name@example.com", "input", "ownerEmail"))
	}
	return errs
}

func hasField(errs RuleErrors, field string) bool {
	for _, e := range errs {
		if len(e.Field) > 0 && e.Field[len(e.Field)-1] == field {
			return true
		}
	}
	return false
}

// CanCreateStore: onboarding stores is the platform's job.
func CanCreateStore(p Principal) error {
	if !p.Is(RoleAdmin) {
		return ErrForbidden
	}
	return nil
}

// CreateStore onboards a store (admins only): the store, ACTIVE, and an invitation for its owner, valid
// InviteTTL. The invitation's token is returned once, to be handed to the owner; only its hash is kept.
func CreateStore(ctx context.Context, s *Session, in StoreInput, now time.Time) (Store, Invite, string, error) {
	p := s.Principal()
	if err := CanCreateStore(p); err != nil {
		return Store{}, Invite{}, "", err
	}
	in = in.trimmed()
	errs := ValidateStoreInput(in)
	var (
		st    Store
		inv   Invite
		token string
	)
	err := s.Do(ctx, func(tx *sqlx.Tx) error {
		if !hasField(errs, "category") {
			var exists bool
			if err := tx.GetContext(ctx, &exists, `select exists (select 1 from categories where code = $1)`, in.Category); err != nil {
				return err
			}
			if !exists {
				errs = append(errs, Refuse("UNKNOWN_CATEGORY", fmt.Sprintf("there is no product category %q", in.Category), "input", "category"))
			}
		}
		if !hasField(errs, "slug") {
			var taken bool
			if err := tx.GetContext(ctx, &taken, `select exists (select 1 from stores where slug = $1)`, in.Slug); err != nil {
				return err
			}
			if taken {
				errs = append(errs, slugTaken(in.Slug))
			}
		}
		if !hasField(errs, "ownerEmail") {
			// Admins may know which e-mails have accounts; an invitation to one could never be accepted.
			var used bool
			if err := tx.GetContext(ctx, &used, `select exists (select 1 from users where lower(email) = lower($1))`, in.OwnerEmail); err != nil {
				return err
			}
			if used {
				errs = append(errs, Refuse("EMAIL_IN_USE", "an account with this e-mail already exists; a store owner needs an account of its own", "input", "ownerEmail"))
			}
		}
		if err := errs.Err(); err != nil {
			return err
		}
		// A concurrent onboarding of the same slug loses here, without breaking the transaction.
		err := tx.GetContext(ctx, &st, `insert into stores (id, slug, name, category, currency, time_zone, status, created_at)
			values ($1, $2, $3, $4, $5, $6, 'ACTIVE', $7) on conflict (slug) do nothing returning `+storeColumns,
			uuid.New(), in.Slug, in.Name, in.Category, in.Currency, in.TimeZone, now)
		if errors.Is(err, sql.ErrNoRows) {
			return slugTaken(in.Slug)
		}
		if err != nil {
			return err
		}
		actor, actorID := ActorOf(p)
		if err := insertLifecycleEvent(ctx, tx, LifecycleEvent{StoreID: &st.ID, At: now, Actor: actor, ActorID: actorID,
			Action: ActionStoreCreated, ToStatus: ptr(StoreActive)}); err != nil {
			return err
		}
		inv, token, err = insertInvite(ctx, tx, st, in.OwnerEmail, StaffOwner, p, now)
		return err
	})
	if err != nil {
		return Store{}, Invite{}, "", err
	}
	return st, inv, token, nil
}

func slugTaken(slug string) *RuleError {
	return Refuse("SLUG_TAKEN", fmt.Sprintf("the slug %q is already used by another store; choose another", slug), "input", "slug")
}
