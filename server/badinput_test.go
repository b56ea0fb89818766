package main

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"

	"tradeguard/graph"
	"tradeguard/internal/testdb"
)

// TestBadInputProbe sends every argument and input field of every operation in the schema (and the
// arguments of fields below them) a set of bad values, as the caller each field allows, through both
// variables and literals, and requires a clear refusal (BAD_USER_INPUT, NOT_FOUND, FORBIDDEN, or a
// payload's userErrors) or an answer, never INTERNAL; a refused request changes no row. It is derived from
// the schema the server serves, so operations added later are probed without editing it.
func TestBadInputProbe(t *testing.T) {
	super, owner, app := testdb.Another(t, "probe")
	h := startHarness(t, owner, app, super)
	schema := graph.NewExecutableSchema(graph.Config{}).Schema()
	checkIntrospectionAgrees(t, h, schema)

	p := newProber(t, h, super)
	targets := probeTargets(t, schema)
	for _, tg := range targets {
		for _, role := range tg.roles {
			p.probeField(tg, p.callers[role])
		}
	}
	t.Logf("%d fields, %d requests: %d refused with a code, %d with userErrors, %d answered",
		len(targets), p.sent, p.refused, p.userErrs, p.answered)
	if p.refused == 0 || p.userErrs == 0 {
		t.Fatal("the probe never saw a refusal: it is not reaching the operations")
	}
}

// newProber signs in a merchant, a buyer and an admin of the demo data and gathers the ids each can see.
func newProber(t testing.TB, h *harness, super string) *prober {
	p := &prober{t: t, h: h, schema: graph.NewExecutableSchema(graph.Config{}).Schema(), rows: rowCounter(t, super)}
	p.callers = map[string]*caller{
		"MERCHANT": p.caller("MERCHANT", lotusOwner, mapleOwner),
		"BUYER":    p.caller("BUYER", buyer1, buyer2),
		"ADMIN":    p.caller("ADMIN", adminEmail, ""),
	}
	return p
}

// A probe target is a field with arguments, reached from the root through path (a selection with a hole).
type target struct {
	op    string // "query" or "mutation"
	owner *ast.Definition
	field *ast.FieldDefinition
	// via wraps the field's selection: node(id) with an inline fragment for a Node type; "" at the root.
	viaNode bool
	roles   []string
	// node and through: a field of a type that is not a Node, reached from Node type node by these fields.
	node    string
	through []string
}

func (tg target) String() string { return tg.owner.Name + "." + tg.field.Name }

// nodeType is the Node type node(id:) fetches to reach the field.
func (tg target) nodeType() string {
	if tg.node != "" {
		return tg.node
	}
	return tg.owner.Name
}

// probeTargets lists every field with arguments on Query, Mutation and every Node type (reached through
// node(id:)), with the roles allowed to call it. A type with argument fields that is neither is an error:
// the probe would miss it.
func probeTargets(t testing.TB, s *ast.Schema) []target {
	var out []target
	add := func(op string, def *ast.Definition, viaNode bool) {
		for _, f := range def.Fields {
			if len(f.Arguments) == 0 || strings.HasPrefix(f.Name, "__") {
				continue
			}
			out = append(out, target{op: op, owner: def, field: f, viaNode: viaNode, roles: rolesOf(f)})
		}
	}
	add("query", s.Query, false)
	add("mutation", s.Mutation, false)
	nodes := map[string]bool{}
	for _, d := range s.PossibleTypes["Node"] {
		nodes[d.Name] = true
		add("query", d, true)
	}
	for name, r := range reachedThrough {
		before := len(out)
		add("query", s.Types[name], true)
		for i := before; i < len(out); i++ {
			out[i].node, out[i].through = r.node, r.path
		}
	}
	for _, d := range s.Types {
		if d.Kind != ast.Object || d == s.Query || d == s.Mutation || nodes[d.Name] || strings.HasPrefix(d.Name, "__") {
			continue
		}
		if _, ok := reachedThrough[d.Name]; ok {
			continue
		}
		for _, f := range d.Fields {
			if len(f.Arguments) > 0 {
				t.Errorf("%s.%s has arguments but %s is not a Node: the probe cannot reach it", d.Name, f.Name, d.Name)
			}
		}
	}
	return out
}

// reachedThrough: types with argument fields that are not Nodes, and the fields leading to one from a Node.
var reachedThrough = map[string]struct {
	node string
	path []string
}{
	"Metric": {"Store", []string{"metrics", "dissatisfactionRate"}},
}

// rolesOf: the roles of @allow, or every role for a field anyone may call.
func rolesOf(f *ast.FieldDefinition) []string {
	d := f.Directives.ForName("allow")
	if d == nil {
		return []string{"MERCHANT", "BUYER", "ADMIN"}
	}
	var roles []string
	for _, c := range d.Arguments.ForName("roles").Value.Children {
		roles = append(roles, c.Value.Raw)
	}
	return roles
}

// checkIntrospectionAgrees: the schema the test walks is the one the server answers introspection with.
func checkIntrospectionAgrees(t testing.TB, h *harness, s *ast.Schema) {
	admin := h.login(t, adminEmail)
	r := ok(t, h.post(t, admin, `{ __schema { mutationType { fields { name args { name } } } queryType { fields { name } } } }`, nil))
	var sc struct {
		MutationType struct{ Fields []struct{ Name string } }
		QueryType    struct{ Fields []struct{ Name string } }
	}
	field(t, r, "__schema", &sc)
	own := func(fs ast.FieldList) (n int) {
		for _, f := range fs {
			if !strings.HasPrefix(f.Name, "__") {
				n++
			}
		}
		return n
	}
	if len(sc.MutationType.Fields) != own(s.Mutation.Fields) || len(sc.QueryType.Fields) != own(s.Query.Fields) {
		t.Fatalf("introspection has %d mutations and %d queries, the schema %d and %d",
			len(sc.MutationType.Fields), len(sc.QueryType.Fields), own(s.Mutation.Fields), own(s.Query.Fields))
	}
}

// caller is a signed-in account with the ids it can see (own) and ids of the same kinds it cannot (foreign).
type caller struct {
	email        string
	token        string
	own, foreign map[string][]string // kind → global ids
}

func (p *prober) caller(role, email, other string) *caller {
	c := &caller{email: email, token: p.h.login(p.t, email), own: p.idsSeenBy(email, role)}
	c.foreign = map[string][]string{}
	if other != "" {
		for kind, ids := range p.idsSeenBy(other, role) {
			for _, id := range ids {
				if !slices.Contains(c.own[kind], id) {
					c.foreign[kind] = append(c.foreign[kind], id)
				}
			}
		}
	}
	return c
}

// idsSeenBy collects every global id in the answers to the root queries that need no argument, selecting
// `id` (and, two levels down, the ids of what they link to), so the probe's base values are real objects of
// the caller's store (or the caller's own, for a buyer).
func (p *prober) idsSeenBy(email, role string) map[string][]string {
	token := p.h.login(p.t, email)
	ids := map[string][]string{}
	for _, f := range p.schema.Query.Fields {
		if strings.HasPrefix(f.Name, "__") || hasRequiredArg(f) || !slices.Contains(rolesOf(f), role) {
			continue
		}
		sel := idSelection(p.schema, p.schema.Types[f.Type.Name()], role, 4)
		if sel == "" {
			continue
		}
		r := p.h.post(p.t, token, "{ "+f.Name+" "+sel+" }", nil)
		collectIDs(r.Data[f.Name], ids)
	}
	return ids
}

func hasRequiredArg(f *ast.FieldDefinition) bool {
	for _, a := range f.Arguments {
		if a.Type.NonNull && a.DefaultValue == nil {
			return true
		}
	}
	return false
}

// idSelection selects id and the ids of linked objects, depth levels down, through fields without required
// arguments that role may read ("" when the type has nothing to select).
func idSelection(s *ast.Schema, d *ast.Definition, role string, depth int) string {
	if d == nil || (d.Kind != ast.Object && d.Kind != ast.Interface) || depth == 0 {
		return ""
	}
	var parts []string
	for _, f := range d.Fields {
		if hasRequiredArg(f) || strings.HasPrefix(f.Name, "__") || !slices.Contains(rolesOf(f), role) {
			continue
		}
		if f.Name == "id" && f.Type.Name() == "ID" {
			parts = append(parts, "id")
			continue
		}
		if sub := idSelection(s, s.Types[f.Type.Name()], role, depth-1); sub != "" {
			parts = append(parts, f.Name+" "+sub)
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "{ " + strings.Join(parts, " ") + " }"
}

func collectIDs(raw json.RawMessage, into map[string][]string) {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return
	}
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if id, ok := v["id"].(string); ok {
				if k := kindOfID(id); k != "" && !slices.Contains(into[k], id) {
					into[k] = append(into[k], id)
				}
			}
			for _, c := range v {
				walk(c)
			}
		case []any:
			for _, c := range v {
				walk(c)
			}
		}
	}
	walk(v)
}
