package scoring

// Statuses of a metric against its policy rule.
const (
	Excellent    = "EXCELLENT" // at or better than E
	Good         = "GOOD"      // better than halfway from E to T
	AtRisk       = "AT_RISK"   // from halfway to T, T included
	Failing      = "FAILING"   // worse than T
	Insufficient = "INSUFFICIENT_DATA"
)

// Status of a metric's value under its rule: where it stands between E and T (the sub-score is 100 at E,
// 80 halfway, 60 at T), so a merchant sees trouble coming before the threshold is crossed.
func Status(r Rule, value float64, insufficient bool) string {
	if insufficient {
		return Insufficient
	}
	v, e, t := value, r.Excellent, r.Threshold
	if r.HigherIsBetter {
		v, e, t = -v, -e, -t
	}
	switch {
	case v <= e:
		return Excellent
	case v < (e+t)/2:
		return Good
	case v <= t:
		return AtRisk
	}
	return Failing
}

// RuleFor finds the policy's rule for a metric.
func (p Policy) RuleFor(metric string) (Rule, bool) {
	for _, r := range p.Rules {
		if r.Metric == metric {
			return r, true
		}
	}
	return Rule{}, false
}
