package limits

import "fmt"

// Tunable are the document limits an operator may change (the server's -max-query-tokens, -max-fields,
// -max-aliases, -max-depth and -max-complexity). The others keep the checks themselves linear or follow the
// schema's shape, and stay fixed.
type Tunable struct {
	QueryTokens, Fields, Aliases, Depth, Complexity int
}

// Defaults are the limits the server runs with unless told otherwise.
func Defaults() Tunable {
	return Tunable{QueryTokens: MaxQueryTokens, Fields: MaxFields, Aliases: MaxAliases, Depth: MaxDepth, Complexity: MaxComplexity}
}

// Validate refuses settings past what the checks are built for: validation compares fields pairwise, so
// many more fields would make one request's validation quadratic in a large number; depth beyond MaxNesting
// could never be reached.
func (t Tunable) Validate() error {
	for _, c := range []struct {
		flag        string
		v, min, max int
	}{
		{"-max-query-tokens", t.QueryTokens, 100, 50000},
		{"-max-fields", t.Fields, 10, 5000},
		{"-max-aliases", t.Aliases, 0, t.Fields},
		{"-max-depth", t.Depth, 3, MaxNesting},
		{"-max-complexity", t.Complexity, 100, 10_000_000},
	} {
		if c.v < c.min || c.v > c.max {
			return fmt.Errorf("%s must be between %d and %d (got %d)", c.flag, c.min, c.max, c.v)
		}
	}
	return nil
}
