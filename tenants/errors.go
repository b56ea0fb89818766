package tenants

import (
	"errors"
	"strings"
)

// The failure vocabulary every domain package shares. It lives here because tenants is the one package all
// of them import; the GraphQL layer maps these to userErrors and to extensions.code.
var (
	// ErrForbidden: the principal may not do this at all (a role or scope problem, not a business rule).
	ErrForbidden = errors.New("forbidden")
	// ErrNotFound: no such thing, or not visible to this principal; the two answer the same on purpose.
	ErrNotFound = errors.New("not found")
	// ErrConflict: someone changed the thing since it was read (optimistic concurrency).
	ErrConflict = errors.New("conflict")
)

// RuleError is a refusal by a business rule. It reaches the caller as a userError with a stable Code, the
// input Field it concerns (if any), and a Message that says which rule and, where it applies, until when.
type RuleError struct {
	Code    string
	Field   []string
	Message string
}

func (e *RuleError) Error() string {
	if len(e.Field) == 0 {
		return e.Code + ": " + e.Message
	}
	return e.Code + " (" + strings.Join(e.Field, ".") + "): " + e.Message
}

// Refuse builds a RuleError; field is the input path, e.g. "input", "email".
func Refuse(code, message string, field ...string) *RuleError {
	return &RuleError{Code: code, Field: field, Message: message}
}

// RuleErrors is several refusals found together (e.g. every invalid field of an input at once).
type RuleErrors []*RuleError

func (es RuleErrors) Error() string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "; ")
}

// Err returns nil when there is no refusal, so validators can end with `return errs.Err()`.
func (es RuleErrors) Err() error {
	if len(es) == 0 {
		return nil
	}
	return es
}

// AsRuleErrors unpacks a RuleError or RuleErrors; ok is false for any other error.
func AsRuleErrors(err error) (RuleErrors, bool) {
	var many RuleErrors
	if errors.As(err, &many) {
		return many, true
	}
	var one *RuleError
	if errors.As(err, &one) {
		return RuleErrors{one}, true
	}
	return nil, false
}
