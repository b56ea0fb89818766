package money

import "testing"

func TestDecimalRoundTrip(t *testing.T) {
	cases := []struct {
		minor    int64
		currency string
		want     string
	}{
		{0, "TWD", "0.00"},
		{5, "USD", "0.05"},
		{123456, "CNY", "1234.56"},
		{-199, "USD", "-1.99"},
		{1500, "JPY", "1500"},
		{1234, "KWD", "1.234"},
	}
	for _, c := range cases {
		got := New(c.minor, c.currency).Decimal()
		if got != c.want {
			t.Errorf("Decimal(%d %s) = %q, want %q", c.minor, c.currency, got, c.want)
		}
		back, err := ParseDecimal(got, c.currency)
		if err != nil || back.Minor != c.minor {
			t.Errorf("ParseDecimal(%q) = %v, %v; want %d", got, back, err, c.minor)
		}
	}
}

func TestParseDecimalRefusesRounding(t *testing.T) {
	for _, s := range []string{"1.234", "abc", "", ".5", "1e3", "1.2.3", "9999999999999999"} {
		if _, err := ParseDecimal(s, "USD"); err == nil {
			t.Errorf("ParseDecimal(%q) accepted", s)
		}
	}
	if m, err := ParseDecimal("12.5", "USD"); err != nil || m.Minor != 1250 {
		t.Errorf("ParseDecimal(12.5) = %v, %v", m, err)
	}
}
