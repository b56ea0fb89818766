package graph

import (
	"context"
	"errors"
	"log/slog"
	"regexp"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/lib/pq"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"tradeguard/graph/model"
	"tradeguard/internal/reqid"
	"tradeguard/tenants"
)

// Top-level error codes (extensions.code). Business-rule refusals in mutations are userErrors instead.
const (
	CodeUnauthenticated = "UNAUTHENTICATED"
	CodeForbidden       = "FORBIDDEN"
	CodeNotFound        = "NOT_FOUND"
	CodeConflict        = "CONFLICT"
	CodeBadUserInput    = "BAD_USER_INPUT"
	CodeInternal        = "INTERNAL"
	// CodeTimeout: the request passed its deadline (or its client left) and its work was stopped.
	CodeTimeout = "TIMEOUT"
)

const msgTimeout = "the request did not finish before its deadline and was stopped; ask for less, or retry"

// stopped: err is the request's work being stopped because its deadline passed or its client left (the
// context's error, or PostgreSQL's query_canceled from statement_timeout or a cancel request).
func stopped(ctx context.Context, err error) bool {
	var pe *pq.Error
	return ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) ||
		(errors.As(err, &pe) && pe.Code == "57014")
}

var errUnauthenticated = errors.New("sign in first: this field needs a token")

// presentError gives every error a stable extensions.code and a message fit for the caller. Anything not
// recognised is INTERNAL: logged in full with the request id, shown only as that id, so no SQL ever leaks.
func presentError(log *slog.Logger, dev bool) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		var gerr *gqlerror.Error
		if errors.As(err, &gerr) && gerr.Err == nil {
			// gqlgen's own parse, validation and limit errors: already coded and safe.
			if !dev && !tenants.PrincipalFrom(ctx).Is(tenants.RoleAdmin) {
				gerr.Message = didYouMean.ReplaceAllString(gerr.Message, "")
			}
			if isVariableCoercion(gerr) {
				// A variable of the wrong type or shape is the caller's input, like any other bad value.
				gerr.Extensions["code"] = CodeBadUserInput
			}
			return gerr
		}
		out := graphql.DefaultErrorPresenter(ctx, err)
		code, msg := classify(err)
		if code == CodeInternal && stopped(ctx, err) {
			code, msg = CodeTimeout, msgTimeout
		}
		if code == CodeInternal {
			log.ErrorContext(ctx, "graphql internal error", "request_id", reqid.From(ctx), "path", out.Path.String(), "error", err)
			msg = "internal error; quote request id " + reqid.From(ctx)
		}
		out.Message = msg
		if out.Extensions == nil {
			out.Extensions = map[string]any{}
		}
		out.Extensions["code"] = code
		if in := (*inputError)(nil); errors.As(err, &in) && in.field != "" {
			out.Extensions["field"] = in.field
		}
		return out
	}
}

// isVariableCoercion: gqlparser's refusal of a variable's value (its path starts with "variable").
func isVariableCoercion(e *gqlerror.Error) bool {
	if len(e.Path) == 0 || e.Extensions == nil || e.Extensions["code"] != errcode.ValidationFailed {
		return false
	}
	name, ok := e.Path[0].(ast.PathName)
	return ok && name == "variable"
}

// Validation messages suggest field names ("Did you mean …?"); outside development only admins get them.
var didYouMean = regexp.MustCompile(`\s*Did you mean[^?]*\?`)

func classify(err error) (code, msg string) {
	var in *inputError
	switch {
	case errors.Is(err, errUnauthenticated):
		return CodeUnauthenticated, err.Error()
	case errors.Is(err, tenants.ErrForbidden):
		return CodeForbidden, "not allowed for this caller"
	case errors.Is(err, tenants.ErrNotFound):
		return CodeNotFound, "not found"
	case errors.Is(err, tenants.ErrConflict):
		return CodeConflict, "changed by someone else since you read it; read it again and retry"
	case errors.As(err, &in):
		return CodeBadUserInput, in.msg
	case err.Error() == "introspection disabled": // gqlgen's own refusal, for __schema/__type nested below the root
		return CodeForbidden, "introspection is available to admins only (and to everyone in development mode)"
	}
	if rules, ok := tenants.AsRuleErrors(err); ok {
		return CodeBadUserInput, rules.Error()
	}
	return CodeInternal, ""
}

// userErrors turns business-rule refusals into a payload's userErrors; any other error is returned as is.
func userErrors(err error) ([]model.UserError, error) {
	rules, ok := tenants.AsRuleErrors(err)
	if !ok {
		return nil, err
	}
	out := make([]model.UserError, len(rules))
	for i, r := range rules {
		out[i] = model.UserError{Code: r.Code, Field: r.Field, Message: r.Message}
	}
	return out, nil
}
