package reports

import (
	"math"
	"strings"
	"testing"
)

func TestKPIDelta(t *testing.T) {
	tests := []struct {
		name     string
		k        KPI
		delta    float64
		pct      float64
		pctOK    bool
		trend    Trend
		deltaStr string
	}{
		// 1,234,567.89 - 1,100,000 = 134,567.89; / 1,100,000 = 0.122334445...
		{"money up good", KPI{Value: 1234567.89, Prev: 1100000, HasPrev: true, Unit: UnitMoney, Better: BetterUp},
			134567.89, 0.12233444545454545, true, TrendGood, "+134,567.89"},
		// 40,210 - 41,877 = -1,667; / 41,877 = -0.0398070...
		{"count down bad", KPI{Value: 40210, Prev: 41877, HasPrev: true, Unit: UnitCount, Better: BetterUp},
			-1667, -1667.0 / 41877, true, TrendBad, "-1,667"},
		// 2.4 - 3.1 = -0.7 days; fewer days is better
		{"days down good", KPI{Value: 2.4, Prev: 3.1, HasPrev: true, Unit: UnitDays, Better: BetterDown},
			-0.7, -0.7 / 3.1, true, TrendGood, "-0.7 d"},
		// 0.312 - 0.287 = 0.025 = 2.5 percentage points
		{"pct in points", KPI{Value: 0.312, Prev: 0.287, HasPrev: true, Unit: UnitPct, Better: BetterUp},
			0.025, 0.025 / 0.287, true, TrendGood, "+2.5 pp"},
		{"no previous", KPI{Value: 5, Unit: UnitCount, Better: BetterUp}, 0, 0, false, TrendNeutral, "±0"},
		{"previous zero", KPI{Value: 1.27, Prev: 0, HasPrev: true, Unit: UnitRatio, Better: BetterDown},
			1.27, 0, false, TrendBad, "+1.27"},
		{"neutral better", KPI{Value: 3, Prev: 2, HasPrev: true, Unit: UnitCount}, 1, 0.5, true, TrendNeutral, "+1"},
		{"unchanged", KPI{Value: 2, Prev: 2, HasPrev: true, Unit: UnitCount, Better: BetterUp}, 0, 0, true, TrendNeutral, "±0"},
		{"nan value", KPI{Value: math.NaN(), Prev: 2, HasPrev: true, Better: BetterUp}, 0, 0, false, TrendNeutral, "±0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if d := tc.k.Delta(); math.Abs(d-tc.delta) > 1e-9 {
				t.Errorf("Delta = %v, want %v", d, tc.delta)
			}
			p, ok := tc.k.DeltaPct()
			if ok != tc.pctOK || math.Abs(p-tc.pct) > 1e-9 {
				t.Errorf("DeltaPct = %v, %v; want %v, %v", p, ok, tc.pct, tc.pctOK)
			}
			if tr := tc.k.Trend(); tr != tc.trend {
				t.Errorf("Trend = %v, want %v", tr, tc.trend)
			}
			if s := FormatDelta(tc.k.Delta(), tc.k.Unit); s != tc.deltaStr {
				t.Errorf("FormatDelta = %q, want %q", s, tc.deltaStr)
			}
		})
	}
}

func TestFormatValue(t *testing.T) {
	tests := []struct {
		v    float64
		u    Unit
		want string
	}{
		{1234567.891, UnitMoney, "1,234,567.89"},
		{-1234.5, UnitMoney, "-1,234.50"},
		{40210.4, UnitCount, "40,210"},
		{0.3126, UnitPct, "31.3%"},
		{1.2749, UnitRatio, "1.27"},
		{2.44, UnitDays, "2.4 d"},
		{12345, UnitNone, "12,345"},
		{12345.678, UnitNone, "12,345.68"},
		{math.NaN(), UnitMoney, "–"},
		{math.Inf(1), UnitCount, "–"},
	}
	for _, tc := range tests {
		if got := FormatValue(tc.v, tc.u); got != tc.want {
			t.Errorf("FormatValue(%v, %q) = %q, want %q", tc.v, tc.u, got, tc.want)
		}
	}
}

func TestValidate(t *testing.T) {
	if err := testScorecard().Validate(); err != nil {
		t.Fatalf("fixture invalid: %v", err)
	}
	tests := []struct {
		name   string
		mutate func(*Scorecard)
		want   string
	}{
		{"layer", func(s *Scorecard) { s.Layer = "finance" }, `layer "finance"`},
		{"title", func(s *Scorecard) { s.Title = " " }, "title is empty"},
		{"period", func(s *Scorecard) { s.Period = "" }, "period is empty"},
		{"kpi unit", func(s *Scorecard) { s.KPIs[0].Unit = "euros" }, `unknown unit "euros"`},
		{"kpi better", func(s *Scorecard) { s.KPIs[0].Better = "higher" }, `better "higher"`},
		{"row width", func(s *Scorecard) { s.Sections[0].Tables[0].Rows[0] = []any{"x"} }, "1 values for 6 columns"},
		{"chart id", func(s *Scorecard) { s.Sections[0].Charts[0].ID = "../x" }, "id must be"},
		{"duplicate id", func(s *Scorecard) { s.Sections[1].Charts[0].ID = "Revenue" }, "duplicate chart id"},
		{"kind", func(s *Scorecard) { s.Sections[0].Charts[0].Kind = "radar" }, `unknown kind "radar"`},
		{"series length", func(s *Scorecard) { s.Sections[0].Charts[0].Series[0].Values = []float64{1} }, "has 1 values for 6 labels"},
		{"pie series", func(s *Scorecard) {
			c := &s.Sections[1].Charts[2]
			c.Series = append(c.Series, c.Series[0])
		}, "exactly one series"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sc := testScorecard()
			tc.mutate(sc)
			err := sc.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Validate() = %v, want error containing %q", err, tc.want)
			}
		})
	}
}

func TestNamesAndFilter(t *testing.T) {
	sc := testScorecard()
	if got, want := sc.FilterString(), "region=华东"; got != want {
		t.Errorf("FilterString = %q, want %q", got, want)
	}
	if got, want := sc.BaseName(), "strategy_region-华东"; got != want {
		t.Errorf("BaseName = %q, want %q", got, want)
	}
	c := &sc.Sections[0].Charts[0]
	if got, want := sc.ChartFileName(c), "strategy_region-华东_revenue.png"; got != want {
		t.Errorf("ChartFileName = %q, want %q", got, want)
	}
	if got, want := sc.ChartContentID(c), "chart-strategy-revenue@crmkit"; got != want {
		t.Errorf("ChartContentID = %q, want %q", got, want)
	}
	sc.Filter = map[string]string{"store": "../上海 店", "region": "华东"}
	if got, want := sc.BaseName(), "strategy_region-华东_store-上海-店"; got != want {
		t.Errorf("BaseName = %q, want %q", got, want)
	}
	sc.Filter = nil
	if got, want := sc.BaseName(), "strategy"; got != want {
		t.Errorf("BaseName = %q, want %q", got, want)
	}
}
