// Package words writes lists the way refusal messages say them.
package words

import "strings"

// Or joins values as "A", "A or B", "A, B or C".
func Or[T ~string](vs []T) string {
	var b strings.Builder
	for i, v := range vs {
		switch {
		case i == 0:
		case i == len(vs)-1:
			b.WriteString(" or ")
		default:
			b.WriteString(", ")
		}
		b.WriteString(string(v))
	}
	return b.String()
}
