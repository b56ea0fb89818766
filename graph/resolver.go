package graph

import (
	"time"

	"github.com/jmoiron/sqlx"

	"tradeguard/payments"
	"tradeguard/tenants"
	"tradeguard/webhooks"
)

// Resolver holds what resolvers need besides the request's session (which travels in the context).
type Resolver struct {
	DB       *sqlx.DB
	Auth     *tenants.Auth
	Payments payments.Adapter
	Now      func() time.Time
	Webhooks webhooks.Endpoints // which endpoints subscriptions may name
}
