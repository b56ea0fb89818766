package scoring

import (
	"math"
	"strings"
	"testing"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

// The sub-score curve at E, between E and T, at T, between T and 2T, at 2T and beyond (DESIGN.md §3.6).
func TestSubScore(t *testing.T) {
	rate := Rule{Metric: "dissatisfactionRate", Excellent: 0.01, Threshold: 0.03}
	stars := Rule{Metric: "averageRating", Excellent: 4.8, Threshold: 4.5, HigherIsBetter: true, Max: 5}
	for _, c := range []struct {
		name  string
		r     Rule
		value float64
		want  float64
	}{
		{"rate 0", rate, 0, 100},
		{"rate at E", rate, 0.01, 100},
		{"rate halfway E..T", rate, 0.02, 80},
		{"rate at T", rate, 0.03, 60},
		{"rate halfway T..2T", rate, 0.045, 30},
		{"rate at 2T", rate, 0.06, 0},
		{"rate past 2T", rate, 0.5, 0},
		{"rating 5", stars, 5, 100},
		{"rating at E", stars, 4.8, 100},
		{"rating halfway E..T", stars, 4.65, 80},
		{"rating at T", stars, 4.5, 60},
		{"rating halfway to 0", stars, 4.25, 30},
		{"rating at the zero point", stars, 4.0, 0},
		{"rating 1", stars, 1, 0},
	} {
		if got := SubScore(c.r, c.value); !near(got, c.want) {
			t.Errorf("%s (%g): %g, want %g", c.name, c.value, got, c.want)
		}
	}
}

func perfectInput() Input {
	m := map[string]Value{}
	for _, r := range Default().Rules {
		m[r.Metric] = Value{Value: r.Excellent}
	}
	return Input{Metrics: m, Orders30d: 100}
}

func TestCompute(t *testing.T) {
	p := Default()
	with := func(f func(*Input)) Input { in := perfectInput(); f(&in); return in }
	for _, c := range []struct {
		name      string
		in        Input
		score     float64
		level     string
		deduction float64
	}{
		{"every metric excellent", perfectInput(), 100, "S", 0},
		// dissatisfaction at T: 60 × 25 + 100 × 75 = 9000 / 100 = 90
		{"dissatisfaction at its threshold", with(func(in *Input) { in.Metrics["dissatisfactionRate"] = Value{Value: 0.03} }), 90, "S", 0},
		// and past 2T: 0 × 25 → 75
		{"dissatisfaction past 2T", with(func(in *Input) { in.Metrics["dissatisfactionRate"] = Value{Value: 0.07} }), 75, "B", 0},
		// 10 general points × 0.5 + 3 serious × 1 = 8
		{"violation points", with(func(in *Input) { in.GeneralPoints, in.SeriousPoints = 10, 3 }), 92, "S", 8},
		// 48 serious points would deduct 48: the cap is 30
		{"deduction capped", with(func(in *Input) { in.SeriousPoints = 48 }), 70, "B", 30},
		// 75 - 30 → 45, level D
		{"low and deducted", with(func(in *Input) { in.Metrics["dissatisfactionRate"] = Value{Value: 0.07}; in.SeriousPoints = 48 }), 45, "D", 30},
		// rating insufficient: the other 90 weights count alone
		{"a metric without data leaves the average", with(func(in *Input) {
			in.Metrics["averageRating"] = Value{Insufficient: true}
			in.Metrics["dissatisfactionRate"] = Value{Value: 0.03}
		}), 88.9, "A", 0},
		{"fewer than 30 orders", with(func(in *Input) { in.Orders30d = 29 }), 100, Unrated, 0},
		{"exactly 30 orders", with(func(in *Input) { in.Orders30d = 30 }), 100, "S", 0},
		{"at a band's edge", with(func(in *Input) { in.GeneralPoints = 20 }), 90, "S", 10},
		{"just under a band", with(func(in *Input) { in.GeneralPoints = 21 }), 89.5, "A", 10.5},
	} {
		got := Compute(p, c.in)
		if !near(got.Score, c.score) || got.Level != c.level || !near(got.Deduction, c.deduction) {
			t.Errorf("%s: score %g level %s deduction %g; want %g %s %g", c.name, got.Score, got.Level, got.Deduction, c.score, c.level, c.deduction)
		}
	}
}

func TestWhatIf(t *testing.T) {
	in := perfectInput()
	in.Metrics["dissatisfactionRate"] = Value{Value: 0.03} // 60: +10 if excellent
	in.Metrics["lateShipmentRate"] = Value{Value: 0.08}    // 0: +10 if excellent
	in.Metrics["cancellationRate"] = Value{Value: 0.025}   // 60: +4 if excellent
	got := Compute(Default(), in)
	if got.Score != 76 {
		t.Fatalf("score %g, want 76", got.Score)
	}
	want := []Gain{{"dissatisfactionRate", 10}, {"lateShipmentRate", 10}, {"cancellationRate", 4}}
	if len(got.WhatIf) != len(want) {
		t.Fatalf("what-if %+v, want %+v", got.WhatIf, want)
	}
	for i := range want {
		if got.WhatIf[i] != want[i] {
			t.Errorf("what-if %d: %+v, want %+v", i, got.WhatIf[i], want[i])
		}
	}
	// At the deduction floor a better metric still shows what it would gain.
	in.SeriousPoints = 30
	if g := Compute(Default(), in); len(g.WhatIf) == 0 || g.WhatIf[0].Points != 10 {
		t.Errorf("what-if with deductions: %+v", g.WhatIf)
	}
}

func TestPolicyValidate(t *testing.T) {
	if err := Default().Validate(); err != nil {
		t.Fatalf("default policy: %v", err)
	}
	for _, c := range []struct {
		name   string
		change func(*Policy)
		want   string
	}{
		{"weights sum to 95", func(p *Policy) { p.Rules[0].Weight = 20 }, "sum to 95"},
		{"E worse than T for a rate", func(p *Policy) { p.Rules[1].Excellent = 0.02 }, "rules.1.excellent"},
		{"E equal to T for a rating", func(p *Policy) { p.Rules[6].Excellent = 4.5 }, "rules.6.excellent"},
		{"a metric twice", func(p *Policy) { p.Rules[2].Metric = p.Rules[0].Metric; p.Rules[2].Weight = 15 }, "appears twice"},
		{"negative weight", func(p *Policy) { p.Rules[0].Weight = -5; p.Rules[1].Weight = 50 }, "rules.0.weight"},
		{"bands not descending", func(p *Policy) { p.Bands[1].Min = 95 }, "bands.1.min"},
		{"cap over 100", func(p *Policy) { p.DeductionCap = 120 }, "deduction"},
		{"no minimum orders", func(p *Policy) { p.MinOrders = 0 }, "minOrders"},
	} {
		p := Default()
		p.Rules = append([]Rule(nil), p.Rules...)
		p.Bands = append([]Band(nil), p.Bands...)
		c.change(&p)
		err := p.Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error with %q", c.name, err, c.want)
		}
	}
}
