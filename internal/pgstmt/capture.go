package pgstmt

import (
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"time"
)

// CaptureTo returns a Capture that appends each statement to path as one JSON line {"sql", "args"}, each
// argument in the text form lib/pq sends it (null for NULL). Benchmarks replay these with pgbench.
func CaptureTo(path string) (func(Statement), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	var mu sync.Mutex
	return func(s Statement) {
		line := struct {
			SQL  string    `json:"sql"`
			Args []*string `json:"args,omitempty"`
		}{SQL: s.SQL}
		for _, a := range s.Args {
			line.Args = append(line.Args, textOf(a.Value))
		}
		b, _ := json.Marshal(line)
		mu.Lock()
		defer mu.Unlock()
		_, _ = f.Write(append(b, '\n'))
	}, nil
}

func textOf(v any) *string {
	var s string
	switch v := v.(type) {
	case nil:
		return nil
	case string:
		s = v
	case []byte:
		s = fmt.Sprintf(`\x%x`, v)
	case time.Time:
		s = v.Format(time.RFC3339Nano)
	default: // int64, float64, bool
		s = fmt.Sprint(v)
	}
	return &s
}
