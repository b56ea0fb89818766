package graph

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"tradeguard/tenants"
)

// Request limits, checked after parsing and before anything executes.
const (
	MaxDepth       = 10
	MaxAliases     = 30
	MaxComplexity  = 20000
	MaxQueryTokens = 5000
)

// limits refuses operations that are too deep, alias too much, or ask for pages larger than MaxPageSize,
// and decides per caller whether introspection is allowed (admins, or everyone in development).
type limits struct{ dev bool }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = limits{}

func (limits) ExtensionName() string                   { return "TradeguardLimits" }
func (limits) Validate(graphql.ExecutableSchema) error { return nil }

func (l limits) MutateOperationContext(ctx context.Context, rc *graphql.OperationContext) *gqlerror.Error {
	rc.DisableIntrospection = !(l.dev || tenants.PrincipalFrom(ctx).Is(tenants.RoleAdmin))
	w := walker{doc: rc.Doc, vars: rc.Variables}
	if err := w.walk(rc.Operation.SelectionSet, 1); err != nil {
		return err
	}
	if w.aliases > MaxAliases {
		return limitError("TOO_MANY_ALIASES", fmt.Sprintf("operation uses %d aliases; the limit is %d", w.aliases, MaxAliases))
	}
	return nil
}

type walker struct {
	doc     *ast.QueryDocument
	vars    map[string]any
	aliases int
}

func (w *walker) walk(set ast.SelectionSet, depth int) *gqlerror.Error {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if depth > MaxDepth {
				return limitError("QUERY_TOO_DEEP", fmt.Sprintf("operation is nested deeper than %d levels (at %q)", MaxDepth, s.Name))
			}
			if s.Alias != "" && s.Alias != s.Name {
				w.aliases++
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
