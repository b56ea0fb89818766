// Package payments is the boundary to the payment provider: charges and refunds go through an Adapter.
// The default adapter records the movement and succeeds; tests plug in one that declines.
package payments

import (
	"context"
	"errors"

	"github.com/google/uuid"

	"tradeguard/money"
)

// Request is one money movement for an order.
type Request struct {
	StoreID        uuid.UUID
	OrderID        uuid.UUID
	Method         string // CARD, WALLET, BANK_TRANSFER, CASH_ON_DELIVERY
	Amount         money.Money
	IdempotencyKey string // passed on, so the provider never moves the money twice either
	// A refund by bank transfer: the bank and the buyer's account as stored (masked; the provider's own
	// records of the buyer's account complete it).
	BankCode          string
	BankAccountMasked string
}

// Result is the provider's answer to a movement it accepted.
type Result struct {
	ProviderRef string
}

// Adapter moves money. An error wrapping *Declined is the provider's refusal (recorded, shown to the
// caller); any other error is a failure to reach the provider (the operation is retried or rolled back).
type Adapter interface {
	Charge(ctx context.Context, r Request) (Result, error)
	Refund(ctx context.Context, r Request) (Result, error)
}

// Declined is the provider's refusal, with its reason ("card declined", "insufficient funds").
type Declined struct{ Reason string }

func (d *Declined) Error() string { return "payment declined: " + d.Reason }

// IsDeclined tells a refusal from a failure.
func IsDeclined(err error) (*Declined, bool) {
	var d *Declined
	ok := errors.As(err, &d)
	return d, ok
}

// Recorder is the default adapter: it accepts every movement and returns a reference derived from the
// idempotency key, so a repeated request gets the same reference.
type Recorder struct{}

func (Recorder) Charge(_ context.Context, r Request) (Result, error) {
	return Result{ProviderRef: ref("ch", r)}, nil
}
func (Recorder) Refund(_ context.Context, r Request) (Result, error) {
	return Result{ProviderRef: ref("rf", r)}, nil
}

func ref(prefix string, r Request) string {
	if r.IdempotencyKey != "" {
		return prefix + "_" + uuid.NewSHA1(r.OrderID, []byte(r.IdempotencyKey)).String()
	}
	return prefix + "_" + uuid.NewString()
}

// Scripted declines what its functions say to decline (tests); nil functions accept.
type Scripted struct {
	DeclineCharge func(Request) string // non-empty reason = decline
	DeclineRefund func(Request) string
	FailRefund    func(Request) error // provider unreachable
}

func (s Scripted) Charge(ctx context.Context, r Request) (Result, error) {
	if s.DeclineCharge != nil {
		if reason := s.DeclineCharge(r); reason != "" {
			return Result{}, &Declined{Reason: reason}
		}
	}
	return Recorder{}.Charge(ctx, r)
}

func (s Scripted) Refund(ctx context.Context, r Request) (Result, error) {
	if s.FailRefund != nil {
		if err := s.FailRefund(r); err != nil {
			return Result{}, err
		}
	}
	if s.DeclineRefund != nil {
		if reason := s.DeclineRefund(r); reason != "" {
			return Result{}, &Declined{Reason: reason}
		}
	}
	return Recorder{}.Refund(ctx, r)
}
