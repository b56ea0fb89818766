package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"
)

// Request limits over real HTTP, in production mode: depth, aliases, complexity, page size, body size,
// parser tokens, introspection and field suggestions. Each refusal comes before execution: no data, and
// PostgreSQL saw no statement from the app role (counted with pg_stat_statements; access tokens are JWTs, so
// authentication itself needs no statement).

func limSuper(t *testing.T, h *harness) *sqlx.DB {
	t.Helper()
	super, err := sqlx.Open("postgres", h.Super)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { super.Close() })
	return super
}

// limRefused posts the operation and checks it was refused with the code, a message containing every hint,
// no data, and without a single SQL statement run on the caller's behalf.
func limRefused(t *testing.T, h *harness, super *sqlx.DB, token, query string, vars map[string]any, code string, hints ...string) gqlResponse {
	t.Helper()
	before := statements(t, super)
	r := h.post(t, token, query, vars)
	ran := statements(t, super) - before
	if len(r.Errors) == 0 {
		t.Fatalf("not refused: HTTP %d, data %.300s", r.Status, fmt.Sprint(r.Data))
	}
	if code != "" && r.code() != code {
		t.Errorf("code %q (%s), want %q", r.code(), r.Errors[0].Message, code)
	}
	if r.code() == "" {
		t.Errorf("refusal without extensions.code: %q", r.Errors[0].Message)
	}
	for _, hint := range hints {
		if !strings.Contains(r.Errors[0].Message, hint) {
			t.Errorf("message %q does not mention %q", r.Errors[0].Message, hint)
		}
	}
	for name, v := range r.Data {
		if string(v) != "null" {
			t.Errorf("refused operation returned data.%s = %.200s", name, v)
		}
	}
	if ran != 0 {
		t.Errorf("the refused operation ran %d SQL statements", ran)
	}
	if r.Status >= 500 {
		t.Errorf("refusal answered HTTP %d", r.Status)
	}
	return r
}

// limIntrospectionPath is the deepest introspection validation allows without __Type.ofType (which does not
// count toward depth): 11 fields, "fields" twice (a third is refused as "Maximum introspection depth").
var limIntrospectionPath = []string{"__schema", "directives", "args", "type", "fields", "args", "type", "fields", "args", "type", "name"}

// limIntrospectionDepth is a valid introspection query whose deepest field sits at depth d (2 <= d <= 11).
func limIntrospectionDepth(d int) string {
	path := append(append([]string{}, limIntrospectionPath[:d-1]...), "name")
	return "{ " + strings.Join(path, " { ") + strings.Repeat(" }", d-1) + " }"
}

// limGraphiQLIntrospection is the introspection query GraphiQL sends (graphql-js 16's getIntrospectionQuery
// with inputValueDeprecation): __Type.ofType nested nine deep.
const limGraphiQLIntrospection = `query IntrospectionQuery {
  __schema {
    queryType { name } mutationType { name } subscriptionType { name }
    types { ...FullType }
    directives { name description locations args(includeDeprecated: true) { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description
  fields(includeDeprecated: true) { name description args(includeDeprecated: true) { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
  inputFields(includeDeprecated: true) { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue isDeprecated deprecationReason }
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name
    ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } } }
}`

func TestDepthLimit(t *testing.T) {
	h := setup(t)
	super := limSuper(t, h)
	admin := h.login(t, adminEmail)
	buyer := h.login(t, buyer1)
	owner := h.login(t, lotusOwner)

	// The deepest query the schema allows outside introspection (7 levels) runs.
	r := ok(t, h.post(t, owner, `{ orders(first: 2) { edges { node { items { product { store { slug } } } } } } }`, nil))
	if !bytes.Contains(r.Data["orders"], []byte("lotus-electronics")) {
		t.Fatalf("deep orders query: %s", r.Data["orders"])
	}
	// Exactly 10 levels is allowed (an admin may introspect), and so is what GraphiQL asks: __Type.ofType
	// returns one type or null, so its nine-deep chain does not count.
	ok(t, h.post(t, admin, limIntrospectionDepth(10), nil))
	if r := ok(t, h.post(t, admin, limGraphiQLIntrospection, nil)); !bytes.Contains(r.Data["__schema"], []byte(`"AfterSalesCase"`)) {
		t.Errorf("GraphiQL's introspection: %.300s", r.Data["__schema"])
	}

	deep := limIntrospectionDepth(11)
	viaFragments := `{ __schema { ...S } }
		fragment S on __Schema { directives { args { type { ...T } } } }
		fragment T on __Type { fields { args { type { fields { args { type { ofType { name } } } } } } } }`
	viaInline := `{ __schema { ... on __Schema { directives { ... on __Directive { args { type { fields {
		... on __Field { args { type { fields { args { ... { type { name } } } } } } } } } } } } } } }`
	for name, q := range map[string]string{"11 levels": deep, "through fragments": viaFragments, "through inline fragments": viaInline} {
		t.Run(name+" as admin", func(t *testing.T) {
			limRefused(t, h, super, admin, q, nil, "QUERY_TOO_DEEP", "10")
		})
		// Introspection by a non-admin is refused before its depth is even looked at.
		t.Run(name+" as buyer", func(t *testing.T) {
			limRefused(t, h, super, buyer, q, nil, "FORBIDDEN", "introspection")
		})
	}
	// 100 levels are refused on the cheap parse, before validation, whoever asks.
	chain100 := `{ __type(name: "Order") { ` + strings.Repeat("ofType { ", 99) + "name" + strings.Repeat(" }", 99) + " } }"
	for _, tok := range []string{admin, buyer} {
		limRefused(t, h, super, tok, chain100, nil, "NESTED_TOO_DEEP", "30")
	}
}

func TestAliasLimit(t *testing.T) {
	h := setup(t)
	super := limSuper(t, h)
	buyer := h.login(t, buyer1)
	aliased := func(n int) string {
		var b strings.Builder
		b.WriteString("{")
		for i := range n {
			fmt.Fprintf(&b, " v%d: viewer { id }", i)
		}
		b.WriteString(" }")
		return b.String()
	}
	r := ok(t, h.post(t, buyer, aliased(30), nil))
	if len(r.Data) != 30 {
		t.Fatalf("30 aliases: %d fields", len(r.Data))
	}
	limRefused(t, h, super, buyer, aliased(31), nil, "TOO_MANY_ALIASES", "30")
	limRefused(t, h, super, buyer, aliased(500), nil, "TOO_MANY_ALIASES", "30")

	// Aliases hidden in a fragment count too.
	var frag strings.Builder
	for i := range 31 {
		fmt.Fprintf(&frag, " a%d: id", i)
	}
	limRefused(t, h, super, buyer, `{ viewer { ...V } } fragment V on Viewer {`+frag.String()+` }`, nil, "TOO_MANY_ALIASES")

	// A mutation with an effect inside an over-aliased document: refused before anything ran.
	owner := h.login(t, lotusOwner)
	const name = "limits_test aliases"
	t.Cleanup(func() { tokRevokeByName(t, h, h.login(t, lotusOwner), name) })
	before := tokCountNamed(t, h, owner, name)
	var m strings.Builder
	m.WriteString(`mutation { created: apiTokenCreate(input: {name: "` + name + `", scopes: [ORDERS_READ]}) { token }`)
	for i := range 30 {
		fmt.Fprintf(&m, " t%d: __typename", i)
	}
	m.WriteString(" }")
	limRefused(t, h, super, owner, m.String(), nil, "TOO_MANY_ALIASES")
	if after := tokCountNamed(t, h, owner, name); after != before {
		t.Fatalf("the refused mutation created %d API tokens", after-before)
	}
}

// Complexity (graph/handler.go): a field costs 1 + its children; orders and products cost 1 + children×first;
// an order's items 1 + children×10. So orders(first: 100) { nodes { items { product { store { name } } } } }
// = 1 + 100×(1 + (1 + 10×(1 + (1 + 1)))) = 3201, and products(first: n) { nodes { title } } = 1 + 2n.
func TestComplexityLimit(t *testing.T) {
	h := setup(t)
	super := limSuper(t, h)
	admin := h.login(t, adminEmail)
	build := func(orders int, products []int, extra string) string {
		var b strings.Builder
		b.WriteString("{")
		for i := range orders {
			fmt.Fprintf(&b, " o%d: orders(first: 100) { nodes { items { product { store { name } } } } }", i)
		}
		for i, n := range products {
			fmt.Fprintf(&b, " p%d: products(first: %d) { nodes { title } }", i, n)
		}
		b.WriteString(extra + " }")
		return b.String()
	}
	// 6×3201 + 3×201 + 191 = 20000: exactly the limit, allowed.
	atLimit := build(6, []int{100, 100, 100, 95}, "")
	ok(t, h.post(t, admin, atLimit, nil))
	// One more point (__typename costs 1) is refused.
	limRefused(t, h, super, admin, build(6, []int{100, 100, 100, 95}, " __typename"), nil, "", "20000")
	// Seven such order pages (22407) are refused, whoever asks.
	for _, who := range []string{adminEmail, buyer1, lotusOwner} {
		limRefused(t, h, super, h.login(t, who), build(7, nil, ""), nil, "", "20000")
	}
}

func TestPageSizeLimit(t *testing.T) {
	h := setup(t)
	super := limSuper(t, h)
	buyer := h.login(t, buyer1)
	ok(t, h.post(t, buyer, `{ orders(first: 100) { totalCount } products(first: 0) { totalCount } }`, nil))
	for _, q := range []string{
		`{ orders(first: 100000) { totalCount } }`,
		`{ orders(first: 101) { totalCount } }`,
		`{ products(first: 100000) { nodes { title } } }`,
		`{ products(first: -1) { totalCount } }`,
		`{ a: products(first: 1) { totalCount } b: orders(first: 2147483647) { totalCount } }`,
	} {
		limRefused(t, h, super, buyer, q, nil, "BAD_USER_INPUT", "100")
	}
	const withVar = `query($n: Int) { orders(first: $n) { totalCount } }`
	ok(t, h.post(t, buyer, withVar, map[string]any{"n": 100}))
	limRefused(t, h, super, buyer, withVar, map[string]any{"n": 100000}, "BAD_USER_INPUT", "100")
	limRefused(t, h, super, buyer, withVar, map[string]any{"n": 101}, "BAD_USER_INPUT", "100")
	// Anonymous callers hit the same limit on the public catalogue.
	limRefused(t, h, super, "", `query($n: Int) { products(first: $n) { totalCount } }`, map[string]any{"n": 100000}, "BAD_USER_INPUT", "100")
}

// limPaddedBody is a valid GraphQL request body of exactly size bytes (padding in an ignored member).
func limPaddedBody(t *testing.T, size int) []byte {
	t.Helper()
	head := `{"query":"{ products(first: 1) { totalCount } }","pad":"`
	tail := `"}`
	if size < len(head)+len(tail) {
		t.Fatal("size too small")
	}
	return []byte(head + strings.Repeat("x", size-len(head)-len(tail)) + tail)
}

func TestBodyLimit(t *testing.T) {
	h := setup(t)
	send := func(body []byte, chunked bool) (int, []byte) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, h.URL+"/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if chunked {
			req.ContentLength = -1 // unknown length: the limit must hold while reading, too
			req.Body = io.NopCloser(bytes.NewReader(body))
			req.GetBody = nil
		}
		status, _, raw, err := tokRaw(t, req)
		if err != nil {
			t.Fatalf("send %d bytes: %v", len(body), err)
		}
		return status, raw
	}
	// Exactly 1 MiB is allowed.
	if status, raw := send(limPaddedBody(t, 1<<20), false); status != http.StatusOK {
		t.Fatalf("a 1 MiB body: status %d %.200s", status, raw)
	}
	for _, chunked := range []bool{false, true} {
		for _, size := range []int{1<<20 + 1, 2 << 20} {
			status, raw := send(limPaddedBody(t, size), chunked)
			if status != http.StatusRequestEntityTooLarge {
				t.Errorf("%d-byte body (chunked %v): status %d, want 413; body %.200s", size, chunked, status, raw)
				continue
			}
			var r gqlResponse
			if err := json.Unmarshal(raw, &r); err != nil || len(r.Errors) == 0 || r.code() == "" || r.Data != nil {
				t.Errorf("%d-byte body (chunked %v): 413 body %.200s", size, chunked, raw)
			}
		}
	}
}

func TestParserTokenLimit(t *testing.T) {
	h := setup(t)
	super := limSuper(t, h)
	buyer := h.login(t, buyer1)
	// Same shape on both sides of the limit: a list literal of n enum values (one token each).
	statuses := func(n int) string {
		return `{ orders(first: 1, filter: {status: [` + strings.Repeat("PAID ", n) + `]}) { totalCount } }`
	}
	ok(t, h.post(t, buyer, statuses(1000), nil))
	for _, n := range []int{6000, 50000} {
		limRefused(t, h, super, buyer, statuses(n), nil, "", "token")
	}
	limRefused(t, h, super, buyer, "{ viewer { "+strings.Repeat("id ", 6000)+"} }", nil, "", "token")
	// Tokens in an unused fragment count too: the limit is on the whole document.
	limRefused(t, h, super, buyer, `{ viewer { id } } fragment Unused on Viewer { `+strings.Repeat("id ", 6000)+`}`, nil, "", "token")
	// Anonymous callers too.
	limRefused(t, h, super, "", "{ products(first: 1) { nodes { "+strings.Repeat("title ", 6000)+"} } }", nil, "", "token")
}

// Validation is quadratic in the number of field selections (overlapping-field merging), so a document
// under every other limit that repeats one field thousands of times is refused on a cheap parse first.
func TestRepeatedFieldsAreRefusedBeforeValidation(t *testing.T) {
	h := setup(t)
	super := limSuper(t, h)
	limRefused(t, h, super, "", "{ products(first: 1) { nodes { "+strings.Repeat("title ", 3990)+"} } }", nil, "TOO_MANY_FIELDS", "500")
	limRefused(t, h, super, h.login(t, buyer1), "{ viewer { "+strings.Repeat("id ", 600)+"} }", nil, "TOO_MANY_FIELDS", "500")
	// at the limit it still runs
	ok(t, h.post(t, "", "{ products(first: 1) { nodes { "+strings.Repeat("title ", 498)+"} } }", nil))
}

func TestIntrospectionAdminsOnly(t *testing.T) {
	h := setup(t)
	super := limSuper(t, h)
	const schemaQuery = `{ __schema { types { name } } }`
	const typeQuery = `{ __type(name: "Order") { fields { name } } }`

	r := ok(t, h.post(t, h.login(t, adminEmail), schemaQuery, nil))
	if !bytes.Contains(r.Data["__schema"], []byte(`"Order"`)) || !bytes.Contains(r.Data["__schema"], []byte(`"ApiToken"`)) {
		t.Fatalf("admin introspection: %.300s", r.Data["__schema"])
	}
	ok(t, h.post(t, h.login(t, adminEmail), typeQuery, nil))

	for _, who := range []string{buyer1, lotusOwner, ""} {
		tok := ""
		if who != "" {
			tok = h.login(t, who)
		}
		// Wherever it is written: in a fragment, an inline fragment, under an alias.
		for _, q := range []string{schemaQuery, typeQuery,
			`{ ...F } fragment F on Query { __schema { types { name } } }`,
			`{ ... on Query { __type(name: "Order") { fields { name } } } }`,
			`{ ...A } fragment A on Query { ...B } fragment B on Query { ... { s: __schema { queryType { name } } } }`} {
			r := limRefused(t, h, super, tok, q, nil, "", "introspection")
			// A refusal by rule, not a failure: INTERNAL would log an error for every probe.
			if r.code() == "INTERNAL" {
				t.Errorf("introspection as %q refused as INTERNAL (%q); want a permission code such as FORBIDDEN", who, r.Errors[0].Message)
			}
			if bytes.Contains(r.Data["__schema"], []byte("Order")) || bytes.Contains(r.Data["__type"], []byte("number")) {
				t.Errorf("%q got the schema: %s", who, r.Data)
			}
		}
		// __typename is not introspection: clients need it.
		r := ok(t, h.post(t, tok, `{ __typename products(first: 1) { __typename } }`, nil))
		if string(r.Data["__typename"]) != `"Query"` {
			t.Errorf("__typename as %q: %s", who, r.Data["__typename"])
		}
	}
}

func TestFieldSuggestionsAdminsOnly(t *testing.T) {
	h := setup(t)
	admin := h.login(t, adminEmail)
	buyer := h.login(t, buyer1)
	for _, c := range []struct{ query, suggestion string }{
		{`{ viewer { idd } }`, `"id"`},
		{`{ products(frist: 1) { totalCount } }`, `"first"`},
		{`{ orders(first: 1) { nodes { numbr } } }`, `"number"`},
		{`{ orders(first: 1, filter: {stauts: [PAID]}) { totalCount } }`, `"status"`},
		{`{ orders(first: 1, filter: {status: [PAYED]}) { totalCount } }`, `"PAID"`},
	} {
		r := h.post(t, admin, c.query, nil)
		if len(r.Errors) == 0 || !strings.Contains(r.Errors[0].Message, "Did you mean") || !strings.Contains(r.Errors[0].Message, c.suggestion) {
			t.Errorf("admin, %s: want a suggestion of %s, got %+v", c.query, c.suggestion, r.Errors)
		}
		for who, tok := range map[string]string{"buyer": buyer, "anonymous": ""} {
			r := h.post(t, tok, c.query, nil)
			if len(r.Errors) == 0 {
				t.Fatalf("%s, %s: no error", who, c.query)
			}
			for _, e := range r.Errors {
				if strings.Contains(e.Message, "Did you mean") || strings.Contains(e.Message, c.suggestion) {
					t.Errorf("%s, %s: the message suggests a name: %q", who, c.query, e.Message)
				}
			}
			if r.code() == "" || r.Data != nil {
				t.Errorf("%s, %s: code %q, data %v", who, c.query, r.code(), r.Data)
			}
		}
	}
}

// The document limits are the operator's: flags set them, the server applies them, and settings past what
// the checks are built for are refused at start-up.
func TestDocumentLimitFlags(t *testing.T) {
	h := setup(t)
	cfg, err := loadConfig([]string{"-max-aliases", "2", "-max-depth", "4"}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	srv := serverWith(t, h, cfg.Serve)
	strict := &harness{URL: srv.URL}
	limRefusedAt := func(q, code string) {
		t.Helper()
		r := strict.post(t, "", q, nil)
		if r.code() != code {
			t.Errorf("%s: want %s, got HTTP %d %+v", q, code, r.Status, r.Errors)
		}
	}
	limRefusedAt(`{ a: viewer { id } b: viewer { id } c: viewer { id } }`, "TOO_MANY_ALIASES")
	limRefusedAt(`{ orders(first: 1) { nodes { items { product { store { id } } } } } }`, "QUERY_TOO_DEEP")
	ok(t, h.post(t, "", `{ a: viewer { id } b: viewer { id } c: viewer { id } }`, nil)) // the defaults allow it
	for _, args := range [][]string{{"-max-fields", "100000"}, {"-max-aliases", "600"}, {"-max-depth", "31"}, {"-max-complexity", "0"}} {
		if _, err := loadConfig(args, func(string) string { return "" }); err == nil || !strings.Contains(err.Error(), args[0]) {
			t.Errorf("%v: want an error naming %s, got %v", args, args[0], err)
		}
	}
}
