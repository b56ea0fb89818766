package limits

import (
	"fmt"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Document checks a parsed document before validation (which, like gqlgen's field collection, expands
// fragments where they are spread). It reports whether the document asks for introspection (__schema or
// __type anywhere, fragments included), so the caller can refuse it before validation as well.
//
// Each fragment is analysed once, the first time it is spread, and its figures are reused for every other
// spread, so the work is linear in the document as written whatever its fragments expand to.
func Document(doc *ast.QueryDocument, t Tunable) (introspects bool, err *gqlerror.Error) {
	if len(doc.Operations) > MaxOperations {
		return false, refuse(CodeTooManyOperations, fmt.Sprintf("the document has %d operations; the limit is %d (send one operation per request)", len(doc.Operations), MaxOperations))
	}
	w := docWalk{doc: doc, memo: make(map[string]*figures, len(doc.Fragments))}
	total := 0
	for _, op := range doc.Operations {
		w.directives(op.Directives, op.Position)
		for _, v := range op.VariableDefinitions {
			w.directives(v.Directives, v.Position)
			if v.DefaultValue != nil {
				w.literal(v.DefaultValue, "$"+v.Variable, 0)
			}
		}
		f := w.set(op.SelectionSet)
		introspects = introspects || f.introspects
		total = sat(total, f.expanded)
		if w.err == nil && f.nesting > MaxNesting {
			w.fail(refuse(CodeNestedTooDeep, fmt.Sprintf("selections are nested %d levels deep, fragments included; the limit is %d", f.nesting, MaxNesting)))
		}
	}
	// Validation walks every fragment on its own as well, used or not.
	for _, frag := range doc.Fragments {
		f := w.fragment(frag.Name)
		total = sat(total, f.expanded)
	}
	if w.err != nil {
		return introspects, w.err
	}
	switch {
	case w.aliases > t.Aliases:
		return introspects, refuse(CodeTooManyAliases, fmt.Sprintf("the document uses %d aliases; the limit is %d", w.aliases, t.Aliases))
	case w.fields > t.Fields:
		return introspects, refuse(CodeTooManyFields, fmt.Sprintf("the document selects %d fields; the limit is %d", w.fields, t.Fields))
	case total > MaxExpanded:
		return introspects, refuse(CodeTooLarge, fmt.Sprintf("the document expands to more than %d selections once its fragments are spread; use fewer or smaller fragments", MaxExpanded))
	}
	return introspects, nil
}

// figures of a selection set, relative to where it appears.
type figures struct {
	expanded    int  // selections once fragments are expanded (saturating; each fragment level counts twice)
	nesting     int  // selection-set levels, fragments included
	introspects bool // __schema or __type somewhere inside
}

func (f *figures) add(g figures) {
	f.expanded = sat(f.expanded, g.expanded)
	f.nesting = max(f.nesting, g.nesting)
	f.introspects = f.introspects || g.introspects
}

type docWalk struct {
	doc  *ast.QueryDocument
	memo map[string]*figures // a fragment's figures; nil while it is being analysed (a cycle, which validation refuses)
	err  *gqlerror.Error     // the first refusal found while walking

	fields, aliases int // as written
	visited         int // selections visited: the work done, which tests bound
}

func (w *docWalk) fail(err *gqlerror.Error) {
	if w.err == nil {
		w.err = err
	}
}

func (w *docWalk) set(set ast.SelectionSet) figures {
	var f figures
	for _, sel := range set {
		w.visited++
		switch s := sel.(type) {
		case *ast.Field:
			w.fields++
			if s.Alias != "" && s.Alias != s.Name {
				w.aliases++
			}
			w.directives(s.Directives, s.Position)
			for _, a := range s.Arguments {
				w.literal(a.Value, s.Name+"("+a.Name+":)", 0)
			}
			child := w.set(s.SelectionSet)
			f.add(figures{expanded: sat(1, child.expanded), nesting: 1 + child.nesting,
				introspects: child.introspects || s.Name == "__schema" || s.Name == "__type"})
		case *ast.InlineFragment:
			w.directives(s.Directives, s.Position)
			f.add(spread(w.set(s.SelectionSet)))
		case *ast.FragmentSpread:
			w.directives(s.Directives, s.Position)
			f.add(spread(w.fragment(s.Name)))
		}
	}
	return f
}

// spread is what a fragment's figures become where it is spread: one level deeper, and counted twice.
func spread(f figures) figures {
	return figures{expanded: satMul(2, f.expanded), nesting: 1 + f.nesting, introspects: f.introspects}
}

func (w *docWalk) fragment(name string) figures {
	if f, seen := w.memo[name]; seen {
		if f == nil {
			return figures{} // a cycle: validation refuses it
		}
		return *f
	}
	def := w.doc.Fragments.ForName(name)
	if def == nil {
		return figures{} // unknown: validation refuses it
	}
	w.memo[name] = nil
	w.directives(def.Directives, def.Position)
	f := w.set(def.SelectionSet)
	w.memo[name] = &f
	return f
}

func (w *docWalk) directives(list ast.DirectiveList, pos *ast.Position) {
	if len(list) > MaxDirectives {
		e := refuse(CodeTooManyDirectives, fmt.Sprintf("a selection has %d directives; the limit is %d", len(list), MaxDirectives))
		at(e, pos)
		w.fail(e)
		return
	}
	for _, d := range list {
		for _, a := range d.Arguments {
			w.literal(a.Value, "@"+d.Name+"("+a.Name+":)", 0)
		}
	}
}

// literal checks a value written in the document: nesting, list length, and text no field accepts.
func (w *docWalk) literal(v *ast.Value, where string, depth int) {
	if v == nil || w.err != nil {
		return
	}
	switch v.Kind {
	case ast.StringValue, ast.BlockValue:
		if problem := badText(v.Raw); problem != "" {
			e := refuse(CodeBadUserInput, where+": the text "+problem)
			at(e, v.Position)
			w.fail(e)
		}
	case ast.ListValue, ast.ObjectValue:
		if depth >= MaxInputDepth {
			e := refuse(CodeInputTooLarge, fmt.Sprintf("%s: lists and objects are nested more than %d levels deep", where, MaxInputDepth))
			at(e, v.Position)
			w.fail(e)
			return
		}
		if v.Kind == ast.ListValue && len(v.Children) > MaxListItems {
			e := refuse(CodeInputTooLarge, fmt.Sprintf("%s: a list has %d items; the limit is %d", where, len(v.Children), MaxListItems))
			at(e, v.Position)
			w.fail(e)
			return
		}
		for _, c := range v.Children {
			w.literal(c.Value, where, depth+1)
		}
	}
}

func at(e *gqlerror.Error, pos *ast.Position) {
	if pos != nil {
		e.Locations = []gqlerror.Location{{Line: pos.Line, Column: pos.Column}}
	}
}
