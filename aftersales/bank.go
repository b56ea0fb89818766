package aftersales

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"tradeguard/scheduler"
	"tradeguard/tenants"
)

// Refund routes: back by the order's own payment method, or by bank transfer to an account the buyer gives.
const (
	RouteOriginal     = "ORIGINAL"
	RouteBankTransfer = "BANK_TRANSFER"
)

// RefundWindows is how long after payment a refund can still go back by the payment method itself
// (DESIGN §3.2: configurable per method). A method not listed here, or with a zero window, is always refunded
// by bank transfer.
var RefundWindows = map[string]time.Duration{
	"CARD":             180 * 24 * time.Hour,
	"WALLET":           365 * 24 * time.Hour,
	"BANK_TRANSFER":    0,
	"CASH_ON_DELIVERY": 0,
}

// RefundWindow is how long after payment a refund may go back by method.
func RefundWindow(method string) time.Duration { return RefundWindows[method] }

// Route says how a refund of a payment made with method at paidAt goes at now: RouteOriginal while
// now < paidAt + the method's window, else RouteBankTransfer.
func Route(method string, paidAt, now time.Time) string {
	if w := RefundWindow(method); w > 0 && now.Before(paidAt.Add(w)) {
		return RouteOriginal
	}
	return RouteBankTransfer
}

// BankAccount is the account a buyer gives for a refund by bank transfer. Only the bank code and the
// masked number are ever stored; the holder and the full number live for the request only.
type BankAccount struct{ BankCode, Number, Holder string }

const (
	bankCodeDigits    = 3
	minAccountDigits  = 10
	maxAccountDigits  = 16
	maxHolderRunes    = 100
	accountDigitsShow = 4
)

// normalized trims the fields and drops the spaces and hyphens people write inside account numbers.
func (a BankAccount) normalized() BankAccount {
	a.BankCode = strings.TrimSpace(a.BankCode)
	a.Number = strings.NewReplacer(" ", "", "-", "").Replace(strings.TrimSpace(a.Number))
	a.Holder = strings.TrimSpace(a.Holder)
	return a
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// ValidateBankAccount checks every field at once: a 3-digit bank code (Taiwan's bank codes), an account
// number of 10 to 16 digits (spaces and hyphens inside it are ignored), and the holder's name of 1 to 100
// characters. The refusals are RuleErrors on input.bankAccount.<field>.
func ValidateBankAccount(a BankAccount) error {
	a = a.normalized()
	var errs tenants.RuleErrors
	if len(a.BankCode) != bankCodeDigits || !allDigits(a.BankCode) {
		errs = append(errs, tenants.Refuse("INVALID_BANK_CODE",
			fmt.Sprintf("the bank code is the bank's %d-digit code, e.g. 812", bankCodeDigits), "input", "bankCode"))
	}
	if n := len(a.Number); !allDigits(a.Number) || n < minAccountDigits || n > maxAccountDigits {
		errs = append(errs, tenants.Refuse("INVALID_BANK_ACCOUNT_NUMBER",
			fmt.Sprintf("the account number is %d to %d digits", minAccountDigits, maxAccountDigits), "input", "accountNumber"))
	}
	if n := utf8.RuneCountInString(a.Holder); n == 0 || n > maxHolderRunes {
		errs = append(errs, tenants.Refuse("INVALID_ACCOUNT_HOLDER",
			fmt.Sprintf("the account holder's name is 1 to %d characters", maxHolderRunes), "input", "holder"))
	}
	return errs.Err()
}

// Mask hides an account number but for its last 4 characters: "12345678901234" → "**********1234".
func Mask(number string) string {
	r := []rune(number)
	for i := 0; i < len(r)-accountDigitsShow; i++ {
		r[i] = '*'
	}
	return string(r)
}

// SetRefundAccount records the bank account the case's buyer wants a refund by transfer paid to: validated,
// and stored as the bank code and the masked number only. Any case that is not final takes one. When the
// case's refund failed and is due by transfer, a retry is scheduled at once.
func SetRefundAccount(ctx context.Context, s *tenants.Session, k Key, acct BankAccount, now time.Time) (Case, error) {
	p := s.Principal()
	if !p.Is(tenants.RoleBuyer) {
		return Case{}, tenants.ErrForbidden
	}
	if err := ValidateBankAccount(acct); err != nil {
		return Case{}, err
	}
	acct = acct.normalized()
	var c Case
	err := s.Do(ctx, func(tx *sqlx.Tx) error {
		var err error
		if c, err = lockCase(ctx, tx, k); err != nil {
			return err
		}
		if c.BuyerID != p.UserID {
			return tenants.ErrNotFound // row-level security already hides other buyers' cases
		}
		if c.Status.Final() {
			return tenants.Refuse("INVALID_STATE", fmt.Sprintf("case %s is %s; a refund account can be given while a case is open", c.Number, c.Status))
		}
		from := c.Status
		masked := Mask(acct.Number)
		c.RefundBankCode, c.RefundBankMasked = &acct.BankCode, &masked
		if err := save(ctx, tx, &c, now); err != nil {
			return err
		}
		if err := appendEvent(ctx, tx, p, c, "SET_REFUND_ACCOUNT", &from, nil, ptr("bank "+acct.BankCode+", account "+masked), now); err != nil {
			return err
		}
		if c.Status != RefundFailed {
			return nil
		}
		pay, err := orderPayment(ctx, tx, c, false)
		if err != nil {
			return err
		}
		if pay.route(now) != RouteBankTransfer {
			return nil
		}
		return scheduleRefundRetry(ctx, tx, c, now, now)
	})
	return c, err
}

// scheduleRefundRetry sets the case's automatic refund retry. It runs inside a transition's transaction
// (whose row-level context lets the caller write its own store's or its own deadlines), so it attaches a
// session of that transaction rather than taking the caller's session again.
func scheduleRefundRetry(ctx context.Context, tx *sqlx.Tx, c Case, due, now time.Time) error {
	return scheduler.Schedule(ctx, tenants.Attach(tx, tenants.System), scheduler.Deadline{TenantID: &c.StoreID,
		BuyerID: &c.BuyerID, Kind: KindRefundRetry, SubjectID: c.ID, DueAt: due}, now)
}
