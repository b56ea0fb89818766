package tenants_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"tradeguard/tenants"
)

// Become switches a held transaction to another principal: row-level security then shows exactly what that
// principal's own requests would see, and switching back to the system shows everything again.
func TestBecomeSwitchesTheRowLevelContext(t *testing.T) {
	e := newAuth(t)
	ctx := context.Background()
	var buyer uuid.UUID
	if err := e.app.Get(&buyer, `select id from users where email = $1`, buyer1); err == nil {
		t.Fatal("the app role read users without a context") // RLS: nothing is visible outside a context
	}
	err := tenants.Run(ctx, e.app, tenants.System, func(tx *sqlx.Tx) error {
		if err := tx.Get(&buyer, `select id from users where email = $1`, buyer1); err != nil {
			return err
		}
		count := func() (all, others int) {
			if err := tx.Get(&all, `select count(*) from orders`); err != nil {
				t.Fatal(err)
			}
			if err := tx.Get(&others, `select count(*) from orders where buyer_id <> $1`, buyer); err != nil {
				t.Fatal(err)
			}
			return all, others
		}
		sysAll, _ := count()
		s, err := tenants.Become(ctx, tx, tenants.Principal{Role: tenants.RoleBuyer, UserID: buyer})
		if err != nil {
			return err
		}
		if s.Principal().UserID != buyer {
			t.Errorf("session acts for %v", s.Principal())
		}
		mine, others := count()
		if others != 0 || mine == 0 || mine >= sysAll {
			t.Errorf("as the buyer: %d orders, %d of other buyers (the system sees %d)", mine, others, sysAll)
		}
		if _, err := tenants.Become(ctx, tx, tenants.System); err != nil {
			return err
		}
		if again, _ := count(); again != sysAll {
			t.Errorf("back as the system: %d orders, want %d", again, sysAll)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
