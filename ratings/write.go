package ratings

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"tradeguard/orders"
	"tradeguard/tenants"
)

// Create rates an order [the order's BUYER]: once per order (ALREADY_RATED), from its delivery until 15 days
// after it completed (NOT_DELIVERED, RATING_WINDOW_CLOSED), with valid stars and comment (ValidateInput).
// Another buyer's order, or a missing one, is tenants.ErrNotFound; any other role is tenants.ErrForbidden.
// Two concurrent calls for one order give one rating: the other gets ALREADY_RATED.
func Create(ctx context.Context, s *tenants.Session, k orders.Key, in Input, now time.Time) (Rating, error) {
	p := s.Principal()
	if !p.Is(tenants.RoleBuyer) {
		return Rating{}, tenants.ErrForbidden
	}
	if err := ValidateInput(in); err != nil {
		return Rating{}, err
	}
	found, err := orders.ByKeys(ctx, s, []orders.Key{k})
	if err != nil {
		return Rating{}, err
	}
	if len(found) == 0 {
		return Rating{}, tenants.ErrNotFound
	}
	o := found[0]
	if o.BuyerID != p.UserID {
		return Rating{}, tenants.ErrNotFound
	}
	var r Rating
	err = s.Do(ctx, func(tx *sqlx.Tx) error {
		if err := alreadyRated(ctx, tx, o); err != nil {
			return err
		}
		if err := CanCreate(p, o, now); err != nil {
			return err
		}
		// A concurrent Create of the same order waits on the unique key here and then inserts nothing.
		err := tx.GetContext(ctx, &r, `insert into ratings (tenant_id, id, order_id, buyer_id, overall, description_match,
				service_attitude, logistics_speed, comment, initial_overall, initial_description_match,
				initial_service_attitude, initial_logistics_speed, initial_comment, created_at)
			values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $5, $6, $7, $8, $9, $10)
			on conflict (tenant_id, order_id) do nothing
			returning `+columns,
			o.StoreID, uuid.New(), o.ID, o.BuyerID, in.Overall, in.DescriptionMatch, in.ServiceAttitude, in.LogisticsSpeed,
			in.Comment, now)
		if errors.Is(err, sql.ErrNoRows) {
			if err := alreadyRated(ctx, tx, o); err != nil {
				return err
			}
			// Under a snapshot that predates the other rating, it is not visible to read back.
			return tenants.Refuse("ALREADY_RATED", fmt.Sprintf("order %s is already rated; a rating can be revised once within %d days",
				o.Number, int(RevisionWindow/(24*time.Hour))), orderField...)
		}
		return err
	})
	if err != nil {
		return Rating{}, err
	}
	return r, nil
}

// alreadyRated refuses with ALREADY_RATED (and the rating's date) if the order has a rating.
func alreadyRated(ctx context.Context, tx *sqlx.Tx, o orders.Order) error {
	var given []time.Time
	if err := tx.SelectContext(ctx, &given, `select created_at from ratings where tenant_id = $1 and order_id = $2`,
		o.StoreID, o.ID); err != nil {
		return err
	}
	if len(given) == 0 {
		return nil
	}
	return tenants.Refuse("ALREADY_RATED", fmt.Sprintf(
		"order %s was rated at %s and is rated once; the rating can be revised once until %s",
		o.Number, at(given[0]), at(given[0].Add(RevisionWindow))), orderField...)
}

// Revise changes a rating's stars and comment [the rating's BUYER]: once (REVISION_USED), until 30 days after
// the rating was given (REVISION_WINDOW_CLOSED), with valid stars and comment. The first version is kept.
// Another buyer's rating is tenants.ErrNotFound (ratings are public, but only their buyer may change them).
func Revise(ctx context.Context, s *tenants.Session, k Key, in Input, now time.Time) (Rating, error) {
	p := s.Principal()
	if !p.Is(tenants.RoleBuyer) {
		return Rating{}, tenants.ErrForbidden
	}
	if err := ValidateInput(in); err != nil {
		return Rating{}, err
	}
	return change(ctx, s, k, ActionRevise, now, `update ratings set overall = $3, description_match = $4,
			service_attitude = $5, logistics_speed = $6, comment = $7, revised_at = $8
		where tenant_id = $1 and id = $2 returning `+columns,
		in.Overall, in.DescriptionMatch, in.ServiceAttitude, in.LogisticsSpeed, in.Comment, now)
}

// Reply answers a rating [the rating's store's MERCHANT staff, or its API token with ratings:write]: once
// (ALREADY_REPLIED), 1–1000 characters (ValidateReply), stored as given. Another store's rating is
// tenants.ErrNotFound; buyers, admins and tokens without the scope get tenants.ErrForbidden.
func Reply(ctx context.Context, s *tenants.Session, k Key, text string, now time.Time) (Rating, error) {
	p := s.Principal()
	if !p.Is(tenants.RoleMerchant) || !p.Allows(tenants.ScopeRatingsWrite) {
		return Rating{}, tenants.ErrForbidden
	}
	if err := ValidateReply(text); err != nil {
		return Rating{}, err
	}
	var by, byToken *uuid.UUID
	switch {
	case p.StaffRole == tenants.StaffAPI && p.TokenID != uuid.Nil:
		byToken = &p.TokenID
	case p.UserID != uuid.Nil:
		by = &p.UserID
	default:
		return Rating{}, tenants.ErrForbidden
	}
	return change(ctx, s, k, ActionReply, now, `update ratings set reply = $3, replied_at = $4, replied_by = $5,
			replied_by_token = $6
		where tenant_id = $1 and id = $2 returning `+columns,
		text, now, by, byToken)
}

// change locks the rating (row-level security lets a buyer lock only its own ratings and a store only its
// own, so another's is not found), checks the rules for the caller, and applies the update.
func change(ctx context.Context, s *tenants.Session, k Key, a Action, now time.Time, update string, args ...any) (Rating, error) {
	var r Rating
	err := s.Do(ctx, func(tx *sqlx.Tx) error {
		err := tx.GetContext(ctx, &r, `select `+columns+` from ratings where tenant_id = $1 and id = $2 for update`, k.StoreID, k.ID)
		if errors.Is(err, sql.ErrNoRows) {
			return tenants.ErrNotFound
		}
		if err != nil {
			return err
		}
		if err := Can(s.Principal(), r, a, now); err != nil {
			return err
		}
		return tx.GetContext(ctx, &r, update, append([]any{k.StoreID, k.ID}, args...)...)
	})
	if err != nil {
		return Rating{}, err
	}
	return r, nil
}
