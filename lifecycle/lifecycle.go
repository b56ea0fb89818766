// Package lifecycle is the end of a store's and of a buyer account's life: closing a store (CLOSING for 48 h,
// then CLOSED) and deleting an account (48 h, then its personal data is anonymized). Both are refused while
// business is open, with the list of what blocks them, and both are finished by the scheduler.
//
// It sits above orders: it reads what is unfinished there, and anonymizes a deleted buyer's orders.
package lifecycle

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"tradeguard/aftersales"
	"tradeguard/scheduler"
	"tradeguard/tenants"
)

// Windows in which the request may be withdrawn, before the scheduler acts.
const (
	CloseWindow    = 48 * time.Hour
	DeletionWindow = 48 * time.Hour
)

// Deadline kinds this package schedules and handles.
const (
	KindStoreClose    = "store.close"
	KindAccountDelete = "account.delete"
)

// MaxBlockers is how many blockers a refusal lists one by one; the rest are summed up in one MORE blocker.
const MaxBlockers = 100

// Blocker kinds.
const (
	BlockerOrder = "ORDER"
	// BlockerCase is an open after-sales case (a cancel request, refund, return, complaint or arbitration).
	BlockerCase = "CASE"
	// BlockerMore stands for the blockers beyond MaxBlockers; its Label is how many there are.
	BlockerMore = "MORE"
)

// Blocker is one piece of open business that stops a store from closing or an account from being deleted.
type Blocker struct {
	Kind    string    // ORDER, CASE, or MORE
	ID      uuid.UUID // the order or case (zero for MORE)
	StoreID uuid.UUID
	Label   string // the order number; for MORE, how many more blockers there are
	Status  string // the order's status
}

// Handlers are the deadline handlers of this package, by kind, for the scheduler's Runner.
func Handlers() map[string]scheduler.Handler {
	return map[string]scheduler.Handler{
		KindStoreClose:    CloseStore,
		KindAccountDelete: DeleteAccount,
	}
}

// CanCloseStore: only a store's owner (a person, not an agent or an API token) closes it or withdraws that.
func CanCloseStore(p tenants.Principal) error {
	if !p.IsStoreOwner() || p.StoreID == uuid.Nil || p.UserID == uuid.Nil {
		return tenants.ErrForbidden
	}
	return nil
}

// CanDeleteAccount: buyers delete their own accounts (staff leave a store through its owner; admins are
// managed by the platform).
func CanDeleteAccount(p tenants.Principal) error {
	if !p.Is(tenants.RoleBuyer) || p.UserID == uuid.Nil {
		return tenants.ErrForbidden
	}
	return nil
}

// openBusiness is the refusal that goes with a list of blockers: it says how many and of what kind.
func openBusiness(code, who, what string, unfinishedOrders, openCases int) *tenants.RuleError {
	return tenants.Refuse(code, fmt.Sprintf("%s has open business: %d unfinished %s and %d open after-sales %s (each is listed as a blocker); %s once every order is completed or cancelled and every case is closed",
		who, unfinishedOrders, plural(unfinishedOrders, "order", "orders"), openCases, plural(openCases, "case", "cases"), what))
}

// withCases adds the open after-sales cases matching f to a list of order blockers, keeping at most
// MaxBlockers listed and one MORE for the rest; it returns the list and how many orders and cases block.
func withCases(ctx context.Context, s *tenants.Session, orderBlockers []Blocker, orderTotal int, f aftersales.Filter) ([]Blocker, int, int, error) {
	out := make([]Blocker, 0, len(orderBlockers)+1)
	for _, b := range orderBlockers {
		if b.Kind != BlockerMore {
			out = append(out, b)
		}
	}
	f.OpenOnly = true
	room := max(MaxBlockers-len(out), 0)
	cases, more, err := aftersales.List(ctx, s, f, nil, max(room, 1), time.Time{})
	if err != nil {
		return nil, 0, 0, err
	}
	caseTotal := len(cases)
	if more {
		if caseTotal, err = aftersales.Count(ctx, s, f, time.Time{}); err != nil {
			return nil, 0, 0, err
		}
	}
	for i, c := range cases {
		if i >= room {
			break
		}
		out = append(out, Blocker{Kind: BlockerCase, ID: c.ID, StoreID: c.StoreID, Label: c.Number, Status: string(c.Status)})
	}
	if rest := orderTotal + caseTotal - len(out); rest > 0 {
		var store uuid.UUID
		if f.StoreID != nil {
			store = *f.StoreID
		}
		out = append(out, Blocker{Kind: BlockerMore, StoreID: store, Label: strconv.Itoa(rest)})
	}
	return out, orderTotal, caseTotal, nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// summarize names up to ten blockers by their labels, e.g. "LE-000012, LE-000031 and 3 more".
func summarize(bs []Blocker, total int) string {
	var labels []string
	for _, b := range bs {
		if b.Kind != BlockerMore && len(labels) < 10 {
			labels = append(labels, b.Label)
		}
	}
	s := strings.Join(labels, ", ")
	if rest := total - len(labels); rest > 0 {
		s += " and " + strconv.Itoa(rest) + " more"
	}
	return s
}

func utc(t time.Time) string { return t.UTC().Format(time.RFC3339) }
