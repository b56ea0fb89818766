package limits

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// valueCheck checks argument values at the edge, once, so resolvers and the database only ever see values
// of the expected form: String within its length (@maxLength on the argument or input field, else
// DefaultMaxLength), ID within MaxIDLength, DateTime in RFC 3339, Decimal as digits with an optional
// fraction, Int within @range, and a connection's `first` within 0..MaxPageSize. Text that no field accepts
// (invalid UTF-8, NUL) was refused earlier, by Document and Variables.
type valueCheck struct {
	schema *ast.Schema
	vars   map[string]any
	// seen: a variable already checked in a position of this declaration; a variable used many times is
	// still read once per declaration, which keeps the work linear.
	seen map[varUse]bool
}

type varUse struct {
	name string
	decl *ast.Type
}

// limitsOf are the declared limits of an argument or input field.
type limitsOf struct {
	maxLength         int
	minInt, maxInt    int64
	hasRange, isFirst bool
}

func declared(name string, dirs ast.DirectiveList) limitsOf {
	l := limitsOf{maxLength: DefaultMaxLength, minInt: math.MinInt32, maxInt: math.MaxInt32}
	if d := dirs.ForName("maxLength"); d != nil {
		if n, err := strconv.Atoi(argRaw(d, "n")); err == nil {
			l.maxLength = n
		}
	}
	if d := dirs.ForName("range"); d != nil {
		l.hasRange = true
		if n, err := strconv.ParseInt(argRaw(d, "min"), 10, 64); err == nil {
			l.minInt = n
		}
		if n, err := strconv.ParseInt(argRaw(d, "max"), 10, 64); err == nil {
			l.maxInt = n
		}
	} else if name == "first" {
		// Relay connections: one rule for every `first`.
		l.hasRange, l.isFirst, l.minInt, l.maxInt = true, true, 0, MaxPageSize
	}
	return l
}

func argRaw(d *ast.Directive, name string) string {
	if a := d.Arguments.ForName(name); a != nil && a.Value != nil {
		return a.Value.Raw
	}
	return ""
}

func (c *valueCheck) arguments(f *ast.Field) *gqlerror.Error {
	for _, a := range f.Arguments {
		def := f.Definition.Arguments.ForName(a.Name)
		if def == nil {
			continue
		}
		lim := declared(a.Name, def.Directives)
		if err := c.literal(a.Value, def.Type, lim, f.Name, []string{a.Name}); err != nil {
			at(err, a.Position)
			return err
		}
	}
	return nil
}

// literal checks a value as written in the document; it may hold variables anywhere inside.
func (c *valueCheck) literal(v *ast.Value, typ *ast.Type, lim limitsOf, field string, path []string) *gqlerror.Error {
	if v == nil || typ == nil {
		return nil
	}
	switch v.Kind {
	case ast.Variable:
		use := varUse{v.Raw, typ}
		if c.seen[use] {
			return nil
		}
		c.seen[use] = true
		val, ok := c.vars[v.Raw]
		if !ok {
			return nil
		}
		return c.value(val, typ, lim, field, path)
	case ast.NullValue:
		return nil
	case ast.ListValue:
		if typ.Elem == nil {
			return nil
		}
		for i, item := range v.Children {
			if err := c.literal(item.Value, typ.Elem, lim, field, append(path, strconv.Itoa(i))); err != nil {
				return err
			}
		}
		return nil
	case ast.ObjectValue:
		def := c.schema.Types[typ.Name()]
		if def == nil {
			return nil
		}
		for _, child := range v.Children {
			fd := def.Fields.ForName(child.Name)
			if fd == nil {
				continue
			}
			if err := c.literal(child.Value, fd.Type, declared(child.Name, fd.Directives), field, append(path, child.Name)); err != nil {
				return err
			}
		}
		return nil
	}
	if typ.Elem != nil { // a single value where a list is expected: GraphQL coerces it to a list of one
		return c.literal(v, typ.Elem, lim, field, path)
	}
	return c.scalar(typ.Name(), v.Raw, v.Kind == ast.StringValue || v.Kind == ast.BlockValue, lim, field, path)
}

// value checks a variable's value (decoded JSON, coerced by validation).
func (c *valueCheck) value(v any, typ *ast.Type, lim limitsOf, field string, path []string) *gqlerror.Error {
	switch x := v.(type) {
	case nil:
		return nil
	case []any:
		if typ.Elem == nil {
			return nil
		}
		for i, item := range x {
			if err := c.value(item, typ.Elem, lim, field, append(path, strconv.Itoa(i))); err != nil {
				return err
			}
		}
		return nil
	case map[string]any:
		def := c.schema.Types[typ.Name()]
		if def == nil {
			return nil
		}
		for _, fd := range def.Fields { // in declaration order: the same request gets the same refusal
			item, ok := x[fd.Name]
			if !ok {
				continue
			}
			if err := c.value(item, fd.Type, declared(fd.Name, fd.Directives), field, append(path, fd.Name)); err != nil {
				return err
			}
		}
		return nil
	}
	if typ.Elem != nil {
		return c.value(v, typ.Elem, lim, field, path)
	}
	switch x := v.(type) {
	case string:
		return c.scalar(typ.Name(), x, true, lim, field, path)
	case json.Number:
		return c.scalar(typ.Name(), x.String(), false, lim, field, path)
	case int64:
		return c.scalar(typ.Name(), strconv.FormatInt(x, 10), false, lim, field, path)
	case int:
		return c.scalar(typ.Name(), strconv.Itoa(x), false, lim, field, path)
	case float64:
		return c.scalar(typ.Name(), strconv.FormatFloat(x, 'f', -1, 64), false, lim, field, path)
	}
	return nil
}

var decimalForm = regexp.MustCompile(`^-?[0-9]{1,15}(\.[0-9]{1,4})?$`)

// scalar checks one scalar: raw is its text, quoted whether it was given as a string.
func (c *valueCheck) scalar(typeName, raw string, quoted bool, lim limitsOf, field string, path []string) *gqlerror.Error {
	where := field + "(" + pathString(path) + ")"
	bad := func(msg string) *gqlerror.Error { return refuseField(CodeBadUserInput, path, where+": "+msg) }
	switch typeName {
	case "String":
		if n := utf8.RuneCountInString(raw); n > lim.maxLength {
			return bad(fmt.Sprintf("at most %d characters (got %d)", lim.maxLength, n))
		}
	case "ID":
		if len(raw) > MaxIDLength {
			return bad(fmt.Sprintf("an id is at most %d characters (got %d); use an id the API returned", MaxIDLength, len(raw)))
		}
	case "DateTime":
		if len(raw) > 64 {
			return bad("expects an RFC 3339 date-time such as 2026-06-15T10:30:00+08:00")
		}
		if _, err := time.Parse(time.RFC3339Nano, raw); err != nil {
			return bad(fmt.Sprintf("expects an RFC 3339 date-time such as 2026-06-15T10:30:00+08:00, not %q", raw))
		}
	case "Decimal":
		if !decimalForm.MatchString(raw) {
			shown := raw
			if len(shown) > 40 {
				shown = shown[:40] + "…"
			}
			return bad(fmt.Sprintf("expects a decimal such as \"1299.00\" (at most 15 digits before the point and 4 after), not %q", shown))
		}
	case "Int":
		if !lim.hasRange || quoted {
			return nil
		}
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			return nil // validation has refused what is not an Int
		}
		if n < lim.minInt || n > lim.maxInt {
			if lim.isFirst {
				return bad(fmt.Sprintf("first must be between 0 and %d (got %d)", MaxPageSize, n))
			}
			return bad(fmt.Sprintf("must be between %d and %d (got %d)", lim.minInt, lim.maxInt, n))
		}
	}
	return nil
}
