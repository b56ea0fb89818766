package main

import (
	"strings"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"tradeguard/graph"
)

// schemaLists returns every list-typed or connection-typed field ("Type.field") of the object and interface types a query can
// reach from Query: the lists whose statement counts the efficiency test must cover.
func schemaLists() (*ast.Schema, map[string]bool) {
	s := graph.NewExecutableSchema(graph.Config{}).Schema()
	lists := map[string]bool{}
	seen := map[string]bool{}
	var visit func(name string)
	visit = func(name string) {
		def := s.Types[name]
		if def == nil || seen[name] || strings.HasPrefix(name, "__") {
			return
		}
		seen[name] = true
		switch def.Kind {
		case ast.Object, ast.Interface:
		default:
			return
		}
		for _, impl := range s.PossibleTypes[name] {
			visit(impl.Name)
		}
		for _, f := range def.Fields {
			if strings.HasPrefix(f.Name, "__") {
				continue
			}
			if f.Type.Elem != nil || strings.HasSuffix(f.Type.Name(), "Connection") {
				lists[name+"."+f.Name] = true
			}
			visit(f.Type.Name())
		}
	}
	visit(s.Query.Name)
	return s, lists
}

// listsIn returns the list fields ("Type.field") query selects.
func listsIn(s *ast.Schema, query string) (map[string]bool, error) {
	doc, err := gqlparser.LoadQuery(s, query)
	if err != nil {
		return nil, err
	}
	got := map[string]bool{}
	var walk func(set ast.SelectionSet)
	walk = func(set ast.SelectionSet) {
		for _, sel := range set {
			switch sel := sel.(type) {
			case *ast.Field:
				if d := sel.Definition; d != nil && sel.ObjectDefinition != nil && (d.Type.Elem != nil || strings.HasSuffix(d.Type.Name(), "Connection")) {
					got[sel.ObjectDefinition.Name+"."+sel.Name] = true
				}
				walk(sel.SelectionSet)
			case *ast.InlineFragment:
				walk(sel.SelectionSet)
			case *ast.FragmentSpread:
				walk(sel.Definition.SelectionSet)
			}
		}
	}
	for _, op := range doc.Operations {
		walk(op.SelectionSet)
	}
	return got, nil
}
