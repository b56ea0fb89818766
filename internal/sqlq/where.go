// Package sqlq builds the WHERE clauses of list queries whose filters are optional, numbering the
// placeholders so that user input always travels as a bind parameter, never as SQL text.
package sqlq

import (
	"strconv"
	"strings"
)

// Where collects conditions joined with AND and their arguments.
type Where struct {
	conds []string
	Args  []any
}

// Add appends a condition; each "?" in it becomes the next numbered placeholder, bound to the next arg.
func (w *Where) Add(cond string, args ...any) {
	var b strings.Builder
	i := 0
	for _, r := range cond {
		if r == '?' && i < len(args) {
			b.WriteString(w.Arg(args[i]))
			i++
			continue
		}
		b.WriteRune(r)
	}
	w.conds = append(w.conds, b.String())
}

// Arg binds one more argument and returns its placeholder ("$n").
func (w *Where) Arg(v any) string {
	w.Args = append(w.Args, v)
	return "$" + strconv.Itoa(len(w.Args))
}

// SQL is the conditions joined with AND ("true" when there are none).
func (w *Where) SQL() string {
	if len(w.conds) == 0 {
		return "true"
	}
	return strings.Join(w.conds, " and ")
}

// Contains makes user text match literally as a substring in ILIKE.
func Contains(s string) string {
	return "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s) + "%"
}
