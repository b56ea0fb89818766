package aftersales

import (
	"github.com/google/uuid"
	"github.com/lib/pq"

	"tradeguard/money"
)

func pqArray(ids []uuid.UUID) any { return pq.Array(ids) }

func moneyOf(c Case, minor int64) money.Money { return money.New(minor, c.Currency) }
