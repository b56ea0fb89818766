package graph

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"

	"tradeguard/tenants"
)

// Request limits, checked after parsing and before anything executes.
const (
	MaxDepth       = 10
	MaxAliases     = 30
	MaxComplexity  = 20000
	MaxQueryTokens = 5000
	// MaxFields bounds the field selections written in a document. Validation (overlapping-field merging)
	// is quadratic in them, so they are counted on a cheap parse before gqlgen validates anything.
	MaxFields = 500
)

// limits refuses documents with too many fields or aliases (counted as written, before validation), and
// operations that are too deep or ask for pages larger than MaxPageSize; it decides per caller whether
// introspection is allowed (admins, or everyone in development).
type limits struct{ dev bool }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
	graphql.OperationContextMutator
} = limits{}

func (limits) ExtensionName() string                   { return "TradeguardLimits" }
func (limits) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationParameters refuses documents with too many field selections before validation runs.
func (limits) MutateOperationParameters(_ context.Context, p *graphql.RawParams) *gqlerror.Error {
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: p.Query}, MaxQueryTokens)
	if err != nil {
		return nil // gqlgen parses again and reports the syntax or token-limit error itself
	}
	n, aliases := 0, 0
	var count func(ast.SelectionSet)
	count = func(set ast.SelectionSet) {
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				n++
				if s.Alias != "" && s.Alias != s.Name {
					aliases++
				}
				count(s.SelectionSet)
			case *ast.InlineFragment:
				count(s.SelectionSet)
			}
		}
	}
	for _, op := range doc.Operations {
		count(op.SelectionSet)
	}
	for _, f := range doc.Fragments {
		count(f.SelectionSet)
	}
	if aliases > MaxAliases {
		return limitError("TOO_MANY_ALIASES", fmt.Sprintf("document uses %d aliases; the limit is %d", aliases, MaxAliases))
	}
	if n > MaxFields {
		return limitError("TOO_MANY_FIELDS", fmt.Sprintf("document selects %d fields; the limit is %d", n, MaxFields))
	}
	return nil
}

func (l limits) MutateOperationContext(ctx context.Context, rc *graphql.OperationContext) *gqlerror.Error {
	rc.DisableIntrospection = !(l.dev || tenants.PrincipalFrom(ctx).Is(tenants.RoleAdmin))
	w := walker{doc: rc.Doc, vars: rc.Variables}
	if err := w.walk(rc.Operation.SelectionSet, 1); err != nil {
		return err
	}
	if rc.DisableIntrospection {
		for _, sel := range rc.Operation.SelectionSet {
			if f, ok := sel.(*ast.Field); ok && (f.Name == "__schema" || f.Name == "__type") {
				return limitError(CodeForbidden, "introspection is available to admins only (and to everyone in development mode)")
			}
		}
	}
	return nil
}

type walker struct {
	doc  *ast.QueryDocument
	vars map[string]any
}

func (w *walker) walk(set ast.SelectionSet, depth int) *gqlerror.Error {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if depth > MaxDepth {
				return limitError("QUERY_TOO_DEEP", fmt.Sprintf("operation is nested deeper than %d levels (at %q)", MaxDepth, s.Name))
			}
			if err := w.checkFirst(s); err != nil {
				return err
			}
			if err := w.walk(s.SelectionSet, depth+1); err != nil {
				return err
			}
		case *ast.InlineFragment:
			if err := w.walk(s.SelectionSet, depth); err != nil {
				return err
			}
		case *ast.FragmentSpread:
			// Validation has already refused fragment cycles, so this recursion ends.
			if f := w.doc.Fragments.ForName(s.Name); f != nil {
				if err := w.walk(f.SelectionSet, depth); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// checkFirst refuses a page size outside 0..MaxPageSize on any connection field.
func (w *walker) checkFirst(f *ast.Field) *gqlerror.Error {
	arg := f.Arguments.ForName("first")
	if arg == nil {
		return nil
	}
	v, err := arg.Value.Value(w.vars)
	if err != nil || v == nil {
		return nil
	}
	var n int64
	switch x := v.(type) {
	case int64:
		n = x
	case int:
		n = int64(x)
	case float64:
		n = int64(x)
	case json.Number:
		n, _ = x.Int64()
	default:
		return nil
	}
	if n < 0 || n > MaxPageSize {
		e := limitError(CodeBadUserInput, fmt.Sprintf("%s(first: %d): first must be between 0 and %d", f.Name, n, MaxPageSize))
		e.Locations = []gqlerror.Location{{Line: arg.Position.Line, Column: arg.Position.Column}}
		return e
	}
	return nil
}

func limitError(code, msg string) *gqlerror.Error {
	return &gqlerror.Error{Message: msg, Extensions: map[string]any{"code": code}}
}
