package scoring

import (
	"testing"
	"time"
)

func TestStatusBands(t *testing.T) {
	rate := Rule{Metric: "dissatisfactionRate", Excellent: 0.01, Threshold: 0.03}
	stars := Shape(Rule{Metric: "averageRating", Excellent: 4.8, Threshold: 4.5})
	for _, c := range []struct {
		r            Rule
		v            float64
		insufficient bool
		want         string
	}{
		{rate, 0, false, Excellent},
		{rate, 0.01, false, Excellent}, // E itself
		{rate, 0.0199, false, Good},
		{rate, 0.02, false, AtRisk}, // halfway
		{rate, 0.03, false, AtRisk}, // T itself
		{rate, 0.0301, false, Failing},
		{rate, 0.5, true, Insufficient},
		{stars, 5, false, Excellent},
		{stars, 4.8, false, Excellent},
		{stars, 4.7, false, Good},
		{stars, 4.65, false, AtRisk},
		{stars, 4.5, false, AtRisk},
		{stars, 4.49, false, Failing},
	} {
		if got := Status(c.r, c.v, c.insufficient); got != c.want {
			t.Errorf("Status(%s, %v, %v) = %s, want %s", c.r.Metric, c.v, c.insufficient, got, c.want)
		}
	}
}

func TestAlertsOncePerChange(t *testing.T) {
	day := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	score := func(level string, statuses map[string]string) *Score {
		sc := &Score{Day: day, Metrics: map[string]MetricValue{}}
		sc.Level = level
		for k, s := range statuses {
			sc.Metrics[k] = MetricValue{Status: s}
		}
		return sc
	}
	prev := score("A", map[string]string{"dissatisfactionRate": Good, "lateShipmentRate": AtRisk})
	now := score("B", map[string]string{"dissatisfactionRate": Failing, "lateShipmentRate": AtRisk, "refundRate": AtRisk})

	got := Alerts(prev, nil, *now)
	want := []string{"METRIC_FAILING dissatisfactionRate", "METRIC_AT_RISK refundRate", "SCORE_LEVEL_CHANGED "}
	if len(got) != len(want) {
		t.Fatalf("alerts = %+v, want %v", got, want)
	}
	for i, a := range got {
		if a.Action+" "+a.Metric != want[i] || a.Reason == "" {
			t.Errorf("alert %d = %+v, want %s with a reason", i, a, want[i])
		}
	}
	// The same day scored again: nothing new to tell.
	if again := Alerts(prev, now, *now); len(again) != 0 {
		t.Fatalf("alerts on a second run of the same day = %+v, want none", again)
	}
	// The first day a store is scored has no level to change from.
	if first := Alerts(nil, nil, *now); len(first) != 3 {
		t.Fatalf("alerts of a first score = %+v, want the three metrics AT_RISK or FAILING and no level change", first)
	}
}

func TestValidateWantsEveryMetric(t *testing.T) {
	p := Default()
	p.Rules = p.Rules[:len(p.Rules)-1] // responseTime (weight 0) left out
	err := p.Validate()
	if err == nil {
		t.Fatal("a policy without responseTime validated")
	}
	if Default().Validate() != nil {
		t.Fatalf("the default policy is invalid: %v", Default().Validate())
	}
}
