package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"

	"tradeguard/graph/limits"
	"tradeguard/tenants"
)

// Request limits (graph/limits) wired into gqlgen. Before gqlgen parses and validates anything
// (MutateOperationParameters): the raw variables, then a cheap parse of the document for its figures and
// introspection, so nothing exponential (validation, field collection) ever sees an oversized document.
// After validation (MutateOperationContext): depth, page sizes, argument values and cost.
type limitsExtension struct {
	dev     bool
	tunable limits.Tunable
	es      graphql.ExecutableSchema
	checks  graphql.Cache[docVerdict] // a document's verdict does not depend on variables or caller
}

type docVerdict struct {
	introspects bool
	err         *gqlerror.Error
}

func newLimits(dev bool, t limits.Tunable) *limitsExtension {
	return &limitsExtension{dev: dev, tunable: t, checks: boundedCache[docVerdict]{lru.New[docVerdict](1000)}}
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
	graphql.OperationContextMutator
} = (*limitsExtension)(nil)

func (*limitsExtension) ExtensionName() string { return "TradeguardLimits" }

func (l *limitsExtension) Validate(es graphql.ExecutableSchema) error {
	l.es = es
	return nil
}

// introspectionAllowed: admins, or everyone in development mode.
func (l *limitsExtension) introspectionAllowed(ctx context.Context) bool {
	return l.dev || tenants.PrincipalFrom(ctx).Is(tenants.RoleAdmin)
}

func (l *limitsExtension) MutateOperationParameters(ctx context.Context, p *graphql.RawParams) *gqlerror.Error {
	if err := limits.Variables(p.Variables); err != nil {
		return err
	}
	v, ok := l.checks.Get(ctx, p.Query)
	if !ok {
		doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: p.Query}, l.tunable.QueryTokens)
		if err != nil {
			return nil // gqlgen parses again and reports the syntax or token-limit error itself
		}
		v.introspects, v.err = limits.Document(doc, l.tunable)
		l.checks.Add(ctx, p.Query, v)
	}
	if v.err != nil {
		e := *v.err // the cached error is shared; the presenter may change the copy
		e.Extensions = map[string]any{}
		for k, x := range v.err.Extensions {
			e.Extensions[k] = x
		}
		return &e
	}
	if v.introspects && !l.introspectionAllowed(ctx) {
		return errIntrospection()
	}
	return nil
}

func errIntrospection() *gqlerror.Error {
	return &gqlerror.Error{Message: "introspection is available to admins only (and to everyone in development mode)",
		Extensions: map[string]any{"code": CodeForbidden}}
}

func (l *limitsExtension) MutateOperationContext(ctx context.Context, rc *graphql.OperationContext) *gqlerror.Error {
	rc.DisableIntrospection = !l.introspectionAllowed(ctx)
	cost, err := limits.Operation(ctx, l.es, rc.Doc, rc.Operation, rc.Variables, l.tunable)
	if err != nil {
		return err
	}
	rc.Stats.SetExtension("cost", cost)
	return nil
}

// OperationCost is the cost the limits computed for the request's operation (0 before they ran).
func OperationCost(ctx context.Context) int {
	if !graphql.HasOperationContext(ctx) {
		return 0
	}
	c, _ := graphql.GetOperationContext(ctx).Stats.GetExtension("cost").(int)
	return c
}

// boundedCache keeps only documents up to maxCachedQuery bytes: the cache holds 1000 entries, and 1000 one-
// megabyte documents would hold a gigabyte. Larger documents are simply parsed every time.
type boundedCache[T any] struct{ graphql.Cache[T] }

const maxCachedQuery = 16 << 10

func (c boundedCache[T]) Add(ctx context.Context, key string, value T) {
	if len(key) <= maxCachedQuery {
		c.Cache.Add(ctx, key, value)
	}
}
