// Package lifecycle is the end of a store's and of a buyer account's life: closing a store (CLOSING for 48 h,
// then CLOSED) and deleting an account (48 h, then its personal data is anonymized). Both are refused while
// business is open, with the list of what blocks them, and both are finished by the scheduler.
//
// It sits above orders: it reads what is unfinished there, and anonymizes a deleted buyer's orders.
package lifecycle

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

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
	// BlockerMore stands for the blockers beyond MaxBlockers; its Label is how many there are.
	BlockerMore = "MORE"
)

// Blocker is one piece of open business that stops a store from closing or an account from being deleted.
type Blocker struct {
	Kind    string    // ORDER (later CASE), or MORE
	ID      uuid.UUID // the order (zero for MORE)
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
func openBusiness(code, who, what string, unfinishedOrders int) *tenants.RuleError {
	return tenants.Refuse(code, fmt.Sprintf("%s has open business: %d unfinished %s (each is listed as a blocker); %s once every order is completed or cancelled",
		who, unfinishedOrders, plural(unfinishedOrders, "order", "orders"), what))
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
