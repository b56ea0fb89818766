// Package limits decides what a GraphQL request may cost before anything expands or executes. Every check
// here costs time and memory linear in what the client wrote: fragments are analysed once and their figures
// reused wherever they are spread, so a document cannot make a check do more work than its own size.
//
// The checks run in three steps, each refusing with an error whose extensions.code says which limit:
//   - Variables: the raw JSON variables (nesting, list lengths, value count, text that no field accepts);
//   - Document: the parsed document before validation (fields, aliases, directives, nesting through
//     fragments, the size the document expands to, introspection);
//   - Operation: the validated operation with its variables (depth, page sizes, cost, and every argument
//     value against its type and the schema's @maxLength / @range).
package limits

import (
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Defaults of the request limits (README: Limits and security).
const (
	MaxQueryTokens = 5000 // parser tokens in a document
	// MaxFields bounds the field selections written in a document: validation (overlapping-field merging) is
	// quadratic in them.
	MaxFields  = 500
	MaxAliases = 30
	// MaxExpanded bounds the selections a document turns into once every fragment is expanded where it is
	// spread, counting each fragment level twice (gqlgen's field collection copies a fragment's selections
	// once more per level). The standard introspection query expands to about 800.
	MaxExpanded = 10000
	// MaxNesting bounds selection sets nested in one another, fragments and inline fragments included.
	MaxNesting = 30
	// MaxDepth bounds fields nested in one another (fragments are transparent; __Type.ofType, which cannot
	// fan out, does not count).
	MaxDepth = 10
	// MaxDirectives bounds the directives on one selection (@skip and @include are all the schema has).
	MaxDirectives = 4
	MaxOperations = 20
	MaxComplexity = 20000
	MaxPageSize   = 100
	// MaxInputDepth bounds lists and objects nested in an argument or a variable (the deepest input type
	// nests 3).
	MaxInputDepth = 8
	// MaxListItems bounds one list in an argument or variable; MaxInputValues all values in the variables.
	MaxListItems   = 1000
	MaxInputValues = 10000
	// DefaultMaxLength is the length limit, in characters, of a String argument or input field whose schema
	// declaration has no @maxLength: an outer bound, above the business rules' own limits (which refuse with
	// userErrors naming the field). IDs are at most MaxIDLength bytes.
	DefaultMaxLength = 1000
	MaxIDLength      = 200
)

// Codes of the refusals (extensions.code).
const (
	CodeTooManyFields     = "TOO_MANY_FIELDS"
	CodeTooManyAliases    = "TOO_MANY_ALIASES"
	CodeTooManyDirectives = "TOO_MANY_DIRECTIVES"
	CodeTooManyOperations = "TOO_MANY_OPERATIONS"
	CodeTooLarge          = "QUERY_TOO_LARGE" // expands past MaxExpanded
	CodeNestedTooDeep     = "NESTED_TOO_DEEP" // MaxNesting
	CodeTooDeep           = "QUERY_TOO_DEEP"  // MaxDepth
	CodeTooComplex        = "QUERY_TOO_COMPLEX"
	CodeInputTooLarge     = "INPUT_TOO_LARGE" // MaxInputDepth, MaxListItems, MaxInputValues
	CodeBadUserInput      = "BAD_USER_INPUT"
	CodeForbidden         = "FORBIDDEN"
)

func refuse(code, msg string) *gqlerror.Error {
	return &gqlerror.Error{Message: msg, Extensions: map[string]any{"code": code}}
}

// refuseField is a refusal about one input position; field is its path, e.g. ["input", "lines", "0", "title"].
func refuseField(code string, field []string, msg string) *gqlerror.Error {
	e := refuse(code, msg)
	if len(field) > 0 {
		e.Extensions["field"] = field
	}
	return e
}

// sat is saturating addition of non-negative figures, so a document cannot overflow a count into a small one.
func sat(a, b int) int {
	if c := a + b; c >= a && c >= b {
		return c
	}
	return int(^uint(0) >> 1)
}

// satMul is saturating multiplication of non-negative figures.
func satMul(a, b int) int {
	if a == 0 || b == 0 {
		return 0
	}
	if c := a * b; c/b == a {
		return c
	}
	return int(^uint(0) >> 1)
}
