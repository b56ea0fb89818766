package limits

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Variables checks the request's variables as decoded from JSON, before anything else reads them: lists
// and objects nested at most MaxInputDepth deep, lists of at most MaxListItems, at most MaxInputValues
// values in all, and no text that no field accepts (invalid UTF-8, NUL). Each value is visited once, and
// nothing is allocated unless a value is refused.
func Variables(vars map[string]any) *gqlerror.Error {
	c := varCheck{}
	names := make([]string, 0, len(vars))
	for name := range vars {
		names = append(names, name)
	}
	sort.Strings(names) // the same request always gets the same refusal
	for _, name := range names {
		if r := c.value(vars[name], 0); r != nil {
			r.path = append(r.path, "$"+name)
			slices.Reverse(r.path)
			return refuseField(r.code, r.path, "variable "+pathString(r.path)+": "+r.msg)
		}
	}
	return nil
}

type varCheck struct{ values int }

// varRefusal is built on the way back up from the refused value: path holds its keys innermost first.
type varRefusal struct {
	code, msg string
	path      []string
}

func (c *varCheck) value(v any, depth int) *varRefusal {
	c.values++
	if c.values > MaxInputValues {
		return &varRefusal{code: CodeInputTooLarge, msg: fmt.Sprintf("the variables hold more than %d values", MaxInputValues)}
	}
	switch x := v.(type) {
	case string:
		if problem := badText(x); problem != "" {
			return &varRefusal{code: CodeBadUserInput, msg: "the text " + problem}
		}
	case []any:
		if depth >= MaxInputDepth {
			return &varRefusal{code: CodeInputTooLarge, msg: fmt.Sprintf("lists and objects are nested more than %d levels deep", MaxInputDepth)}
		}
		if len(x) > MaxListItems {
			return &varRefusal{code: CodeInputTooLarge, msg: fmt.Sprintf("the list has %d items; the limit is %d", len(x), MaxListItems)}
		}
		for i, item := range x {
			if r := c.value(item, depth+1); r != nil {
				r.path = append(r.path, strconv.Itoa(i))
				return r
			}
		}
	case map[string]any:
		if depth >= MaxInputDepth {
			return &varRefusal{code: CodeInputTooLarge, msg: fmt.Sprintf("lists and objects are nested more than %d levels deep", MaxInputDepth)}
		}
		for k, item := range x {
			if problem := badText(k); problem != "" {
				return &varRefusal{code: CodeBadUserInput, msg: "a field name " + problem}
			}
			if r := c.value(item, depth+1); r != nil {
				r.path = append(r.path, k)
				return r
			}
		}
	}
	return nil
}

// badText says what is wrong with text that no field accepts ("" if nothing): PostgreSQL stores neither
// invalid UTF-8 nor NUL in text, and no field has a use for them.
func badText(s string) string {
	if !utf8.ValidString(s) {
		return "is not valid UTF-8"
	}
	if strings.IndexByte(s, 0) >= 0 {
		return "contains a NUL character (U+0000), which no field accepts"
	}
	return ""
}

// pathString writes a field path as input.lines[0].title.
func pathString(path []string) string {
	var b strings.Builder
	for i, p := range path {
		if _, err := strconv.Atoi(p); err == nil {
			b.WriteString("[" + p + "]")
			continue
		}
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(p)
	}
	return b.String()
}
