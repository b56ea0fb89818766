package ratings

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"tradeguard/orders"
	"tradeguard/tenants"
)

// Platform defaults (DESIGN §3.3, §3.4). Every window is half-open: open from its start (inclusive) until its
// end (exclusive), so at the end instant it is closed.
const (
	MinStars = 1
	MaxStars = 5
	// NegativeAtMost: a rating with at most this many stars overall is negative (the database's generated
	// column ratings.negative says the same).
	NegativeAtMost = 2
	// MaxText is the longest comment or reply, in characters (Unicode code points, as PostgreSQL counts them).
	MaxText = 1000
	// RatingWindow: an order can be rated from its delivery until 15 × 24 h after it completed.
	RatingWindow = 15 * 24 * time.Hour
	// RevisionWindow: the buyer may revise its rating once, until 30 × 24 h after it was given.
	RevisionWindow = 30 * 24 * time.Hour
	// AveragesWindow: a store's averages count the ratings given in the 180 × 24 h before the as-of instant.
	AveragesWindow = 180 * 24 * time.Hour
)

// Action is something a caller can do to a rating once it exists.
type Action string

const (
	ActionRevise Action = "REVISE" // the buyer changes its stars and comment (once, within 30 days)
	ActionReply  Action = "REPLY"  // the store answers (once)
)

// Actions lists every action, in the order availableActions shows them.
var Actions = []Action{ActionRevise, ActionReply}

var (
	orderField  = []string{"input", "orderId"}
	ratingField = []string{"input", "ratingId"}
)

func at(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// validText: PostgreSQL text holds valid UTF-8 without NUL characters; anything else is refused rather than
// altered, since text is stored exactly as given.
func validText(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }

// ValidateInput checks the stars and the comment, reporting every problem at once with its input field:
// INVALID_STARS (each of the four is 1–5), COMMENT_TOO_LONG (more than 1000 characters), INVALID_CHARACTERS
// (not valid UTF-8, or a NUL character).
func ValidateInput(in Input) error {
	var errs tenants.RuleErrors
	for _, s := range []struct {
		v           int
		field, name string
	}{
		{in.Overall, "overall", "overall"},
		{in.DescriptionMatch, "descriptionMatch", "description match"},
		{in.ServiceAttitude, "serviceAttitude", "service attitude"},
		{in.LogisticsSpeed, "logisticsSpeed", "logistics speed"},
	} {
		if s.v < MinStars || s.v > MaxStars {
			errs = append(errs, tenants.Refuse("INVALID_STARS",
				fmt.Sprintf("%s is rated with %d to %d stars, not %d", s.name, MinStars, MaxStars, s.v), "input", s.field))
		}
	}
	errs = append(errs, checkText(in.Comment, "comment", "COMMENT_TOO_LONG", "a comment")...)
	return errs.Err()
}

// ValidateReply checks a store's reply: REPLY_REQUIRED (empty or only spaces), REPLY_TOO_LONG (more than 1000
// characters), INVALID_CHARACTERS.
func ValidateReply(text string) error {
	if strings.TrimSpace(text) == "" {
		return tenants.Refuse("REPLY_REQUIRED", fmt.Sprintf("a reply is 1 to %d characters", MaxText), "input", "text")
	}
	return tenants.RuleErrors(checkText(text, "text", "REPLY_TOO_LONG", "a reply")).Err()
}

func checkText(s, field, tooLong, what string) tenants.RuleErrors {
	if !validText(s) {
		return tenants.RuleErrors{tenants.Refuse("INVALID_CHARACTERS",
			what+" must be valid UTF-8 text without NUL characters", "input", field)}
	}
	if n := utf8.RuneCountInString(s); n > MaxText {
		return tenants.RuleErrors{tenants.Refuse(tooLong,
			fmt.Sprintf("%s is at most %d characters; this one has %d", what, MaxText, n), "input", field)}
	}
	return nil
}

// WindowCloses is when the order stops taking a rating: 15 days after it completed. ok is false while the
// order has not completed (a delivered order may be rated and has no end yet) or never will.
func WindowCloses(o orders.Order) (closes time.Time, ok bool) {
	if o.Status != orders.Completed || o.CompletedAt == nil {
		return time.Time{}, false
	}
	return o.CompletedAt.Add(RatingWindow), true
}

// CanRate says whether order o may be rated at now (its state and window; whether it was already rated is
// the database's to say): nil, NOT_DELIVERED (not delivered yet, or cancelled), or RATING_WINDOW_CLOSED (15
// days after completion have passed; the message has the dates).
func CanRate(o orders.Order, now time.Time) error {
	switch o.Status {
	case orders.Delivered:
		return nil
	case orders.Completed:
		if closes, ok := WindowCloses(o); ok && !now.Before(closes) {
			return tenants.Refuse("RATING_WINDOW_CLOSED", fmt.Sprintf(
				"an order can be rated until %d days after it completed: order %s completed at %s, so until %s",
				int(RatingWindow/(24*time.Hour)), o.Number, at(*o.CompletedAt), at(closes)), orderField...)
		}
		return nil
	case orders.Cancelled:
		return tenants.Refuse("NOT_DELIVERED", fmt.Sprintf("order %s was cancelled; only a delivered order can be rated", o.Number), orderField...)
	}
	return tenants.Refuse("NOT_DELIVERED", fmt.Sprintf("order %s is %s; it can be rated once it is delivered", o.Number, o.Status), orderField...)
}

// CanCreate says whether p may rate order o at now: tenants.ErrForbidden (only buyers rate),
// tenants.ErrNotFound (another buyer's order answers like a missing one), or CanRate's refusals.
func CanCreate(p tenants.Principal, o orders.Order, now time.Time) error {
	if !p.Is(tenants.RoleBuyer) {
		return tenants.ErrForbidden
	}
	if o.BuyerID != p.UserID {
		return tenants.ErrNotFound
	}
	return CanRate(o, now)
}

// RevisionCloses is when the buyer can no longer revise r: 30 days after it was given.
func RevisionCloses(r Rating) time.Time { return r.CreatedAt.Add(RevisionWindow) }

// CanRevise says whether r may still be revised at now: nil, REVISION_USED (it was revised already), or
// REVISION_WINDOW_CLOSED (30 days after the rating have passed; the message has the dates).
func CanRevise(r Rating, now time.Time) error {
	if r.RevisedAt != nil {
		return tenants.Refuse("REVISION_USED", fmt.Sprintf(
			"a rating can be revised once; this one was revised at %s", at(*r.RevisedAt)), ratingField...)
	}
	if closes := RevisionCloses(r); !now.Before(closes) {
		return tenants.Refuse("REVISION_WINDOW_CLOSED", fmt.Sprintf(
			"a rating can be revised until %d days after it was given: given at %s, so until %s",
			int(RevisionWindow/(24*time.Hour)), at(r.CreatedAt), at(closes)), ratingField...)
	}
	return nil
}

// CanReply says whether the store may still reply to r: nil or ALREADY_REPLIED.
func CanReply(r Rating) error {
	if r.RepliedAt != nil {
		return tenants.Refuse("ALREADY_REPLIED", fmt.Sprintf(
			"a store replies to a rating once; this one was answered at %s", at(*r.RepliedAt)), ratingField...)
	}
	return nil
}

// Can says whether p may take action a on rating r at now: nil, tenants.ErrForbidden (the role or the token's
// scopes never allow it), tenants.ErrNotFound (another buyer's rating, another store's rating: answered like
// a missing one), or a RuleError of CanRevise or CanReply. Reading a rating needs nothing: ratings are public.
//
// Revise: the rating's BUYER. Reply: the rating's store's MERCHANT staff (OWNER, AGENT) or an API token of
// that store with ratings:write. Admins do neither.
func Can(p tenants.Principal, r Rating, a Action, now time.Time) error {
	switch a {
	case ActionRevise:
		if !p.Is(tenants.RoleBuyer) {
			return tenants.ErrForbidden
		}
		if r.BuyerID != p.UserID {
			return tenants.ErrNotFound
		}
		return CanRevise(r, now)
	case ActionReply:
		if !p.Is(tenants.RoleMerchant) || !p.Allows(tenants.ScopeRatingsWrite) {
			return tenants.ErrForbidden
		}
		if r.StoreID != p.StoreID {
			return tenants.ErrNotFound
		}
		return CanReply(r)
	}
	return tenants.ErrForbidden
}

// Available lists the actions p may take on r now (Rating.availableActions).
func Available(p tenants.Principal, r Rating, now time.Time) []Action {
	out := []Action{}
	for _, a := range Actions {
		if Can(p, r, a, now) == nil {
			out = append(out, a)
		}
	}
	return out
}
