package limits

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"

	"tradeguard/internal/attackdocs"
)

// A small schema with every shape the checks care about: recursion (T.t), a connection-like list with
// `first`, an interface, and arguments of every scalar the edge checks.
const testSDL = `
directive @maxLength(n: Int!) on ARGUMENT_DEFINITION | INPUT_FIELD_DEFINITION
scalar DateTime
scalar Decimal
interface Node { id: ID! }
type T implements Node { id: ID! name: String n: Int t: T ts(first: Int = 20): [T!]! }
type U implements Node { id: ID! name: String }
input Line { title: String! note: String @maxLength(n: 5) lines: [Line!] }
type Query {
  t: T
  node(id: ID!): Node
  search(text: String, short: String @maxLength(n: 3), at: DateTime, amount: Decimal, line: Line, lines: [Line!], ids: [ID!]): [T!]!
}
`

var testSchema = gqlparser.MustLoadSchema(&ast.Source{Name: "test.graphql", Input: testSDL})

// testES is the part of an executable schema the checks use: the schema and its complexity functions
// (ts costs first × its children, as the real connections do).
type testES struct{ graphql.ExecutableSchema }

func (testES) Schema() *ast.Schema { return testSchema }
func (testES) Complexity(_ context.Context, typeName, field string, child int, args map[string]any) (int, bool) {
	if typeName == "T" && field == "ts" {
		n, _ := args["first"].(int64)
		return 1 + child*int(n), true
	}
	return 0, false
}

func parse(t testing.TB, q string) *ast.QueryDocument {
	t.Helper()
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: q}, MaxQueryTokens)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return doc
}

func code(err *gqlerror.Error) string {
	if err == nil {
		return ""
	}
	c, _ := err.Extensions["code"].(string)
	return c
}

// The attacks of the issue on the test schema.
func fanOut(n int) string { return attackdocs.FanOut(n, "{ t { %s } }", "T", "name") }
func chain(n int) string  { return attackdocs.Chain(n, "{ t { %s } }", "T", "t { %s }", "name") }
func inline(n int) string { return attackdocs.Inline(n, "{ t { %s } }", "name") }
func ops(n int) string    { return attackdocs.Ops(n, "{ t { name } }") }

func TestDocumentRefusals(t *testing.T) {
	cases := []struct {
		name, query, code string
	}{
		{"fan-out 8 levels", fanOut(8), CodeTooLarge},
		{"fan-out 24 levels", fanOut(24), CodeTooLarge},
		{"fan-out 64 levels", fanOut(64), CodeNestedTooDeep},
		{"fragment chain 100 deep", chain(100), CodeNestedTooDeep},
		{"inline fragments 1000 deep", inline(1000), CodeNestedTooDeep},
		{"inline fragments 31 deep", inline(29), CodeNestedTooDeep},
		{"5 directives on a field", "{ t { name @skip(if: false) @skip(if: false) @skip(if: false) @skip(if: false) @skip(if: false) } }", CodeTooManyDirectives},
		{"21 operations", ops(21), CodeTooManyOperations},
		{"31 aliases in a fragment", "{ t { ...A } } fragment A on T { " + aliases(31) + " }", CodeTooManyAliases},
		{"501 fields", "{ t { " + strings.Repeat("name ", 501) + "} }", CodeTooManyFields},
		{"NUL in a literal", `{ search(text: "a\u0000b") { name } }`, CodeBadUserInput},
		{"literal nested 9 deep", `{ search(line: {title: "x", lines: [{title: "x", lines: [{title: "x", lines: [{title: "x", lines: [{title: "x"}]}]}]}]}) { name } }`, CodeInputTooLarge},
		{"literal list of 1001", `{ search(ids: [` + strings.Repeat(`"a" `, 1001) + `]) { name } }`, CodeInputTooLarge},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Document(parse(t, c.query), Defaults())
			if code(err) != c.code {
				t.Fatalf("code %q (%v), want %q", code(err), err, c.code)
			}
		})
	}
}

func aliases(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "a%d: name ", i)
	}
	return b.String()
}

func TestDocumentAccepts(t *testing.T) {
	for name, q := range map[string]string{
		"fan-out 5 levels":            fanOut(5), // about 2×4^5 + 4^5×4/3 expanded selections
		"a chain 9 deep":              chain(9),
		"inline fragments 12 deep":    inline(12),
		"4 directives":                "{ t { name @skip(if: false) @include(if: true) @skip(if: false) @include(if: true) } }",
		"20 operations":               ops(20),
		"the introspection query":     introspectionQuery,
		"literal nested 8 deep":       `{ search(line: {title: "x", lines: [{title: "x", lines: [{title: "x", lines: [{title: "x"}]}]}]}) { name } }`,
		"a list of 1000":              `{ search(ids: [` + strings.Repeat(`"a" `, 1000) + `]) { name } }`,
		"text with every other plane": `{ search(text: "訂單 🛒 naïve") { name } }`,
	} {
		if _, err := Document(parse(t, q), Defaults()); err != nil {
			t.Errorf("%s: refused: %v", name, err)
		}
	}
}

func TestDocumentSeesIntrospectionAnywhere(t *testing.T) {
	for _, q := range []string{
		`{ __schema { types { name } } }`,
		`{ ...F } fragment F on Query { __type(name: "T") { name } }`,
		`{ ... on Query { ... { __schema { queryType { name } } } } }`,
		`{ t { name } ...A } fragment A on Query { ...B } fragment B on Query { __schema { queryType { name } } }`,
	} {
		in, err := Document(parse(t, q), Defaults())
		if err != nil || !in {
			t.Errorf("%s: introspects %v, err %v", q, in, err)
		}
	}
	if in, _ := Document(parse(t, `{ __typename t { __typename name } }`), Defaults()); in {
		t.Error("__typename is not introspection")
	}
}

// The work of Document is linear in the document as written: the fan-out documents differ in how much they
// expand (4^n), not in the work done on them.
func TestDocumentWorkIsLinear(t *testing.T) {
	for _, n := range []int{4, 16, 64} {
		doc := parse(t, fanOut(n))
		w := docWalk{doc: doc, memo: map[string]*figures{}}
		for _, op := range doc.Operations {
			w.set(op.SelectionSet)
		}
		for _, f := range doc.Fragments {
			w.fragment(f.Name)
		}
		if written := 1 + 2*n + 1 + 1; w.visited > written {
			t.Errorf("fan-out %d: visited %d selections, the document has %d", n, w.visited, written)
		}
		allocs := testing.AllocsPerRun(5, func() { _, _ = Document(doc, Defaults()) })
		// a map entry and a figures value per fragment, plus a constant
		if limit := float64(4*(n+1) + 20); allocs > limit {
			t.Errorf("fan-out %d: %.0f allocations, want at most %.0f", n, allocs, limit)
		}
	}
	deep := parse(t, inline(1000))
	if allocs := testing.AllocsPerRun(5, func() { _, _ = Document(deep, Defaults()) }); allocs > 20 {
		t.Errorf("inline 1000: %.0f allocations", allocs)
	}
}

// The expanded figure bounds what gqlgen's field collection really does with a document: collecting every
// level the way the executor does never processes more selections than Document counted.
func TestExpandedBoundsFieldCollection(t *testing.T) {
	docs := []string{
		fanOut(3), fanOut(5), chain(6), inline(6), inline(12),
		// nested fragments around a field with children: gqlgen doubles its selections per level
		"{ t { " + strings.Repeat("... { ", 10) + "t { name }" + strings.Repeat(" }", 10) + " } }",
		"{ t { " + strings.Repeat("... { t { ", 5) + "name" + strings.Repeat(" } }", 5) + " } }",
		`{ t { ... on T { t { ... on T { t { ... on T { name } } } } } } }`,
		`{ t { ...A ...A t { ...A } } } fragment A on T { t { name ...B } ... { t { ...B } } } fragment B on T { name t { name } }`,
		introspectionQuery,
	}
	for _, q := range docs {
		doc, errs := gqlparser.LoadQueryWithRules(testSchema, q, nil)
		if errs != nil {
			t.Fatalf("%.60s: %v", q, errs)
		}
		w := docWalk{doc: doc, memo: map[string]*figures{}}
		f := w.set(doc.Operations[0].SelectionSet)
		rc := &graphql.OperationContext{Doc: doc, Variables: map[string]any{}}
		var work int
		var collect func(ast.SelectionSet)
		collect = func(set ast.SelectionSet) {
			work += len(set)
			for _, cf := range graphql.CollectFields(rc, set, nil) {
				collect(cf.Selections)
			}
		}
		collect(doc.Operations[0].SelectionSet)
		t.Logf("%.40q: collection %d, expanded %d", q, work, f.expanded)
		if work > f.expanded {
			t.Errorf("%.60s: collection processed %d selections, Document counted %d", q, work, f.expanded)
		}
	}
}

func TestVariables(t *testing.T) {
	deep := attackdocs.NestedList(10000, "x")
	long := attackdocs.List(100000, "id")
	many := make([]any, 0, 20)
	for range 20 {
		l := make([]any, 1000)
		for i := range l {
			l[i] = 1
		}
		many = append(many, l)
	}
	cases := []struct {
		name  string
		vars  map[string]any
		code  string
		field string
	}{
		{"nested 10,000 deep", map[string]any{"v": deep}, CodeInputTooLarge, "$v.0.0.0.0.0.0.0.0"},
		{"a list of 100,000", map[string]any{"ids": long}, CodeInputTooLarge, "$ids"},
		{"20,000 values", map[string]any{"m": many}, CodeInputTooLarge, ""},
		{"NUL", map[string]any{"i": map[string]any{"title": "a\x00"}}, CodeBadUserInput, "$i.title"},
		{"invalid UTF-8", map[string]any{"s": "\xff\xfe"}, CodeBadUserInput, "$s"},
		{"invalid UTF-8 in a key", map[string]any{"i": map[string]any{"\xff": "x"}}, CodeBadUserInput, "$i"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := Variables(c.vars)
			if code(err) != c.code {
				t.Fatalf("code %q (%v), want %q", code(err), err, c.code)
			}
			if c.field != "" {
				if got, _ := err.Extensions["field"].([]string); strings.Join(got, ".") != c.field {
					t.Errorf("field %v, want %s", got, c.field)
				}
			}
			// The refusal comes from the first offending value: no walk over the rest.
			if allocs := testing.AllocsPerRun(3, func() { _ = Variables(c.vars) }); allocs > 40 {
				t.Errorf("%.0f allocations", allocs)
			}
		})
	}
	if err := Variables(map[string]any{"i": map[string]any{"lines": []any{map[string]any{"title": "訂單"}}}, "n": 3}); err != nil {
		t.Errorf("a normal input: %v", err)
	}
}

// validated parses and validates q against the test schema and coerces vars, as gqlgen does.
func validated(t *testing.T, q string, vars map[string]any) (*ast.QueryDocument, map[string]any) {
	t.Helper()
	doc, errs := gqlparser.LoadQueryWithRules(testSchema, q, nil)
	if errs != nil {
		t.Fatalf("validate %s: %v", q, errs)
	}
	raw, _ := json.Marshal(vars)
	var decoded map[string]any
	d := json.NewDecoder(strings.NewReader(string(raw)))
	d.UseNumber()
	_ = d.Decode(&decoded)
	coerced, err := validator.VariableValues(testSchema, doc.Operations[0], decoded)
	if err != nil {
		t.Fatalf("variables: %v", err)
	}
	return doc, coerced
}

func TestOperationValues(t *testing.T) {
	es := testES{}
	cases := []struct {
		name  string
		query string
		vars  map[string]any
		code  string
		field string // extensions.field joined with "."
	}{
		{"fine", `query($s: String) { search(text: $s, short: "abc", at: "2026-06-15T10:30:00+08:00", amount: "12.50") { name } }`, map[string]any{"s": "ok"}, "", ""},
		{"default length", `query($s: String) { search(text: $s) { name } }`, map[string]any{"s": strings.Repeat("訂", 1001)}, CodeBadUserInput, "text"},
		{"1000 characters is the default limit", `query($s: String) { search(text: $s) { name } }`, map[string]any{"s": strings.Repeat("訂", 1000)}, "", ""},
		{"declared length", `{ search(short: "abcd") { name } }`, nil, CodeBadUserInput, "short"},
		{"a 1 MB string", `query($s: String) { search(text: $s) { name } }`, map[string]any{"s": strings.Repeat("x", 1<<20)}, CodeBadUserInput, "text"},
		{"declared length in an input object", `query($l: Line) { search(line: $l) { name } }`, map[string]any{"l": map[string]any{"title": "t", "note": "123456"}}, CodeBadUserInput, "line.note"},
		{"inside a list literal", `{ search(lines: [{title: "t"}, {title: "t", note: "123456"}]) { name } }`, nil, CodeBadUserInput, "lines.1.note"},
		{"variable inside a literal", `query($n: String) { search(line: {title: "t", note: $n}) { name } }`, map[string]any{"n": "123456"}, CodeBadUserInput, "line.note"},
		{"malformed date", `{ search(at: "15/06/2026") { name } }`, nil, CodeBadUserInput, "at"},
		{"malformed date variable", `query($d: DateTime) { search(at: $d) { name } }`, map[string]any{"d": "2026-13-01T00:00:00Z"}, CodeBadUserInput, "at"},
		{"malformed decimal", `{ search(amount: "1e9") { name } }`, nil, CodeBadUserInput, "amount"},
		{"decimal too long", `{ search(amount: "1234567890123456") { name } }`, nil, CodeBadUserInput, "amount"},
		{"id too long", `query($ids: [ID!]) { search(ids: $ids) { name } }`, map[string]any{"ids": []any{"a", strings.Repeat("x", 201)}}, CodeBadUserInput, "ids.1"},
		{"first too large", `{ t { ts(first: 101) { name } } }`, nil, CodeBadUserInput, "first"},
		{"first negative", `query($n: Int) { t { ts(first: $n) { name } } }`, map[string]any{"n": -1}, CodeBadUserInput, "first"},
		{"first in a fragment", `{ t { ...F } } fragment F on T { ts(first: 1000) { name } }`, nil, CodeBadUserInput, "first"},
		{"too deep", `{ t { t { t { t { t { t { t { t { t { t { name } } } } } } } } } } }`, nil, CodeTooDeep, ""},
		{"too deep through fragments", `{ t { t { t { ...F } } } } fragment F on T { t { t { t { ...G } } } } fragment G on T { t { t { t { t { name } } } } }`, nil, CodeTooDeep, ""},
		{"the introspection query (ofType chains do not count)", introspectionQuery, nil, "", ""},
		{"an ofType chain 20 long", `{ __type(name: "T") { ` + strings.Repeat("ofType { ", 20) + "name" + strings.Repeat(" }", 20) + " } }", nil, "", ""},
		{"introspection too deep", `{ __schema { directives { args { type { fields { args { type { fields { args { type { name } } } } } } } } } } }`, nil, CodeTooDeep, ""},
		{"too costly", `{ t { ts(first: 100) { ts(first: 100) { ts(first: 100) { name } } } } }`, nil, CodeTooComplex, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			doc, vars := validated(t, c.query, c.vars)
			_, err := Operation(context.Background(), es, doc, doc.Operations[0], vars, Defaults())
			if code(err) != c.code {
				t.Fatalf("code %q (%v), want %q", code(err), err, c.code)
			}
			if c.field != "" {
				got, _ := err.Extensions["field"].([]string)
				if strings.Join(got, ".") != c.field {
					t.Errorf("field %v, want %s", got, c.field)
				}
			}
		})
	}
}

func TestOperationCost(t *testing.T) {
	for _, c := range []struct {
		query string
		cost  int
	}{
		{`{ t { name } }`, 2},
		{`{ t { ts(first: 10) { name n } } }`, 1 + (1 + 10*2)},
		// a fragment costs what it costs wherever it is spread
		{`{ t { ...F t { ...F } } } fragment F on T { ts(first: 5) { name } }`, 1 + (1 + 5) + (1 + (1 + 5))},
		// an interface field costs its dearest implementation
		{`{ node(id: "x") { id ... on T { ts(first: 3) { name } } } }`, 1 + 1 + (1 + 3)},
	} {
		doc, vars := validated(t, c.query, nil)
		got, err := Operation(context.Background(), testES{}, doc, doc.Operations[0], vars, Defaults())
		if err != nil || got != c.cost {
			t.Errorf("%s: cost %d (%v), want %d", c.query, got, err, c.cost)
		}
	}
}

// A variable used in many positions is read once per declaration, not once per use.
func TestOperationReadsAVariableOncePerDeclaration(t *testing.T) {
	q := "query($s: String) { " + strings.Repeat("search(text: $s) { name } ", 1)
	for i := range 29 {
		q += fmt.Sprintf("a%d: search(text: $s) { name } ", i)
	}
	q += "}"
	doc, vars := validated(t, q, map[string]any{"s": strings.Repeat("x", 1000)})
	c := valueCheck{schema: testSchema, vars: vars, seen: map[varUse]bool{}}
	for _, sel := range doc.Operations[0].SelectionSet {
		if err := c.arguments(sel.(*ast.Field)); err != nil {
			t.Fatal(err)
		}
	}
	if len(c.seen) != 1 {
		t.Errorf("the variable was checked for %d declarations, want 1", len(c.seen))
	}
}

// introspectionQuery is graphql-js's getIntrospectionQuery(), which GraphiQL and codegen tools send.
const introspectionQuery = `query IntrospectionQuery {
  __schema {
    queryType { name } mutationType { name } subscriptionType { name }
    types { ...FullType }
    directives { name description locations args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description
  fields(includeDeprecated: true) { name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } }
}`

// FuzzDocument: whatever the document, Document neither panics nor under-counts what field collection does.
func FuzzDocument(f *testing.F) {
	for _, q := range []string{fanOut(4), chain(5), inline(8), introspectionQuery, ops(3),
		"{ t { " + strings.Repeat("... { t { ", 4) + "name" + strings.Repeat(" } }", 4) + " } }",
		`{ t { ...A ...A t { ...A } } } fragment A on T { t { name ...B } ... { t { ...B } } } fragment B on T { name t { name } }`,
		`query($s: String) { search(text: $s, line: {title: "x", lines: [{title: "y"}]}) { name } }`} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, q string) {
		doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: q}, MaxQueryTokens)
		if err != nil {
			return
		}
		if _, lerr := Document(doc, Defaults()); lerr != nil {
			return
		}
		doc, errs := gqlparser.LoadQueryWithRules(testSchema, q, nil)
		if errs != nil || len(doc.Operations) == 0 {
			return
		}
		w := docWalk{doc: doc, memo: map[string]*figures{}}
		for _, op := range doc.Operations {
			fig := w.set(op.SelectionSet)
			rc := &graphql.OperationContext{Doc: doc, Variables: map[string]any{}}
			work := 0
			var collect func(ast.SelectionSet)
			collect = func(set ast.SelectionSet) {
				work += len(set)
				for _, cf := range graphql.CollectFields(rc, set, nil) {
					collect(cf.Selections)
				}
			}
			collect(op.SelectionSet)
			if work > fig.expanded {
				t.Fatalf("collection processed %d selections, Document counted %d", work, fig.expanded)
			}
		}
	})
}

// An operator's own limits replace the defaults, and settings the checks are not built for are refused.
func TestTunable(t *testing.T) {
	q := `{ a: viewer { id } b: viewer { id } c: viewer { id } }`
	strict := Defaults()
	strict.Aliases = 2
	if _, err := Document(parse(t, q), strict); err == nil || err.Extensions["code"] != CodeTooManyAliases {
		t.Errorf("3 aliases with a limit of 2: %v", err)
	}
	if _, err := Document(parse(t, q), Defaults()); err != nil {
		t.Errorf("3 aliases with the defaults: %v", err)
	}
	if err := Defaults().Validate(); err != nil {
		t.Errorf("defaults: %v", err)
	}
	for _, bad := range []Tunable{
		{QueryTokens: 5000, Fields: 100000, Aliases: 30, Depth: 10, Complexity: 20000},
		{QueryTokens: 5000, Fields: 500, Aliases: 501, Depth: 10, Complexity: 20000},
		{QueryTokens: 5000, Fields: 500, Aliases: 30, Depth: MaxNesting + 1, Complexity: 20000},
		{QueryTokens: 0, Fields: 500, Aliases: 30, Depth: 10, Complexity: 20000},
	} {
		if err := bad.Validate(); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}
