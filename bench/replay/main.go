// Command replay turns a capture of the server's SQL (server -capture-sql FILE: one JSON line per statement)
// into a pgbench script that runs the last whole transaction in it exactly as the server sent it: the same
// text, prepared once per pgbench client (PREPARE, as the server's connections keep theirs prepared; the
// parameters' types are inferred from the text as they are for lib/pq's), and run with the same arguments
// (EXECUTE). Run the script with pgbench -M simple -Dprepared=0.
//
//	go run ./bench/replay -in capture.jsonl -script page.sql
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"strings"
)

type statement struct {
	SQL  string    `json:"sql"`
	Args []*string `json:"args"`
}

func main() {
	in := flag.String("in", "", "capture file (JSON lines)")
	script := flag.String("script", "", "pgbench script to write")
	flag.Parse()
	tx, err := lastTransaction(*in)
	if err != nil {
		log.Fatal(err)
	}
	var prep, run strings.Builder
	for i, st := range tx {
		if begin, settings, ok := strings.Cut(st.SQL, "; "); ok && strings.HasPrefix(begin, "BEGIN") {
			// BEGIN with the request's context (internal/pgstmt): one query, as pgbench's compound command.
			run.WriteString(begin + " \\; " + strings.Join(strings.Fields(settings), " ") + ";\n")
			continue
		}
		if strings.Contains(st.SQL, ";") {
			log.Fatalf("statement %d holds a semicolon, which pgbench would end it at: %s", i, st.SQL)
		}
		text := strings.Join(strings.Fields(st.SQL), " ") // pgbench reads one command per line here
		if len(st.Args) == 0 {
			run.WriteString(text + ";\n")
			continue
		}
		fmt.Fprintf(&prep, "PREPARE s%d AS %s;\n", i, text)
		args := make([]string, len(st.Args))
		for n, a := range st.Args {
			if a == nil {
				args[n] = "NULL"
			} else {
				args[n] = "'" + strings.ReplaceAll(*a, "'", "''") + "'"
			}
		}
		fmt.Fprintf(&run, "EXECUTE s%d(%s);\n", i, strings.Join(args, ", "))
	}
	// Client variables live as long as the client (pgbench -Dprepared=0 starts each at 0): the statements are
	// prepared in its first transaction.
	out := "\\if :prepared = 0\n" + prep.String() + "\\set prepared 1\n\\endif\n" + run.String()
	if err := os.WriteFile(*script, []byte(out), 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Fprintf(os.Stderr, "replay: %d statements (BEGIN and COMMIT included) from %s\n", len(tx), *in)
}

// lastTransaction returns the statements from the last BEGIN to its COMMIT.
func lastTransaction(path string) ([]statement, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var cur, last []statement
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var st statement
		if err := json.Unmarshal(sc.Bytes(), &st); err != nil {
			return nil, err
		}
		switch {
		case strings.HasPrefix(st.SQL, "BEGIN"):
			cur = []statement{st}
		case cur != nil:
			cur = append(cur, st)
			if st.SQL == "COMMIT" {
				last, cur = cur, nil
			}
		}
	}
	if last == nil {
		return nil, fmt.Errorf("%s holds no whole transaction", path)
	}
	return last, sc.Err()
}
