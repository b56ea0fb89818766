package graph

import (
	"context"
	"strconv"
	"time"

	"github.com/google/uuid"

	"tradeguard/graph/model"
	"tradeguard/tenants"
	"tradeguard/webhooks"
)

const kindWebhookSubscription = "WebhookSubscription"

func subscriptionPayload(sub webhooks.Subscription, secret string, err error) (*model.WebhookSubscriptionPayload, error) {
	ues, err := userErrors(err)
	if err != nil || ues != nil {
		return &model.WebhookSubscriptionPayload{UserErrors: ues}, err
	}
	p := &model.WebhookSubscriptionPayload{Subscription: &sub, UserErrors: []model.UserError{}}
	if secret != "" {
		p.Secret = &secret
	}
	return p, nil
}

func subscriptionID(id string) (uuid.UUID, error) {
	ids, ok := parseID(id, kindWebhookSubscription, 1)
	if !ok {
		return uuid.Nil, tenants.ErrNotFound
	}
	return ids[0], nil
}

// deliveryConnection pages a subscription's deliveries by event sequence (newest first).
func deliveryConnection(ctx context.Context, subscription string, first *int, after *string) (*model.WebhookDeliveryConnection, error) {
	id, err := subscriptionID(subscription)
	if err != nil {
		return nil, err
	}
	var before int64
	if after != nil && *after != "" {
		if before, err = strconv.ParseInt(*after, 10, 64); err != nil || before <= 0 {
			return nil, badInput("after", "is not a cursor from this connection")
		}
	}
	rows, more, err := webhooks.Deliveries(ctx, tenants.SessionFrom(ctx), id, before, pageSize(first))
	if err != nil {
		return nil, err
	}
	cursors := make([]string, len(rows))
	for i, d := range rows {
		cursors[i] = strconv.FormatInt(d.Seq, 10)
	}
	return &model.WebhookDeliveryConnection{Nodes: rows, PageInfo: pageInfo(cursors, more)}, nil
}

// redeliver queues an event again; an id that is not an event's answers like a missing one.
func redeliver(ctx context.Context, event string, now time.Time) (int, error) {
	id, err := uuid.Parse(event)
	if err != nil {
		return 0, tenants.ErrNotFound
	}
	return webhooks.Redeliver(ctx, tenants.SessionFrom(ctx), id, now)
}
