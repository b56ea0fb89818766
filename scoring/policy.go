// Package scoring turns a store's metrics and violation points into its score, level and what-if, under a
// versioned scoring policy (docs/DESIGN.md §3.6). Everything here is a plain function of its inputs; the
// metrics themselves are computed elsewhere.
package scoring

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
)

// Metrics a policy may rule on (the keys of package metrics).
var Metrics = []string{"dissatisfactionRate", "orderDefectRate", "refundRate", "qualityRefundRate", "interventionRate",
	"disputeRate", "lateShipmentRate", "cancellationRate", "responseTime", "averageRating"}

// Shape completes a rule with what its metric fixes: ratings are better higher, on a scale up to 5 stars.
func Shape(r Rule) Rule {
	r.HigherIsBetter, r.Max = r.Metric == "averageRating", 0
	if r.HigherIsBetter {
		r.Max = 5
	}
	return r
}

// Rule is how one metric counts: its weight, its excellent value E and threshold T. A rate is better lower;
// a rating is better higher, on a scale up to Max.
type Rule struct {
	Metric         string  `json:"metric"`
	Weight         int     `json:"weight"`
	Excellent      float64 `json:"excellent"`
	Threshold      float64 `json:"threshold"`
	HigherIsBetter bool    `json:"higherIsBetter"`
	Max            float64 `json:"max,omitempty"` // the best possible value of a higher-is-better metric (5 stars)
}

// Band is the lowest score of a level.
type Band struct {
	Level string  `json:"level"`
	Min   float64 `json:"min"`
}

// Policy is one version of the scoring rules. Versions are immutable once published.
type Policy struct {
	Version int    `json:"version"`
	Rules   []Rule `json:"rules"`
	// Points are deducted per active violation point of each track, at most DeductionCap in all.
	GeneralPointValue float64 `json:"generalPointValue"`
	SeriousPointValue float64 `json:"seriousPointValue"`
	DeductionCap      float64 `json:"deductionCap"`
	// Bands from the best level down; a score below the last band is LowestLevel.
	Bands       []Band `json:"bands"`
	LowestLevel string `json:"lowestLevel"`
	// MinOrders: a store with fewer orders in the last 30 days is UNRATED.
	MinOrders int `json:"minOrders"`
}

// Unrated is the level of a store with too few orders to be scored.
const Unrated = "UNRATED"

// Default is the platform's first policy (DESIGN.md §3.6).
func Default() Policy {
	return Policy{
		Version: 1,
		Rules: []Rule{
			{Metric: "dissatisfactionRate", Weight: 25, Excellent: 0.01, Threshold: 0.03},
			{Metric: "orderDefectRate", Weight: 20, Excellent: 0.003, Threshold: 0.01},
			{Metric: "disputeRate", Weight: 15, Excellent: 0.0005, Threshold: 0.003},
			{Metric: "qualityRefundRate", Weight: 10, Excellent: 0.01, Threshold: 0.04},
			{Metric: "lateShipmentRate", Weight: 10, Excellent: 0.01, Threshold: 0.04},
			{Metric: "cancellationRate", Weight: 10, Excellent: 0.005, Threshold: 0.025},
			{Metric: "averageRating", Weight: 10, Excellent: 4.8, Threshold: 4.5, HigherIsBetter: true, Max: 5},
			// watched (status and alerts), not weighted
			{Metric: "refundRate", Weight: 0, Excellent: 0.03, Threshold: 0.08},
			{Metric: "interventionRate", Weight: 0, Excellent: 0.005, Threshold: 0.02},
			{Metric: "responseTime", Weight: 0, Excellent: 12, Threshold: 24}, // hours
		},
		GeneralPointValue: 0.5, SeriousPointValue: 1, DeductionCap: 30,
		Bands:       []Band{{"S", 90}, {"A", 80}, {"B", 70}, {"C", 60}},
		LowestLevel: "D",
		MinOrders:   30,
	}
}

// Validate says everything wrong with a policy, each problem naming its field, so an admin can fix them all at
// once: every metric once, weights sum to 100, E better than T, bands strictly descending within 0..100.
func (p Policy) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, &FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	if len(p.Rules) == 0 {
		bad("rules", "a policy needs at least one metric")
	}
	sum, seen := 0, map[string]bool{}
	for i, r := range p.Rules {
		at := fmt.Sprintf("rules.%d", i)
		switch {
		case strings.TrimSpace(r.Metric) == "":
			bad(at+".metric", "name the metric")
		case seen[r.Metric]:
			bad(at+".metric", "%s appears twice", r.Metric)
		case !slices.Contains(Metrics, r.Metric):
			bad(at+".metric", "no metric %q; the metrics are %s", r.Metric, strings.Join(Metrics, ", "))
		}
		seen[r.Metric] = true
		if r.Weight < 0 || r.Weight > 100 {
			bad(at+".weight", "a weight is 0 to 100 (got %d)", r.Weight)
		}
		sum += r.Weight
		switch {
		case r.Excellent < 0 || r.Threshold < 0 || math.IsNaN(r.Excellent) || math.IsNaN(r.Threshold):
			bad(at, "excellent and threshold are not negative")
		case r.HigherIsBetter && r.Excellent <= r.Threshold:
			bad(at+".excellent", "for %s higher is better: excellent (%g) must be above the threshold (%g)", r.Metric, r.Excellent, r.Threshold)
		case !r.HigherIsBetter && r.Excellent >= r.Threshold:
			bad(at+".excellent", "for %s lower is better: excellent (%g) must be below the threshold (%g)", r.Metric, r.Excellent, r.Threshold)
		case r.HigherIsBetter && (r.Max < r.Excellent || 2*(r.Max-r.Threshold) > r.Max):
			bad(at+".max", "the best value (%g) must be at least excellent (%g), and the score reaches 0 inside the scale", r.Max, r.Excellent)
		}
	}
	if sum != 100 {
		bad("rules", "the weights sum to %d; they must sum to 100", sum)
	}
	// Every metric has E and T, so merchants always see where each stands; weight 0 only watches it.
	for _, m := range Metrics {
		if !seen[m] {
			bad("rules", "%s has no rule: give every metric one (weight 0 to watch it without scoring it)", m)
		}
	}
	if p.GeneralPointValue < 0 || p.SeriousPointValue < 0 || p.DeductionCap < 0 || p.DeductionCap > 100 {
		bad("deduction", "point values are not negative and the cap is 0 to 100")
	}
	last := math.Inf(1)
	for i, b := range p.Bands {
		if b.Level == "" || b.Level == Unrated || b.Level == p.LowestLevel {
			bad(fmt.Sprintf("bands.%d.level", i), "name each level once (not %q)", b.Level)
		}
		if b.Min <= 0 || b.Min > 100 || b.Min >= last {
			bad(fmt.Sprintf("bands.%d.min", i), "bands go from the best level down, each lower than the one before, within 0..100")
		}
		last = b.Min
	}
	if p.LowestLevel == "" {
		bad("lowestLevel", "name the level below the last band")
	}
	if p.MinOrders < 1 {
		bad("minOrders", "at least 1")
	}
	return errors.Join(errs...)
}

// FieldError is a problem with one field of a policy.
type FieldError struct{ Field, Message string }

func (e *FieldError) Error() string { return e.Field + ": " + e.Message }
