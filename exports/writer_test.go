package exports

import (
	"slices"
	"strings"
	"testing"
	"time"

	"tradeguard/tenants"
)

func TestCSVFields(t *testing.T) {
	for _, tc := range []struct {
		name, row string
		want      []string
	}{
		{"strings, numbers, booleans, null", `["a", 12, -3, true, null]`, []string{"a", "12", "-3", "true", ""}},
		{"nested values stay JSON", `[[{"id": "x", "quantity": 2}], {"k": 1}]`, []string{`[{"id": "x", "quantity": 2}]`, `{"k": 1}`}},
		{"escapes decoded", `["line\nbreak \"quoted\" 中文"]`, []string{"line\nbreak \"quoted\" 中文"}},
		{"formulas defused", `["=HYPERLINK(\"x\")", "+1", "-2", "@SUM(A1)", "\tx", "a=b"]`, []string{`'=HYPERLINK("x")`, "'+1", "'-2", "'@SUM(A1)", "'\tx", "a=b"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := make([]string, len(tc.want))
			if err := csvFields([]byte(tc.row), got); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("csvFields(%s) = %q; want %q", tc.row, got, tc.want)
			}
		})
	}
	if err := csvFields([]byte(`["a"]`), make([]string, 2)); err == nil {
		t.Fatal("a row with too few fields was taken")
	}
}

func TestChunkWriterSplitsAtTheSize(t *testing.T) {
	var chunks []string
	var rows []int
	w := newChunkWriter(JSONL, nil, 10, func(data []byte, seq int, n int) error {
		if seq != len(chunks) {
			t.Fatalf("chunk %d came as %d", len(chunks), seq)
		}
		chunks = append(chunks, string(data))
		rows = append(rows, n)
		return nil
	})
	for _, r := range []string{`{"a":1}`, `{"b":22}`, `{"c":333333333}`, `{}`} {
		if err := w.row([]byte(r)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.close(); err != nil {
		t.Fatal(err)
	}
	want := []string{"{\"a\":1}\n{\"b\":22}\n", "{\"c\":333333333}\n", "{}\n"}
	if !slices.Equal(chunks, want) || !slices.Equal(rows, []int{2, 3, 4}) {
		t.Fatalf("chunks %q rows %v; want %q [2 3 4]", chunks, rows, want)
	}
}

func TestInputValidation(t *testing.T) {
	jan, feb := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		in   Input
		want string // the codes, in order; "" for valid
	}{
		{"orders, every bound", Input{Kind: Orders, Format: CSV, Filter: Filter{CreatedFrom: &jan, CreatedTo: &feb, UpdatedSince: &jan}}, ""},
		{"ratings without updatedSince", Input{Kind: Ratings, Format: JSONL}, ""},
		{"unknown kind and format", Input{Kind: "USERS", Format: "XML"}, "UNKNOWN_KIND UNKNOWN_FORMAT"},
		{"range backwards", Input{Kind: Cases, Format: JSONL, Filter: Filter{CreatedFrom: &feb, CreatedTo: &jan}}, "EMPTY_RANGE"},
		{"range empty", Input{Kind: Cases, Format: JSONL, Filter: Filter{CreatedFrom: &jan, CreatedTo: &jan}}, "EMPTY_RANGE"},
		{"updatedSince on violations", Input{Kind: Violations, Format: JSONL, Filter: Filter{UpdatedSince: &jan}}, "NOT_SUPPORTED"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := validationCodes(tc.in); got != tc.want {
				t.Fatalf("validate(%+v) = %q; want %q", tc.in, got, tc.want)
			}
		})
	}
}

func validationCodes(in Input) string {
	err := in.validate()
	if err == nil {
		return ""
	}
	rules, _ := tenants.AsRuleErrors(err)
	codes := make([]string, len(rules))
	for i, r := range rules {
		codes[i] = r.Code
	}
	return strings.Join(codes, " ")
}

func TestProgress(t *testing.T) {
	n := func(v int) *int { return &v }
	for _, tc := range []struct {
		e    Export
		want float64
	}{
		{Export{Status: "QUEUED"}, 0},
		{Export{Status: "RUNNING", RowsTotal: n(200), RowsDone: 50}, 0.25},
		{Export{Status: "RUNNING", RowsTotal: n(0)}, 1},
		{Export{Status: "RUNNING", RowsTotal: n(10), RowsDone: 12}, 1}, // never past the end
		{Export{Status: "SUCCEEDED", RowsTotal: n(10), RowsDone: 10}, 1},
		{Export{Status: "FAILED", RowsTotal: n(10), RowsDone: 3}, 0.3},
	} {
		if got := tc.e.Progress(); got != tc.want {
			t.Errorf("%+v: progress %v; want %v", tc.e, got, tc.want)
		}
	}
}
