package orders

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"tradeguard/tenants"
)

// Anonymized is what replaces personal data in an order: the order stays for the records, its buyer's
// name, phone and address do not.
const Anonymized = "[anonymized]"

// UnfinishedStatuses are the states in which an order still needs something to happen.
var UnfinishedStatuses = []Status{PendingPayment, Paid, Shipped, Delivered}

// AnonymizeBuyer removes the buyer's personal data from every order of theirs (account deletion).
func AnonymizeBuyer(ctx context.Context, s *tenants.Session, buyerID uuid.UUID, now time.Time) (int64, error) {
	var n int64
	err := s.Do(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `update orders set buyer_name = $2, ship_name = $2, ship_phone = $2, ship_address = $2,
			anonymized_at = $3 where buyer_id = $1 and anonymized_at is null`, buyerID, Anonymized, now)
		if err == nil {
			n, err = res.RowsAffected()
		}
		return err
	})
	return n, err
}

// anonymizeOrder removes the personal data of one order (the retention period has passed).
func anonymizeOrder(ctx context.Context, s *tenants.Session, k Key, now time.Time) error {
	return s.Do(ctx, func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, `update orders set buyer_name = $3, ship_name = $3, ship_phone = $3, ship_address = $3,
			anonymized_at = $4 where tenant_id = $1 and id = $2 and anonymized_at is null`, k.StoreID, k.ID, Anonymized, now)
		return err
	})
}
