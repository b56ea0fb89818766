package migrations_test

import (
	"strings"
	"testing"
)

// TestAnAccountWorksForOneStore: the account's store is users.staff_store_id, and a staff row in any other
// store is refused by the database (store_staff's foreign key to it), as is changing the account's store.
func TestAnAccountWorksForOneStore(t *testing.T) {
	owner, app := loaded(t)
	tx := owner.MustBegin()
	defer tx.Rollback()
	tx.MustExec(setContext, "system", "", "")
	var other string
	if err := tx.Get(&other, `select id::text from stores where slug = 'maple-apparel'`); err != nil {
		t.Fatal(err)
	}
	tx.MustExec(`savepoint s`)
	_, err := tx.Exec(`insert into store_staff (tenant_id, user_id, staff_role)
		select $1, id, 'AGENT' from users where email = 'owner@lotus-electronics.test'`, other)
	if err == nil || !strings.Contains(err.Error(), "store_staff_account_store") {
		t.Fatalf("lotus' owner as staff of maple: %v, want the store_staff_account_store foreign key refusing it", err)
	}
	tx.MustExec(`rollback to savepoint s`)
	var n int
	if err := tx.Get(&n, `select count(*) from users u join store_staff s on s.user_id = u.id
		where u.staff_store_id is distinct from s.tenant_id`); err != nil || n != 0 {
		t.Fatalf("%d staff rows disagree with their account's store (%v)", n, err)
	}
	// The app role cannot move an account to another store, even its own.
	atx := app.MustBegin()
	defer atx.Rollback()
	atx.MustExec(setContext, "system", "", "")
	if _, err := atx.Exec(`update users set staff_store_id = $1 where email = 'owner@lotus-electronics.test'`, other); err == nil ||
		!strings.Contains(err.Error(), "permission denied") {
		t.Fatalf("the app role moving an account's store: %v, want permission denied", err)
	}
}
