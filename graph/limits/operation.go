package limits

import (
	"context"
	"fmt"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Operation checks a validated operation with its coerced variables: fields nested at most MaxDepth deep
// (__Type.ofType not counted), every argument value against its type and declared limits (see values.go),
// and the operation's cost, which it returns. Each fragment's depth and cost are computed once and reused
// wherever it is spread.
//
// Cost follows gqlgen's rules (es.Complexity for fields that declare one, else 1 + the children's cost;
// an interface field costs its most expensive implementation; introspection below __schema is free).
func Operation(ctx context.Context, es graphql.ExecutableSchema, doc *ast.QueryDocument, op *ast.OperationDefinition, vars map[string]any, t Tunable) (cost int, err *gqlerror.Error) {
	w := opWalk{ctx: ctx, es: es, schema: es.Schema(), doc: doc, memo: map[string]*opFigures{},
		values: valueCheck{schema: es.Schema(), vars: vars, seen: map[varUse]bool{}}}
	f := w.set(op.SelectionSet)
	if w.err != nil {
		return 0, w.err
	}
	if f.depth > t.Depth {
		return 0, refuse(CodeTooDeep, fmt.Sprintf("the operation nests fields %d levels deep (at %q); the limit is %d", f.depth, f.deepest, t.Depth))
	}
	if f.cost > t.Complexity {
		return f.cost, refuse(CodeTooComplex, fmt.Sprintf("the operation costs %d; the limit is %d (a list costs its page size times its items: ask for smaller pages or fewer fields)", f.cost, t.Complexity))
	}
	return f.cost, nil
}

type opFigures struct {
	depth   int
	deepest string // the field at the bottom of the deepest path
	cost    int
}

type opWalk struct {
	ctx    context.Context
	es     graphql.ExecutableSchema
	schema *ast.Schema
	doc    *ast.QueryDocument
	memo   map[string]*opFigures
	values valueCheck
	err    *gqlerror.Error
}

func (w *opWalk) set(set ast.SelectionSet) opFigures {
	var f opFigures
	for _, sel := range set {
		if w.err != nil {
			return f
		}
		var g opFigures
		switch s := sel.(type) {
		case *ast.Field:
			g = w.field(s)
		case *ast.InlineFragment:
			g = w.set(s.SelectionSet)
		case *ast.FragmentSpread:
			g = w.fragment(s.Name)
		}
		f.cost = sat(f.cost, g.cost)
		if g.depth > f.depth {
			f.depth, f.deepest = g.depth, g.deepest
		}
	}
	return f
}

func (w *opWalk) fragment(name string) opFigures {
	if f, seen := w.memo[name]; seen {
		if f == nil {
			return opFigures{} // validation refuses cycles; this only keeps the walk finite
		}
		return *f
	}
	def := w.doc.Fragments.ForName(name)
	if def == nil {
		return opFigures{}
	}
	w.memo[name] = nil
	f := w.set(def.SelectionSet)
	w.memo[name] = &f
	return f
}

func (w *opWalk) field(s *ast.Field) opFigures {
	if s.Definition != nil {
		if err := w.values.arguments(s); err != nil {
			w.err = err
			return opFigures{}
		}
	}
	child := w.set(s.SelectionSet)
	f := opFigures{depth: 1 + child.depth, deepest: child.deepest}
	if child.depth == 0 {
		f.deepest = s.Name
	}
	if s.Name == "ofType" && s.ObjectDefinition != nil && s.ObjectDefinition.Name == "__Type" {
		// __Type.ofType is one object or null, never a list: a chain of them cannot fan out, and the
		// standard introspection query (graphql-js's, which GraphiQL sends) nests nine.
		f.depth = max(child.depth, 1)
	}
	if s.Definition == nil || s.ObjectDefinition == nil {
		f.cost = sat(1, child.cost)
		return f
	}
	typ := w.schema.Types[s.Definition.Type.Name()]
	if typ != nil && typ.Name == "__Schema" {
		return f // gqlgen's rule: introspection below __schema costs nothing
	}
	childCost := 0
	if typ != nil && (typ.Kind == ast.Object || typ.Kind == ast.Interface || typ.Kind == ast.Union) {
		childCost = child.cost
	}
	args := s.ArgumentMap(w.values.vars)
	if s.ObjectDefinition.Kind == ast.Interface {
		for _, impl := range w.schema.GetPossibleTypes(s.ObjectDefinition) {
			f.cost = max(f.cost, w.fieldCost(impl.Name, s.Name, childCost, args))
		}
		return f
	}
	f.cost = w.fieldCost(s.ObjectDefinition.Name, s.Name, childCost, args)
	return f
}

func (w *opWalk) fieldCost(typeName, field string, child int, args map[string]any) int {
	if c, ok := w.es.Complexity(w.ctx, typeName, field, child, args); ok && c >= 1 {
		return c
	}
	return sat(1, child)
}
