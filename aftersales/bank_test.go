package aftersales

// Bank accounts for refunds by transfer, masking, and the refund route at the window's edge (no database).
// This file is in the package itself so it can also hand startRefund to the database tests of
// refund_test.go (the export_test idiom): they call it from many transactions at once.

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"tradeguard/tenants"
)

// StartRefundForTest is startRefund, for the refund tests of package aftersales_test.
var StartRefundForTest = startRefund

func TestBankAccountValidation(t *testing.T) {
	valid := BankAccount{BankCode: "812", Number: "1234567890123", Holder: "Lin Mei"}
	field := func(name string) []string { return []string{"input", name} }
	cases := []struct {
		name  string
		acct  BankAccount
		codes []string
		field [][]string
	}{
		{"valid", valid, nil, nil},
		{"ten digits", BankAccount{"004", "1234567890", "A"}, nil, nil},
		{"sixteen digits", BankAccount{"004", "1234567890123456", strings.Repeat("名", 100)}, nil, nil},
		{"spaces and hyphens inside the number", BankAccount{" 812 ", "1234-5678 9012", " Lin Mei "}, nil, nil},
		{"bank code of two digits", BankAccount{"81", valid.Number, valid.Holder}, []string{"INVALID_BANK_CODE"}, [][]string{field("bankCode")}},
		{"bank code of four digits", BankAccount{"8120", valid.Number, valid.Holder}, []string{"INVALID_BANK_CODE"}, [][]string{field("bankCode")}},
		{"bank code with a letter", BankAccount{"81A", valid.Number, valid.Holder}, []string{"INVALID_BANK_CODE"}, [][]string{field("bankCode")}},
		{"empty bank code", BankAccount{"", valid.Number, valid.Holder}, []string{"INVALID_BANK_CODE"}, [][]string{field("bankCode")}},
		{"nine digits", BankAccount{"812", "123456789", valid.Holder}, []string{"INVALID_BANK_ACCOUNT_NUMBER"}, [][]string{field("accountNumber")}},
		{"seventeen digits", BankAccount{"812", "12345678901234567", valid.Holder}, []string{"INVALID_BANK_ACCOUNT_NUMBER"}, [][]string{field("accountNumber")}},
		{"letters in the number", BankAccount{"812", "12345678901X", valid.Holder}, []string{"INVALID_BANK_ACCOUNT_NUMBER"}, [][]string{field("accountNumber")}},
		{"full-width digits", BankAccount{"812", "１２３４５６７８９０", valid.Holder}, []string{"INVALID_BANK_ACCOUNT_NUMBER"}, [][]string{field("accountNumber")}},
		{"empty holder", BankAccount{"812", valid.Number, "   "}, []string{"INVALID_ACCOUNT_HOLDER"}, [][]string{field("holder")}},
		{"holder of 101 characters", BankAccount{"812", valid.Number, strings.Repeat("名", 101)}, []string{"INVALID_ACCOUNT_HOLDER"}, [][]string{field("holder")}},
		{"everything wrong at once", BankAccount{}, []string{"INVALID_BANK_CODE", "INVALID_BANK_ACCOUNT_NUMBER", "INVALID_ACCOUNT_HOLDER"},
			[][]string{field("bankCode"), field("accountNumber"), field("holder")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidateBankAccount(tc.acct)
			if tc.codes == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			errs, ok := tenants.AsRuleErrors(err)
			if !ok {
				t.Fatalf("want rule errors %v, got %v", tc.codes, err)
			}
			var codes []string
			var fields [][]string
			for _, e := range errs {
				codes, fields = append(codes, e.Code), append(fields, e.Field)
			}
			if !slices.Equal(codes, tc.codes) {
				t.Errorf("codes %v, want %v", codes, tc.codes)
			}
			if !slices.EqualFunc(fields, tc.field, slices.Equal[[]string]) {
				t.Errorf("fields %v, want %v", fields, tc.field)
			}
		})
	}
}

func TestBankAccountMask(t *testing.T) {
	for in, want := range map[string]string{
		"1234567890":       "******7890",
		"1234567890123456": "************3456",
		"1234":             "1234",
		"123":              "123",
		"":                 "",
	} {
		if got := Mask(in); got != want {
			t.Errorf("Mask(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRefundRouteAtTheWindowEdge(t *testing.T) {
	paid := time.Date(2026, 1, 10, 3, 4, 5, 0, time.UTC)
	day := 24 * time.Hour
	cases := []struct {
		method string
		at     time.Duration
		want   string
	}{
		{"CARD", 0, RouteOriginal},
		{"CARD", 180*day - time.Second, RouteOriginal},
		{"CARD", 180 * day, RouteBankTransfer},
		{"CARD", 400 * day, RouteBankTransfer},
		{"WALLET", 365*day - time.Second, RouteOriginal},
		{"WALLET", 365 * day, RouteBankTransfer},
		{"BANK_TRANSFER", 0, RouteBankTransfer},
		{"CASH_ON_DELIVERY", 0, RouteBankTransfer},
		{"SOMETHING_NEW", 0, RouteBankTransfer},
	}
	for _, tc := range cases {
		if got := Route(tc.method, paid, paid.Add(tc.at)); got != tc.want {
			t.Errorf("Route(%s, paid + %v) = %s, want %s", tc.method, tc.at, got, tc.want)
		}
	}
	if RefundWindow("CARD") != 180*day || RefundWindow("WALLET") != 365*day || RefundWindow("CASH_ON_DELIVERY") != 0 {
		t.Errorf("refund windows: card %v, wallet %v, cash on delivery %v", RefundWindow("CARD"), RefundWindow("WALLET"), RefundWindow("CASH_ON_DELIVERY"))
	}
}

func TestSetRefundAccountRefusesBeforeTheDatabase(t *testing.T) {
	// Neither a non-buyer nor an invalid account gets as far as the session (a nil session would panic).
	ok := BankAccount{BankCode: "812", Number: "1234567890", Holder: "Lin"}
	if _, err := SetRefundAccount(t.Context(), tenants.NewSession(nil, tenants.Principal{Role: tenants.RoleMerchant}, false), Key{}, ok, time.Now()); !errors.Is(err, tenants.ErrForbidden) {
		t.Errorf("merchant: %v, want forbidden", err)
	}
	_, err := SetRefundAccount(t.Context(), tenants.NewSession(nil, tenants.Principal{Role: tenants.RoleBuyer}, false), Key{}, BankAccount{BankCode: "1"}, time.Now())
	if errs, _ := tenants.AsRuleErrors(err); len(errs) != 3 {
		t.Errorf("invalid account: %v, want three refusals", err)
	}
}
