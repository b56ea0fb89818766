package exports

import (
	"bytes"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"errors"
	"strings"
)

// chunkWriter turns rows (PostgreSQL's JSON text of each, see kind.rowSQL) into the file's bytes and hands
// them on in chunks of about size bytes: what it holds never passes one chunk and one row.
type chunkWriter struct {
	format string
	size   int
	flush  func(data []byte, seq int, rows int) error
	buf    bytes.Buffer
	csv    *csv.Writer
	seq    int
	rows   int
	fields []string
}

func newChunkWriter(format string, header []string, size int, flush func([]byte, int, int) error) *chunkWriter {
	w := &chunkWriter{format: format, size: size, flush: flush}
	if format == CSV {
		// A byte order mark so spreadsheet programs read Chinese text right, as the scoreboard's CSV does.
		w.buf.WriteString("\ufeff")
		w.csv = csv.NewWriter(&w.buf)
		_ = w.csv.Write(header)
		w.csv.Flush()
		w.fields = make([]string, len(header))
	}
	return w
}

func (w *chunkWriter) row(row []byte) error {
	if w.format == JSONL {
		w.buf.Write(row)
		w.buf.WriteByte('\n')
	} else {
		if err := csvFields(row, w.fields); err != nil {
			return err
		}
		if err := w.csv.Write(w.fields); err != nil {
			return err
		}
		w.csv.Flush()
	}
	w.rows++
	if w.buf.Len() >= w.size {
		return w.emit()
	}
	return nil
}

func (w *chunkWriter) emit() error {
	if err := w.flush(w.buf.Bytes(), w.seq, w.rows); err != nil {
		return err
	}
	w.seq++
	w.buf.Reset()
	return nil
}

// close stores what is left (an empty export of JSONL stores nothing; CSV always has its header).
func (w *chunkWriter) close() error {
	if w.buf.Len() == 0 {
		return nil
	}
	return w.emit()
}

// csvFields fills fields from a row's JSON array: strings as they are, null as empty, numbers, booleans
// and nested values (an order's lines) as their JSON text.
func csvFields(row []byte, fields []string) error {
	var vals []json.RawMessage
	if err := json.Unmarshal(row, &vals); err != nil {
		return err
	}
	if len(vals) != len(fields) {
		return errors.New("exports: row has the wrong number of fields")
	}
	for i, v := range vals {
		switch {
		case len(v) > 0 && v[0] == '"':
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				return err
			}
			fields[i] = defuseFormula(s)
		case string(v) == "null":
			fields[i] = ""
		default:
			fields[i] = string(v)
		}
	}
	return nil
}

// defuseFormula keeps a spreadsheet from running text a buyer or merchant wrote (a comment, a reason) as a
// formula: text that starts like one gets a leading apostrophe, which spreadsheets hide (OWASP's advice).
func defuseFormula(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// prefixed qualifies a column list with a table alias.
func prefixed(alias, columns string) string {
	parts := strings.Split(columns, ",")
	for i, p := range parts {
		parts[i] = alias + strings.TrimSpace(p)
	}
	return strings.Join(parts, ", ")
}

func ignoreNoRows(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	return err
}
