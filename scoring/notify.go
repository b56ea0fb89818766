package scoring

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"tradeguard/tenants"
)

// Alert is one thing a store is told about its score.
type Alert struct {
	Topic  string // metric.status_changed or score.level_changed
	Action string // the store history's action
	Metric string // for a metric's status
	From   string
	To     string
	Reason string
}

// Alerts compares a store's new score of a day with the day before (prev) and with what was already stored
// for the same day (same, from an earlier run, whose alerts were already given): a metric turning AT_RISK or
// FAILING, and a change of level, each once.
func Alerts(prev, same *Score, now Score) []Alert {
	var out []Alert
	keys := make([]string, 0, len(now.Metrics))
	for k := range now.Metrics {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		to := now.Metrics[k].Status
		if to != AtRisk && to != Failing {
			continue
		}
		from := ""
		if prev != nil {
			from = prev.Metrics[k].Status
		}
		if from == to || (same != nil && same.Metrics[k].Status == to) {
			continue
		}
		out = append(out, Alert{Topic: "metric.status_changed", Action: "METRIC_" + to, Metric: k, From: from, To: to,
			Reason: fmt.Sprintf("%s is %s on %s: %s", k, to, now.Day.Format(time.DateOnly), describe(k, now.Metrics[k]))})
	}
	if prev != nil && prev.Level != now.Level && (same == nil || same.Level != now.Level) {
		out = append(out, Alert{Topic: "score.level_changed", Action: "SCORE_LEVEL_CHANGED", From: prev.Level, To: now.Level,
			Reason: fmt.Sprintf("level %s → %s on %s (score %.1f)", prev.Level, now.Level, now.Day.Format(time.DateOnly), now.Score)})
	}
	return out
}

func describe(key string, v MetricValue) string {
	switch key {
	case "averageRating":
		return fmt.Sprintf("%.2f stars over %d ratings", v.Value, v.Denominator)
	case "responseTime":
		return fmt.Sprintf("median first answer %.1f h", v.Value)
	}
	return fmt.Sprintf("%.2f%% (%d of %d orders)", 100*v.Value, v.Numerator, v.Denominator)
}

// notify writes each alert to the store's history and to the outbox, in the snapshot's transaction.
func notify(ctx context.Context, tx *sqlx.Tx, store tenants.Store, prev, same *Score, sc Score, now time.Time) error {
	for _, a := range Alerts(prev, same, sc) {
		if _, err := tx.ExecContext(ctx, `insert into lifecycle_events (id, tenant_id, at, actor, action, from_status, to_status, reason)
			values ($1, $2, $3, 'SYSTEM', $4, nullif($5, ''), $6, $7)`, uuid.New(), store.ID, now, a.Action, a.From, a.To, a.Reason); err != nil {
			return err
		}
		payload, err := json.Marshal(map[string]any{"storeId": store.ID, "day": sc.Day.Format(time.DateOnly), "metric": a.Metric,
			"from": a.From, "to": a.To, "score": sc.Score, "level": sc.Level, "policyVersion": sc.PolicyVersion})
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `insert into outbox_events (tenant_id, id, topic, subject_id, payload, occurred_at)
			values ($1, $2, $3, $1, $4, $5)`, store.ID, uuid.New(), a.Topic, payload, now); err != nil {
			return err
		}
	}
	return nil
}
