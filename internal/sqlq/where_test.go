package sqlq

import (
	"reflect"
	"testing"
)

func TestWhere(t *testing.T) {
	var w Where
	if w.SQL() != "true" {
		t.Fatalf("empty Where = %q", w.SQL())
	}
	w.Add("tenant_id = ?", "t1")
	w.Add("status = 'ACTIVE'")
	w.Add("(title ilike ? or sku ilike ?)", "%a%", "%b%")
	limit := w.Arg(10)
	want := "tenant_id = $1 and status = 'ACTIVE' and (title ilike $2 or sku ilike $3)"
	if w.SQL() != want || limit != "$4" {
		t.Fatalf("SQL = %q, limit %q", w.SQL(), limit)
	}
	if !reflect.DeepEqual(w.Args, []any{"t1", "%a%", "%b%", 10}) {
		t.Fatalf("Args = %v", w.Args)
	}
}

func TestContainsEscapes(t *testing.T) {
	if got := Contains(`50%_off\`); got != `%50\%\_off\\%` {
		t.Fatalf("Contains = %q", got)
	}
}
