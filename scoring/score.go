package scoring

import (
	"math"
	"sort"
)

// SubScore of one metric's value: 100 at or better than E, linear to 60 at T, linear to 0 at 2T, 0 beyond.
// A higher-is-better metric (a rating) is scored by its shortfall from the best value, so with E 4.8, T 4.5
// and 5 stars: 100 at 4.8 or more, 60 at 4.5, 0 at 4.0 or less.
func SubScore(r Rule, value float64) float64 {
	v, e, t := value, r.Excellent, r.Threshold
	if r.HigherIsBetter {
		v, e, t = r.Max-value, r.Max-r.Excellent, r.Max-r.Threshold
	}
	switch {
	case v <= e:
		return 100
	case v <= t:
		return 100 - 40*(v-e)/(t-e)
	case v < 2*t:
		return 60 * (2*t - v) / t
	}
	return 0
}

// Value is one metric as the score sees it. A metric with insufficient data (too few orders or no ratings
// in its window) leaves the score, and the other weights count in its place.
type Value struct {
	Value        float64
	Insufficient bool
}

// Input is what a score is computed from.
type Input struct {
	Metrics                      map[string]Value
	GeneralPoints, SeriousPoints int // active violation points per track
	Orders30d                    int // orders paid in the last 30 days
}

// Sub is one metric's part of a score.
type Sub struct {
	Metric    string
	Value     float64
	Weight    int
	SubScore  float64
	Counted   bool // false: insufficient data, left out
	Excellent float64
	Threshold float64
}

// Gain is what the score would gain if one metric reached its excellent value.
type Gain struct {
	Metric string
	Points float64
}

// Result is a score with everything needed to explain it.
type Result struct {
	Score     float64 // 0..100, rounded to 0.1; meaningless when Level is Unrated
	Level     string
	Subs      []Sub
	Weighted  float64 // the weighted average of the counted sub-scores, before the deduction
	Deduction float64
	// DeductionCap is the policy's cap on the deduction, kept so a stored score explains itself.
	DeductionCap float64
	WhatIf       []Gain // the metrics that can still gain, most points first
}

// Compute scores a store under p.
func Compute(p Policy, in Input) Result {
	res := Result{DeductionCap: p.DeductionCap, Deduction: math.Min(p.DeductionCap,
		p.GeneralPointValue*float64(in.GeneralPoints)+p.SeriousPointValue*float64(in.SeriousPoints))}
	for _, r := range p.Rules {
		m, ok := in.Metrics[r.Metric]
		s := Sub{Metric: r.Metric, Value: m.Value, Weight: r.Weight, Counted: ok && !m.Insufficient,
			Excellent: r.Excellent, Threshold: r.Threshold}
		if s.Counted {
			s.SubScore = SubScore(r, m.Value)
		}
		res.Subs = append(res.Subs, s)
	}
	res.Weighted = weighted(res.Subs, -1)
	res.Score = final(res.Weighted, res.Deduction)
	res.Level = level(p, res.Score)
	if in.Orders30d < p.MinOrders {
		res.Level = Unrated
	}
	for i, s := range res.Subs {
		if !s.Counted || s.SubScore >= 100 {
			continue
		}
		if g := final(weighted(res.Subs, i), res.Deduction) - res.Score; g > 0 {
			res.WhatIf = append(res.WhatIf, Gain{Metric: s.Metric, Points: round1(g)})
		}
	}
	sort.SliceStable(res.WhatIf, func(i, j int) bool { return res.WhatIf[i].Points > res.WhatIf[j].Points })
	return res
}

// weighted is the weighted average of the counted sub-scores, with sub-score perfect set to 100 (-1: none).
// With nothing counted it is 100: no evidence against the store (it is UNRATED anyway with too few orders).
func weighted(subs []Sub, perfect int) float64 {
	sum, weights := 0.0, 0
	for i, s := range subs {
		if !s.Counted {
			continue
		}
		v := s.SubScore
		if i == perfect {
			v = 100
		}
		sum += v * float64(s.Weight)
		weights += s.Weight
	}
	if weights == 0 {
		return 100
	}
	return sum / float64(weights)
}

func final(weighted, deduction float64) float64 {
	return round1(math.Max(0, math.Min(100, weighted-deduction)))
}

func round1(x float64) float64 { return math.Round(x*10) / 10 }

func level(p Policy, score float64) string {
	for _, b := range p.Bands {
		if score >= b.Min {
			return b.Level
		}
	}
	return p.LowestLevel
}
