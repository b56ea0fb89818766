package graph

import (
	"context"
	"log/slog"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/jmoiron/sqlx"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"tradeguard/graph/limits"
	"tradeguard/graph/model"
	"tradeguard/internal/replica"
	"tradeguard/payments"
	"tradeguard/tenants"
	"tradeguard/throttle"
	"tradeguard/webhooks"
)

// Options configure the GraphQL handler.
type Options struct {
	DB       *sqlx.DB // connected as the app role
	Auth     *tenants.Auth
	Payments payments.Adapter
	Now      func() time.Time
	Dev      bool // introspection and "did you mean" for everyone
	Logger   *slog.Logger
	// Limits of one document; the zero value means limits.Defaults().
	Limits limits.Tunable
	// Throttle are the callers' cost buckets (zero: DefaultThrottle); ThrottleClock is their clock
	// (nil: time.Now; tests pass their own, apart from the business clock Now).
	Throttle      ThrottlePolicies
	ThrottleClock func() time.Time
	// Webhooks decides which endpoints a subscription may name (-webhooks-allow-loopback).
	Webhooks webhooks.Endpoints
	// Replicas, if set, serves the reads that allow staleness (metrics, trends, the scoreboard) from the read
	// replica; nil: everything reads the primary.
	Replicas *replica.Router
}

// NewHandler is the /graphql endpoint: POST for everything, GET for queries only, statuses and media types as
// the GraphQL-over-HTTP spec has them (transport.go). The caller's Principal must already be in the request
// context.
func NewHandler(o Options) *handler.Server {
	srv := handler.New(NewExecutableSchema(Config{
		Resolvers:  &Resolver{DB: o.DB, Auth: o.Auth, Payments: o.Payments, Now: o.Now, Webhooks: o.Webhooks},
		Directives: DirectiveRoot{Allow: allow},
		Complexity: complexity(),
	}))
	srv.AddTransport(HTTPTransport{})
	// File uploads (the GraphQL multipart request spec). The server's limitBody already bounds the body at
	// MaxUploadRequestBytes; MaxMemory above it keeps the files in memory (never in temporary files on disk).
	srv.AddTransport(transport.MultipartForm{MaxUploadSize: MaxUploadRequestBytes, MaxMemory: MaxUploadRequestBytes + 1})
	srv.SetQueryCache(boundedCache[*ast.QueryDocument]{lru.New[*ast.QueryDocument](1000)})
	if o.Limits == (limits.Tunable{}) {
		o.Limits = limits.Defaults()
	}
	srv.SetParserTokenLimit(o.Limits.QueryTokens)
	srv.Use(newPersistedQueries()) // first: it supplies the query text the limits read
	srv.Use(newLimits(o.Dev, o.Limits))
	if o.Throttle == (ThrottlePolicies{}) {
		o.Throttle = DefaultThrottle(o.Limits.Complexity)
	}
	if o.ThrottleClock == nil {
		o.ThrottleClock = time.Now
	}
	// Before the session: a throttled request opens no transaction.
	srv.Use(&throttleExtension{policies: o.Throttle, buckets: throttle.New(o.ThrottleClock)})
	srv.AroundOperations(withSession(o.DB, o.Replicas, o.Now))
	srv.SetErrorPresenter(presentError(o.Logger, o.Dev))
	srv.SetRecoverFunc(func(ctx context.Context, v any) error {
		o.Logger.ErrorContext(ctx, "graphql panic", "panic", v)
		return errPanic
	})
	return srv
}

var errPanic = gqlerror.Errorf("internal error")

// withSession gives each operation one database session scoped to the caller, and loaders that batch inside
// it. Queries read one REPEATABLE READ snapshot; a mutation commits only if it produced no error.
func withSession(db *sqlx.DB, replicas *replica.Router, now func() time.Time) graphql.OperationMiddleware {
	return func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		op := graphql.GetOperationContext(ctx).Operation
		isQuery := op != nil && op.Operation == ast.Query
		s := tenants.NewSession(db, tenants.PrincipalFrom(ctx), isQuery)
		s.UseReplicas(replicas, replica.AllowedFrom(ctx))
		ctx = tenants.WithSession(ctx, s)
		ctx = context.WithValue(ctx, loadersKey{}, newLoaders(s, now()))
		respond := next(ctx)
		return func(ctx context.Context) *graphql.Response {
			resp := respond(ctx)
			if resp == nil {
				_ = s.Rollback()
				return nil
			}
			if len(resp.Errors) > 0 && !isQuery {
				_ = s.Rollback()
				return resp
			}
			if err := s.Commit(); err != nil {
				if len(resp.Errors) > 0 {
					// A read whose statement failed (stopped at its deadline, say) aborted its transaction,
					// so the commit fails too; the failure itself is already in the answer.
					return resp
				}
				code, msg := CodeInternal, "internal error: could not commit"
				switch {
				case isSerializationFailure(err):
					code, msg = CodeConflict, "changed by someone else at the same time; retry"
				case stopped(ctx, err):
					code, msg = CodeTimeout, msgTimeout
				}
				return &graphql.Response{Errors: gqlerror.List{{Message: msg, Extensions: map[string]any{"code": code}}}}
			}
			return resp
		}
	}
}

// complexity makes lists cost per item: a connection costs `first` times its rows, an order's items an
// estimated 10 lines each.
func complexity() ComplexityRoot {
	var c ComplexityRoot
	perPage := func(child int, first *int) int { return 1 + child*pageSize(first) }
	c.Query.Orders = func(child int, first *int, _ *string, _ *model.OrderFilter) int { return perPage(child, first) }
	c.Query.Products = func(child int, first *int, _ *string, _ *model.ProductFilter) int { return perPage(child, first) }
	c.Query.Stores = func(child int, first *int, _ *string) int { return perPage(child, first) }
	c.Order.Items = func(child int) int { return 1 + child*10 }
	c.Query.AfterSalesCases = func(child int, first *int, _ *string, _ *model.AfterSalesCaseFilter) int {
		return perPage(child, first)
	}
	c.Query.ArbitrationQueue = func(child int, first *int, _ *string) int { return perPage(child, first) }
	c.Query.ComplaintQueue = func(child int, first *int, _ *string) int { return perPage(child, first) }
	c.Store.Ratings = func(child int, first *int, _ *string, _ *model.RatingFilter) int { return perPage(child, first) }
	c.Query.WebhookDeliveries = func(child int, _ string, first *int, _ *string) int { return perPage(child, first) }
	c.Store.Violations = func(child int, first *int, _ *string, _ *model.ViolationFilter) int { return perPage(child, first) }
	return c
}
