package words

import "testing"

func TestOr(t *testing.T) {
	for _, c := range []struct {
		in   []string
		want string
	}{
		{nil, ""},
		{[]string{"PAID"}, "PAID"},
		{[]string{"PAID", "SHIPPED"}, "PAID or SHIPPED"},
		{[]string{"A", "B", "C"}, "A, B or C"},
	} {
		if got := Or(c.in); got != c.want {
			t.Errorf("Or(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
