package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/vektah/gqlparser/v2/ast"

	"tradeguard/graph/limits"
)

// The prober of TestBadInputProbe: base values, bad values, sending, and judging the answers.

type prober struct {
	t       testing.TB
	h       *harness
	schema  *ast.Schema
	callers map[string]*caller
	rows    func() map[string]string

	sent, refused, userErrs, answered int
}

// Codes that are a clear refusal of a bad value: the limits' own codes (a value past an input bound) count
// too, and CONFLICT, the answer to an expectedVersion that is a version but not the current one.
var refusalCodes = []string{"BAD_USER_INPUT", "NOT_FOUND", "FORBIDDEN", "CONFLICT",
	limits.CodeInputTooLarge, limits.CodeTooLarge}

// A leaf is one argument or input field (or a list as a whole) at path below an argument.
type leaf struct {
	arg    int
	path   []any // input field names and list indexes below the argument
	typ    *ast.Type
	name   string // the argument's or input field's name
	parent string // the input type (or the field, for an argument) it belongs to
	dirs   ast.DirectiveList
}

func (l leaf) String() string {
	var b strings.Builder
	b.WriteString(l.parent + "." + l.name)
	for _, p := range l.path {
		if i, ok := p.(int); ok {
			fmt.Fprintf(&b, "[%d]", i)
		}
	}
	return b.String()
}

// upload stands for a file in the multipart request; enum is an enum value (bare in a literal).
type (
	upload struct{}
	enum   string
)

// probeField sends every bad value to every leaf of tg's arguments, as c.
func (p *prober) probeField(tg target, c *caller) {
	t := p.t
	var nodeID string
	if tg.viaNode {
		ids := c.own[tg.nodeType()]
		if len(ids) == 0 {
			return // this caller sees no object of the type; another role probes it
		}
		nodeID = ids[0]
	}
	base := p.baseArgs(tg, c)
	var leaves []leaf
	for i, a := range tg.field.Arguments {
		leaves = append(leaves, p.leaves(i, nil, a.Type, a.Name, tg.field.Name, a.Directives, 0)...)
	}
	before := p.rows()
	for _, l := range leaves {
		for _, bad := range p.badValues(l, c) {
			args := slices.Clone(base)
			args[l.arg] = p.with(args[l.arg], tg.field.Arguments[l.arg].Type, l.path, bad.v, tg.field.Arguments[l.arg].Name, tg.field.Name, c)
			for _, literal := range []bool{false, true} {
				if literal && containsUpload(args[l.arg]) {
					continue
				}
				what := fmt.Sprintf("%s as %s: %s = %s (%s)", tg, c.email, l, bad.label, map[bool]string{false: "variable", true: "literal"}[literal])
				status, body := p.send(tg, c, nodeID, args, l.arg, literal)
				p.sent++
				verdict, detail := p.judge(tg, status, body)
				after := p.rows()
				switch verdict {
				case "internal":
					t.Errorf("%s: %s", what, detail)
				case "refused", "userErrors":
					if diff := changed(before, after); diff != "" {
						t.Errorf("%s: refused (%s) but changed rows in %s", what, detail, diff)
					}
				case "answered":
					if bad.mustRefuse && tg.op == "mutation" {
						t.Errorf("%s: accepted a value that must be refused: %.300s", what, body)
					}
				}
				before = after
			}
		}
	}
}

// baseArgs are tg's required arguments with plausible good values for c (nil for the optional ones).
func (p *prober) baseArgs(tg target, c *caller) []any {
	base := make([]any, len(tg.field.Arguments))
	for i, a := range tg.field.Arguments {
		if a.Type.NonNull && a.DefaultValue == nil {
			base[i] = p.minimal(a.Type, a.Name, tg.field.Name, c)
		}
	}
	return base
}

// leaves lists each argument or input field below typ (input types nest at most a few levels).
func (p *prober) leaves(arg int, path []any, typ *ast.Type, name, parent string, dirs ast.DirectiveList, depth int) []leaf {
	here := leaf{arg: arg, path: path, typ: typ, name: name, parent: parent, dirs: dirs}
	if depth > 6 {
		return nil
	}
	if typ.Elem != nil {
		return append([]leaf{here}, p.leaves(arg, appendPath(path, 0), typ.Elem, name, parent, dirs, depth+1)...)
	}
	def := p.schema.Types[typ.Name()]
	if def.Kind != ast.InputObject {
		return []leaf{here}
	}
	var out []leaf
	for _, f := range def.Fields {
		out = append(out, p.leaves(arg, appendPath(path, f.Name), f.Type, f.Name, def.Name, f.Directives, depth+1)...)
	}
	return out
}

func appendPath(path []any, step any) []any { return append(slices.Clone(path), step) }

// minimal is a value of typ with only what is required, each scalar a plausible good value.
func (p *prober) minimal(typ *ast.Type, name, parent string, c *caller) any {
	if typ.Elem != nil {
		return []any{p.minimal(typ.Elem, name, parent, c)}
	}
	def := p.schema.Types[typ.Name()]
	switch def.Kind {
	case ast.InputObject:
		m := map[string]any{}
		for _, f := range def.Fields {
			if f.Type.NonNull && f.DefaultValue == nil {
				m[f.Name] = p.minimal(f.Type, f.Name, def.Name, c)
			}
		}
		return m
	case ast.Enum:
		return enum(def.EnumValues[0].Name)
	}
	return p.goodScalar(def.Name, name, parent, c)
}

func (p *prober) goodScalar(scalar, name, parent string, c *caller) any {
	lower := strings.ToLower(name)
	switch scalar {
	case "ID":
		if ids := c.own[p.kindFor(name, parent, c)]; len(ids) > 0 {
			return ids[0]
		}
		return "probe-id"
	case "Int":
		return int64(1)
	case "Float":
		return 1.0
	case "Boolean":
		return false
	case "DateTime":
		return demoNow.Format(time.RFC3339)
	case "Decimal":
		return "1.00"
	case "Upload":
		return upload{}
	}
	switch {
	case strings.Contains(lower, "email"):
		return "probe@tradeguard.test"
	case strings.Contains(lower, "password"):
		return "probe-password-1"
	case strings.Contains(lower, "phone"):
		return "0912345678"
	case strings.Contains(lower, "currency"):
		return "TWD"
	}
	return "probe value"
}

// kindFor guesses the kind of object an ID names from its name: orderId → Order, caseId → AfterSalesCase,
// missingGiftItemIds → OrderItem; a bare `id` takes the kind its input type or field starts with
// (ApiTokenRevokeInput → ApiToken, order(id) → Order).
func (p *prober) kindFor(name, parent string, c *caller) string {
	var kinds []string
	for _, d := range p.schema.PossibleTypes["Node"] {
		kinds = append(kinds, d.Name)
	}
	n := strings.ToLower(strings.TrimSuffix(strings.TrimSuffix(name, "Ids"), "Id"))
	if name == "id" {
		best := ""
		for _, k := range kinds {
			if strings.HasPrefix(strings.ToLower(parent), strings.ToLower(k)) && len(k) > len(best) {
				best = k
			}
		}
		if best != "" {
			return best
		}
		for k := range c.own {
			return k
		}
	}
	for _, try := range []string{n, lastWord(name)} {
		for _, k := range kinds {
			if lk := strings.ToLower(k); lk == try || strings.HasSuffix(lk, try) {
				return k
			}
		}
	}
	return ""
}

// lastWord is the last camel-case word of an id's name without its Id suffix: missingGiftItemIds → item.
func lastWord(name string) string {
	s := strings.TrimSuffix(strings.TrimSuffix(name, "Ids"), "Id")
	i := strings.LastIndexFunc(s, func(r rune) bool { return r >= 'A' && r <= 'Z' })
	if i < 0 {
		i = 0
	}
	return strings.ToLower(s[i:])
}

// with sets the value at path below v (of type typ), making what is missing on the way with its minimal value.
func (p *prober) with(v any, typ *ast.Type, path []any, set any, name, parent string, c *caller) any {
	if len(path) == 0 {
		return set
	}
	if typ.Elem != nil {
		arr, _ := v.([]any)
		arr = slices.Clone(arr)
		if len(arr) == 0 {
			arr = []any{p.minimal(typ.Elem, name, parent, c)}
		}
		arr[0] = p.with(arr[0], typ.Elem, path[1:], set, name, parent, c)
		return arr
	}
	def := p.schema.Types[typ.Name()]
	m, _ := v.(map[string]any)
	if m == nil {
		m, _ = p.minimal(typ, name, parent, c).(map[string]any)
	}
	out := map[string]any{}
	for k, x := range m {
		out[k] = x
	}
	key := path[0].(string)
	f := def.Fields.ForName(key)
	out[key] = p.with(out[key], f.Type, path[1:], set, f.Name, def.Name, c)
	return out
}

func containsUpload(v any) bool {
	switch v := v.(type) {
	case upload:
		return true
	case []any:
		return slices.ContainsFunc(v, containsUpload)
	case map[string]any:
		for _, x := range v {
			if containsUpload(x) {
				return true
			}
		}
	}
	return false
}

type badValue struct {
	label string
	v     any
	// mustRefuse: no operation may accept it (text no field takes, an id the caller may not use).
	mustRefuse bool
}

// badValues are the values to try at l: for its type, and the empty list for a list.
func (p *prober) badValues(l leaf, c *caller) []badValue {
	if l.typ.Elem != nil {
		return []badValue{{label: "[]", v: []any{}}}
	}
	def := p.schema.Types[l.typ.Name()]
	if def.Kind != ast.Scalar {
		return nil
	}
	maxLen := limits.DefaultMaxLength
	if d := l.dirs.ForName("maxLength"); d != nil {
		fmt.Sscan(d.Arguments.ForName("n").Value.Raw, &maxLen)
	}
	text := []badValue{
		{label: "NUL", v: "probe\x00value", mustRefuse: true},
		{label: "invalid UTF-8", v: "probe\xff\xfevalue", mustRefuse: true},
		{label: "empty", v: ""},
		{label: "blank", v: "   "},
	}
	switch def.Name {
	case "String":
		return append(text,
			badValue{label: fmt.Sprintf("%d characters", maxLen+1), v: strings.Repeat("語", maxLen+1), mustRefuse: true},
			badValue{label: fmt.Sprintf("%d characters", 10*maxLen), v: strings.Repeat("x", 10*maxLen), mustRefuse: true})
	case "ID":
		out := append(text,
			badValue{label: "not an id", v: "not-an-id"},
			badValue{label: "overlong id", v: strings.Repeat("A", limits.MaxIDLength+1), mustRefuse: true})
		kind := p.kindFor(l.name, l.parent, c)
		for k, ids := range c.own {
			if k != kind && len(ids) > 0 {
				out = append(out, badValue{label: "a " + k + " id", v: ids[0]})
				break
			}
		}
		if ids := c.foreign[kind]; len(ids) > 0 {
			// Another store's object: a merchant may never act on one.
			out = append(out, badValue{label: "another store's " + kind, v: ids[0], mustRefuse: c.email == lotusOwner})
		}
		return out
	case "Int":
		return []badValue{{label: "-1", v: int64(-1)}, {label: "0", v: int64(0)},
			{label: "min int32", v: int64(-1 << 31)}, {label: "max int32", v: int64(1<<31 - 1)},
			{label: "past int32", v: int64(1 << 31), mustRefuse: true}, {label: "2^53", v: int64(1 << 53), mustRefuse: true}}
	case "Float":
		return []badValue{{label: "-1", v: -1.0}, {label: "1e308", v: 1e308}}
	case "DateTime":
		return append(text,
			badValue{label: "no such month", v: "2026-13-40T00:00:00Z", mustRefuse: true},
			badValue{label: "a word", v: "yesterday", mustRefuse: true},
			badValue{label: "date only", v: "2026-06-15", mustRefuse: true},
			badValue{label: "hour 25", v: "2026-06-15T25:61:00Z", mustRefuse: true},
			badValue{label: "offset +25:00", v: "2026-06-15T00:00:00+25:00", mustRefuse: true},
			badValue{label: "year 1", v: "0001-01-01T00:00:00Z"},
			badValue{label: "year 9999", v: "9999-12-31T23:59:59Z"})
	case "Decimal":
		return append(text,
			badValue{label: "a word", v: "abc", mustRefuse: true},
			badValue{label: "-1", v: "-1"}, badValue{label: "0", v: "0"}, badValue{label: "-0", v: "-0.00"},
			badValue{label: "exponent", v: "1e5", mustRefuse: true},
			badValue{label: "three decimals", v: "0.001"},
			badValue{label: "30 digits", v: strings.Repeat("9", 30) + ".99"},
			badValue{label: "two points", v: "1.2.3", mustRefuse: true},
			badValue{label: "NaN", v: "NaN", mustRefuse: true})
	}
	return nil
}

// send posts the field's document (files as a multipart upload) as c.
func (p *prober) send(tg target, c *caller, nodeID string, args []any, lit int, literal bool) (int, []byte) {
	doc, vars := p.document(tg, nodeID, args, lit, literal)
	body := `{"query":` + quote(doc) + `,"variables":` + encode(vars, false) + `}`

	var req *http.Request
	if files := uploadPaths(vars, "variables"); len(files) > 0 {
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		_ = mw.WriteField("operations", body)
		m := map[string][]string{}
		for i, path := range files {
			m[fmt.Sprint(i)] = []string{path}
		}
		mp, _ := json.Marshal(m)
		_ = mw.WriteField("map", string(mp))
		for i := range files {
			fw, _ := mw.CreateFormFile(fmt.Sprint(i), "probe.txt")
			_, _ = fw.Write([]byte("probe evidence\n"))
		}
		_ = mw.Close()
		req, _ = http.NewRequest(http.MethodPost, p.h.URL+"/graphql", &b)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("GraphQL-Require-Preflight", "1")
	} else {
		req, _ = http.NewRequest(http.MethodPost, p.h.URL+"/graphql", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		p.t.Fatalf("%s: %v", tg, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return res.StatusCode, raw
}

// document is the request for the field: args as variables, or args[lit] written inline when literal is set.
func (p *prober) document(tg target, nodeID string, args []any, lit int, literal bool) (doc string, vars map[string]any) {
	var decls, uses []string
	vars = map[string]any{}
	for i, a := range tg.field.Arguments {
		if args[i] == nil {
			continue
		}
		if literal && i == lit {
			uses = append(uses, a.Name+": "+encode(args[i], true))
			continue
		}
		name := fmt.Sprintf("a%d", i)
		decls = append(decls, "$"+name+": "+a.Type.String())
		uses = append(uses, a.Name+": $"+name)
		vars[name] = args[i]
	}
	call := tg.field.Name
	if len(uses) > 0 {
		call += "(" + strings.Join(uses, ", ") + ")"
	}
	call += resultSelection(p.schema, tg.field.Type)
	if tg.viaNode {
		decls = append(decls, "$node: ID!")
		vars["node"] = nodeID
		for i := len(tg.through) - 1; i >= 0; i-- {
			call = tg.through[i] + " { " + call + " }"
		}
		call = "node(id: $node) { ... on " + tg.nodeType() + " { " + call + " } }"
	}
	doc = tg.op
	if len(decls) > 0 {
		doc += "(" + strings.Join(decls, ", ") + ")"
	}
	doc += " { " + call + " }"
	return doc, vars
}

// resultSelection selects __typename, and userErrors where the type has them ("" for a scalar).
func resultSelection(s *ast.Schema, typ *ast.Type) string {
	def := s.Types[typ.Name()]
	if def.Kind == ast.Scalar || def.Kind == ast.Enum {
		return ""
	}
	if def.Fields.ForName("userErrors") != nil {
		return " { __typename userErrors { code field message } }"
	}
	return " { __typename }"
}

func uploadPaths(v any, at string) []string {
	switch v := v.(type) {
	case upload:
		return []string{at}
	case []any:
		var out []string
		for i, x := range v {
			out = append(out, uploadPaths(x, fmt.Sprintf("%s.%d", at, i))...)
		}
		return out
	case map[string]any:
		var out []string
		for _, k := range sortedKeys(v) {
			out = append(out, uploadPaths(v[k], at+"."+k)...)
		}
		return out
	}
	return nil
}

// judge classifies an answer: "refused" (a refusal code), "userErrors", "answered", or "internal" with why.
func (p *prober) judge(tg target, status int, body []byte) (verdict, detail string) {
	var r struct {
		Data   map[string]json.RawMessage
		Errors []struct {
			Message    string
			Extensions map[string]any
		}
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return "internal", fmt.Sprintf("HTTP %d, not JSON: %.300s", status, body)
	}
	if status >= 500 {
		return "internal", fmt.Sprintf("HTTP %d: %.300s", status, body)
	}
	if len(r.Errors) > 0 {
		code, _ := r.Errors[0].Extensions["code"].(string)
		if !slices.Contains(refusalCodes, code) {
			return "internal", fmt.Sprintf("HTTP %d, code %q: %.300s", status, code, body)
		}
		p.refused++
		return "refused", code
	}
	var payload struct{ UserErrors []struct{ Code string } }
	_ = json.Unmarshal(r.Data[tg.field.Name], &payload)
	if len(payload.UserErrors) > 0 {
		p.userErrs++
		return "userErrors", payload.UserErrors[0].Code
	}
	p.answered++
	return "answered", ""
}

// encode writes v as JSON or as a GraphQL literal; text is written byte for byte (invalid UTF-8 stays
// invalid, as a careless client would send it), with quotes, backslashes and control characters escaped.
func encode(v any, literal bool) string {
	switch v := v.(type) {
	case nil, upload:
		return "null"
	case bool:
		return fmt.Sprint(v)
	case int64:
		return fmt.Sprint(v)
	case float64:
		b, _ := json.Marshal(v)
		return string(b)
	case string:
		return quote(v)
	case enum:
		if literal {
			return string(v)
		}
		return quote(string(v))
	case []any:
		parts := make([]string, len(v))
		for i, x := range v {
			parts[i] = encode(x, literal)
		}
		return "[" + strings.Join(parts, ",") + "]"
	case map[string]any:
		var parts []string
		for _, k := range sortedKeys(v) {
			key := quote(k)
			if literal {
				key = k
			}
			parts = append(parts, key+":"+encode(v[k], literal))
		}
		return "{" + strings.Join(parts, ",") + "}"
	}
	panic(fmt.Sprintf("encode %T", v))
}

func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20:
			fmt.Fprintf(&b, `\u%04x`, c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// kindOfID is the kind a global id names ("" if it is not one).
func kindOfID(id string) string {
	raw, err := base64.RawURLEncoding.DecodeString(id)
	if err != nil {
		return ""
	}
	kind, rest, ok := strings.Cut(string(raw), ":")
	if !ok || len(rest) < 36 {
		return ""
	}
	return kind
}

// rowCounter fingerprints every table of the database (row count and a hash of the rows), as the
// superuser, so a test can tell whether a request changed anything.
func rowCounter(t testing.TB, super string) func() map[string]string {
	db, err := sqlx.Open("postgres", super)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	var tables []string
	if err := db.Select(&tables, `SELECT format('%I.%I', schemaname, relname) FROM pg_stat_user_tables
		WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`); err != nil {
		t.Fatal(err)
	}
	var parts []string
	for _, tb := range tables {
		parts = append(parts, fmt.Sprintf(`SELECT %s AS name, count(*) || ':' || coalesce(sum(hashtext(r::text)::bigint), 0) AS print FROM %s r`,
			quoteLiteral(tb), tb))
	}
	q := strings.Join(parts, " UNION ALL ")
	// A transaction that writes takes a transaction id: while the next id has not moved, nothing changed and
	// the last fingerprint stands (most requests of a probe write nothing).
	var lastXid string
	var last map[string]string
	return func() map[string]string {
		// A score recompute an accepted request started goes on in the background: let it finish first, so
		// its writes are not taken for those of the next request.
		for i := 0; i < 600; i++ {
			var running bool
			if err := db.Get(&running, `SELECT exists (SELECT 1 FROM score_jobs WHERE status = 'RUNNING')`); err != nil {
				t.Fatal(err)
			}
			if !running {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		var xid string
		if err := db.Get(&xid, `SELECT pg_snapshot_xmax(pg_current_snapshot())::text`); err != nil {
			t.Fatal(err)
		}
		if xid == lastXid {
			return last
		}
		var rows []struct{ Name, Print string }
		if err := db.SelectContext(context.Background(), &rows, q); err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, r := range rows {
			out[r.Name] = r.Print
		}
		lastXid, last = xid, out
		return out
	}
}

func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// changed names the tables whose fingerprint differs ("" when none).
func changed(before, after map[string]string) string {
	var diff []string
	for name, print := range after {
		if before[name] != print {
			diff = append(diff, name)
		}
	}
	slices.Sort(diff)
	return strings.Join(diff, ", ")
}
