package aftersales

import (
	"github.com/google/uuid"
	"github.com/lib/pq"

	"tradeguard/money"
	"tradeguard/tenants"
)

func pqArray(ids []uuid.UUID) any { return pq.Array(ids) }

func moneyOf(c Case, minor int64) money.Money { return money.New(minor, c.Currency) }

// CodeAmountNotPositive refuses an amount of money of 0 or less wherever one is given (a case's amount asked, an
// approval, a revision, a ruling for the buyer, a complaint's refund or compensation): the amount given is
// money to move, and a request that would end REFUNDED with nothing moved is not a refund. A store that wants
// to give nothing rejects the case instead.
const CodeAmountNotPositive = "AMOUNT_NOT_POSITIVE"

// notPositive is the refusal of a given amount that is not more than 0, on input.amount.
func notPositive(minor *int64, message string) *tenants.RuleError {
	if minor == nil || *minor > 0 {
		return nil
	}
	return tenants.Refuse(CodeAmountNotPositive, message, "input", "amount")
}
