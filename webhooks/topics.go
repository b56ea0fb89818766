// Package webhooks sends a store's events to the HTTPS endpoints its owner (or, for every store, a platform
// admin) subscribed (README: Webhooks). The events are outbox_events rows written with the facts they
// announce (migration 00015's triggers, and scoring's alerts); each fans out to webhook_deliveries in the
// same transaction; the Deliverer posts them at least once, in order per subject, signed, with retries.
package webhooks

import "slices"

// Topics are the events one may subscribe to.
var Topics = []string{
	"order.paid", "order.shipped", "order.cancelled",
	"case.created", "case.status_changed", "case.deadline_near",
	"rating.created", "violation.issued", "penalty.started",
	"metric.status_changed", "score.level_changed",
	"bulk_export.finished",
}

// KnownTopic reports whether t is one of Topics.
func KnownTopic(t string) bool { return slices.Contains(Topics, t) }
