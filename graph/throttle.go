package graph

import (
	"context"
	"fmt"
	"math"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"tradeguard/tenants"
	"tradeguard/throttle"
)

// CodeThrottled: the caller's bucket does not hold what the request costs (HTTP 429 with Retry-After).
const CodeThrottled = "THROTTLED"

// ThrottlePolicies are the buckets of each kind of caller: API tokens and signed-in merchants and buyers
// (Caller), platform admins (Admin). Anonymous requests have no bucket: they reach little, and the
// admission queue bounds them.
type ThrottlePolicies struct {
	Caller, Admin throttle.Policy
}

// DefaultThrottle: a full bucket holds the largest operation the limits admit (limits.MaxComplexity) and
// restores in 20 seconds, as Shopify's 1,000 points at 50 a second do; admins five times as much.
func DefaultThrottle(maxComplexity int) ThrottlePolicies {
	c := float64(maxComplexity)
	return ThrottlePolicies{
		Caller: throttle.Policy{Capacity: c, RestorePerSecond: c / 20},
		Admin:  throttle.Policy{Capacity: 5 * c, RestorePerSecond: 5 * c / 20},
	}
}

// bucketOf is the caller's bucket key and policy; ok is false for callers with no bucket.
func (tp ThrottlePolicies) bucketOf(p tenants.Principal) (key string, pol throttle.Policy, ok bool) {
	switch {
	case p.TokenID != [16]byte{}:
		return "token:" + p.TokenID.String(), tp.Caller, !tp.Caller.Off()
	case p.UserID == [16]byte{}:
		return "", throttle.Policy{}, false
	case p.Is(tenants.RoleAdmin):
		return "user:" + p.UserID.String(), tp.Admin, !tp.Admin.Off()
	}
	return "user:" + p.UserID.String(), tp.Caller, !tp.Caller.Off()
}

// throttleExtension charges each operation's requested cost (the limits' complexity) before it runs,
// refunds down to its actual cost after (one point per field resolved, the same rule the complexity
// estimates with), and reports both in extensions.cost.
type throttleExtension struct {
	policies ThrottlePolicies
	buckets  *throttle.Buckets
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationInterceptor
	graphql.FieldInterceptor
} = (*throttleExtension)(nil)

func (*throttleExtension) ExtensionName() string                   { return "TradeguardThrottle" }
func (*throttleExtension) Validate(graphql.ExecutableSchema) error { return nil }

type fieldCountKey struct{}

func (*throttleExtension) InterceptField(ctx context.Context, next graphql.Resolver) (any, error) {
	if n, ok := ctx.Value(fieldCountKey{}).(*atomic.Int64); ok {
		n.Add(1)
	}
	return next(ctx)
}

func (x *throttleExtension) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	requested := OperationCost(ctx)
	key, pol, limited := x.policies.bucketOf(tenants.PrincipalFrom(ctx))
	if limited {
		ok, wait, s := x.buckets.Take(key, pol, requested)
		if !ok {
			return graphql.OneShot(throttled(requested, wait, s))
		}
	}
	fields := new(atomic.Int64)
	respond := next(context.WithValue(ctx, fieldCountKey{}, fields))
	settled := false
	return func(ctx context.Context) *graphql.Response {
		resp := respond(ctx)
		if resp == nil || settled {
			return resp
		}
		settled = true
		actual := int(fields.Load())
		cost := map[string]any{"requestedQueryCost": requested, "actualQueryCost": actual}
		if limited {
			cost["throttleStatus"] = throttleStatus(x.buckets.Settle(key, pol, requested, actual))
		}
		if resp.Extensions == nil {
			resp.Extensions = map[string]any{}
		}
		resp.Extensions["cost"] = cost
		return resp
	}
}

func throttleStatus(s throttle.State) map[string]any {
	return map[string]any{"maximumAvailable": s.MaximumAvailable, "currentlyAvailable": math.Floor(s.CurrentlyAvailable),
		"restoreRate": s.RestoreRate}
}

// throttled is the answer to a request the bucket does not hold: nothing ran, and the error says what it
// costs, what is there, and when to come back (extensions.retryAfterSeconds, also the Retry-After header).
func throttled(requested int, wait time.Duration, s throttle.State) *graphql.Response {
	have := math.Floor(s.CurrentlyAvailable)
	msg := fmt.Sprintf("throttled: this request costs %d points and %.0f of %.0f are available (%.0f restored per second); retry after %d s",
		requested, have, s.MaximumAvailable, s.RestoreRate, retryAfterSeconds(wait))
	ext := map[string]any{"code": CodeThrottled, "retryAfterSeconds": retryAfterSeconds(wait)}
	if wait < 0 {
		msg = fmt.Sprintf("throttled: this request costs %d points, more than a full bucket holds (%.0f); ask for smaller pages",
			requested, s.MaximumAvailable)
		delete(ext, "retryAfterSeconds")
	}
	return &graphql.Response{
		Errors:     gqlerror.List{{Message: msg, Extensions: ext}},
		Extensions: map[string]any{"cost": map[string]any{"requestedQueryCost": requested, "actualQueryCost": 0, "throttleStatus": throttleStatus(s)}},
	}
}

// retryAfterSeconds rounds a wait up to whole seconds (Retry-After has no fractions), at least 1.
func retryAfterSeconds(wait time.Duration) int {
	return max(1, int(math.Ceil(wait.Seconds())))
}
