package embeddedpg

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// BinDir finds the PostgreSQL server binaries: $PG_BINDIR, else `pg_config --bindir`,
// else the highest /usr/lib/postgresql/<version>/bin that contains initdb.
func BinDir() (string, error) {
	if d := os.Getenv("PG_BINDIR"); d != "" {
		if hasInitdb(d) {
			return d, nil
		}
		return "", fmt.Errorf("PG_BINDIR=%s does not contain initdb", d)
	}
	// pg_config may come from libpq-dev of another major version without server binaries,
	// so its answer is only used when initdb is really there.
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		if d := strings.TrimSpace(string(out)); hasInitdb(d) {
			return d, nil
		}
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(matches) > 0 {
		sort.Slice(matches, func(i, j int) bool { return versionLess(verOf(matches[j]), verOf(matches[i])) })
		return filepath.Dir(matches[0]), nil
	}
	hint := "sudo apt-get install -y postgresql"
	if os.Geteuid() == 0 {
		hint = "apt-get install -y postgresql"
	}
	return "", errors.New("PostgreSQL server binaries not found; install them with: " + hint)
}

func hasInitdb(dir string) bool {
	st, err := os.Stat(filepath.Join(dir, "initdb"))
	return err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0
}

// verOf extracts "15" from /usr/lib/postgresql/15/bin/initdb.
func verOf(initdb string) string { return filepath.Base(filepath.Dir(filepath.Dir(initdb))) }

// versionLess compares dotted versions numerically so that "9.6" < "15".
func versionLess(a, b string) bool {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) && i < len(bs); i++ {
		x, _ := strconv.Atoi(as[i])
		y, _ := strconv.Atoi(bs[i])
		if x != y {
			return x < y
		}
	}
	return len(as) < len(bs)
}
