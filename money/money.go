// Package money is an amount in integer minor units with its ISO 4217 currency. Amounts are never floats.
package money

import (
	"fmt"
	"strings"
)

// Money is an amount of one currency in minor units (cents, fen, ...).
type Money struct {
	Minor    int64
	Currency string
}

// New is a shorthand for Money{minor, currency}.
func New(minor int64, currency string) Money { return Money{Minor: minor, Currency: currency} }

// exponents lists the currencies whose minor unit is not 1/100 (ISO 4217).
var exponents = map[string]int{"JPY": 0, "KRW": 0, "VND": 0, "CLP": 0, "ISK": 0, "BHD": 3, "KWD": 3, "JOD": 3, "OMR": 3, "TND": 3}

// Exponent is the number of decimal places of the currency's minor unit.
func Exponent(currency string) int {
	if e, ok := exponents[currency]; ok {
		return e
	}
	return 2
}

// Decimal formats the amount as a decimal string in major units, e.g. 123456 TWD -> "1234.56".
func (m Money) Decimal() string {
	exp := Exponent(m.Currency)
	sign, v := "", m.Minor
	if v < 0 {
		sign, v = "-", -v
	}
	if exp == 0 {
		return fmt.Sprintf("%s%d", sign, v)
	}
	s := fmt.Sprintf("%0*d", exp+1, v)
	return sign + s[:len(s)-exp] + "." + s[len(s)-exp:]
}

func (m Money) String() string { return m.Decimal() + " " + m.Currency }

// ParseDecimal reads a decimal string in major units into minor units, refusing more decimals than the
// currency has (no silent rounding of money).
func ParseDecimal(s, currency string) (Money, error) {
	exp := Exponent(currency)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" || len(frac) > exp || strings.Trim(whole+frac, "0123456789") != "" || len(whole) > 15 {
		return Money{}, fmt.Errorf("%q is not an amount of %s with at most %d decimals", s, currency, exp)
	}
	frac += strings.Repeat("0", exp-len(frac))
	var v int64
	for _, c := range whole + frac {
		v = v*10 + int64(c-'0')
	}
	if neg {
		v = -v
	}
	return Money{Minor: v, Currency: currency}, nil
}

// Amount and CurrencyCode are the GraphQL Money fields.
func (m Money) Amount() string       { return m.Decimal() }
func (m Money) CurrencyCode() string { return m.Currency }
