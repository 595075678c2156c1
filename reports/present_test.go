package reports

import (
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestNumFmt(t *testing.T) {
	cny, none := numFmt{sym: CurrencySymbol("CNY")}, numFmt{}
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"money from 1,000 in whole units", cny.value(943818.27, UnitMoney), "¥ 943,818"},
		{"money below 1,000 with cents", cny.value(714.888, UnitMoney), "¥ 714.89"},
		{"negative money", cny.value(-1234.7, UnitMoney), "-¥ 1,235"},
		{"money without currency", none.value(402482, UnitMoney), "402,482"},
		{"count never has decimals", cny.value(36030, UnitCount), "36,030"},
		{"count rounds", cny.value(2.6, UnitCount), "3"},
		{"pct", cny.value(0.4593, UnitPct), "45.9%"},
		{"pp value is a change of rates", cny.value(0.031, UnitPP), "+3.1 pp"},
		{"pp negative", cny.value(-0.0049, UnitPP), "-0.5 pp"},
		{"money delta", cny.delta(59874.4, UnitMoney), "+¥ 59,874"},
		{"money delta down", cny.delta(-12.5, UnitMoney), "-¥ 12.50"},
		{"pct delta in points", cny.delta(0.025, UnitPct), "+2.5 pp"},
		{"count delta", cny.delta(-5, UnitCount), "-5"},
		{"NaN", cny.value(math.NaN(), UnitMoney), "–"},
		{"unknown currency shown as code", numFmt{sym: CurrencySymbol("chf")}.value(1500, UnitMoney), "CHF 1,500"},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, tc.got, tc.want)
		}
	}
}

func TestTranslate(t *testing.T) {
	tests := []struct{ lang, in, want string }{
		{LangZH, "retention_m1", "第 1 月留存"},
		{LangEN, "retention_m1", "Retained month 1"},
		{LangZH, "By channel, 2025-12 vs 2025-11", "按渠道，2025-12 对比 2025-11"},
		{LangZH, "net_sales_2025_11", "净销售额 2025-11"},
		{LangEN, "By channel, 2025-12 vs 2025-11", "By channel, 2025-12 vs 2025-11"},
		{LangZH, "Stage flows (pyramid view)", "阶段流转（金字塔）"},
		{LangZH, "some_new_column", "Some new column"}, // not listed: words, not a column name
		{LangZH, "上海南京西路店", "上海南京西路店"},                 // data passes through
		{LangZH, "aware", "认知"},
	}
	for _, tc := range tests {
		if got := tr(tc.lang, tc.in); got != tc.want {
			t.Errorf("tr(%s, %q) = %q, want %q", tc.lang, tc.in, got, tc.want)
		}
	}
}

// TestFlowMatrix: a from/to list becomes a from×to matrix in stage order,
// shaded, with an empty cell where nobody moved.
func TestFlowMatrix(t *testing.T) {
	list := Table{Title: "Stage flows (pyramid view)",
		Columns: []Column{{Name: "from_stage"}, {Name: "to_stage"}, {Name: "customers", Unit: UnitCount}, {Name: "rate", Unit: UnitPct}},
		Rows: [][]any{
			{"loyal", "lost", int64(3), 0.1},
			{"aware", "interested", int64(12), 0.2},
			{"aware", "aware", int64(40), 0.7},
			{"interested", "loyal", int64(5), 0.05},
		}}
	sc := &Scorecard{Sections: []Section{{Name: "Lifecycle", Tables: []Table{list}}}}
	got := localize(sc).Sections[0].Tables[0]
	if !got.Shade {
		t.Error("matrix is not shaded")
	}
	var heads []string
	for _, c := range got.Columns {
		heads = append(heads, c.Name)
	}
	if want := []string{"上月阶段 → 当前阶段", "认知", "兴趣", "忠诚", "流失"}; !slices.Equal(heads, want) {
		t.Errorf("columns %q, want %q", heads, want)
	}
	want := [][]any{
		{"认知", int64(40), int64(12), nil, nil},
		{"兴趣", nil, nil, int64(5), nil},
		{"忠诚", nil, nil, nil, int64(3)},
	}
	if !reflect.DeepEqual(got.Rows, want) {
		t.Errorf("rows %v, want %v", got.Rows, want)
	}
	if list.Rows[0][0] != "loyal" {
		t.Error("localize changed the input table")
	}
}

// TestLocalizeStagesInOrder: a chart and a table of stages are shown
// A→I→P→L whatever order they came in, values moving with their labels.
func TestLocalizeStagesInOrder(t *testing.T) {
	sc := &Scorecard{Language: LangEN, Sections: []Section{{
		Tables: []Table{{Columns: []Column{{Name: "stage"}, {Name: "customers", Unit: UnitCount}},
			Rows: [][]any{{"loyal", int64(4)}, {"aware", int64(1)}, {"purchased", int64(3)}, {"interested", int64(2)}}}},
		Charts: []Chart{{ID: "f", Kind: ChartFunnel, Labels: []string{"purchased", "aware", "loyal", "interested"},
			Series: []Series{{Name: "customers", Values: []float64{3, 1, 4, 2}}}}},
	}}}
	l := localize(sc).Sections[0]
	if want := []string{"Aware", "Interested", "Purchased", "Loyal"}; !slices.Equal(l.Charts[0].Labels, want) {
		t.Errorf("chart labels %q, want %q", l.Charts[0].Labels, want)
	}
	if want := []float64{1, 2, 3, 4}; !slices.Equal(l.Charts[0].Series[0].Values, want) {
		t.Errorf("chart values %v, want %v", l.Charts[0].Series[0].Values, want)
	}
	var stages []any
	for _, r := range l.Tables[0].Rows {
		stages = append(stages, r[0])
	}
	if want := []any{"Aware", "Interested", "Purchased", "Loyal"}; !reflect.DeepEqual(stages, want) {
		t.Errorf("table stages %v, want %v", stages, want)
	}
	if got := l.Charts[0].Series[0].Name; got != "Customers" {
		t.Errorf("series name %q", got)
	}
}

func TestSummaryLine(t *testing.T) {
	sc := &Scorecard{Currency: "CNY", KPIs: []KPI{
		// 943,818 vs 881,250: +7.1%; a year earlier 800,000: +18.0%
		{Key: "net_sales", Value: 943818, Prev: 881250, HasPrev: true, YoY: 800000, HasYoY: true, Unit: UnitMoney},
		// 1,450 vs 1,400: +3.6%
		{Key: "orders", Value: 1450, Prev: 1400, HasPrev: true, Unit: UnitCount},
		// 155 vs 190: -18.4%; a year earlier 100: +55.0%
		{Key: "new_customers", Value: 155, Prev: 190, HasPrev: true, YoY: 100, HasYoY: true, Unit: UnitCount},
		// 0.05 vs 0.04: +1.0 pp, ranked as 0.01
		{Key: "refund_rate", Value: 0.05, Prev: 0.04, HasPrev: true, Unit: UnitPct},
	}}
	want := "净销售额 ¥ 943,818（环比 +7.1%，同比 +18.0%） · 变化最大：新客数 环比 -18.4%，订单数 环比 +3.6%，新客数 同比 +55.0%"
	if got := summaryLine(localize(sc)); got != want {
		t.Errorf("summary\n got %q\nwant %q", got, want)
	}
	sc.Language = LangEN
	want = "Net sales ¥ 943,818 (vs prev. +7.1%, YoY +18.0%) · Largest moves: New customers vs prev. -18.4%, Orders vs prev. +3.6%, New customers YoY +55.0%"
	if got := summaryLine(localize(sc)); got != want {
		t.Errorf("summary\n got %q\nwant %q", got, want)
	}
}

func TestIntStep(t *testing.T) {
	for _, tc := range []struct{ top, want float64 }{{45, 10}, {7, 2}, {3, 1}, {0, 1}, {6, 1}, {30, 5}, {1901, 500}, {12000, 2000}} {
		if got := intStep(tc.top); got != tc.want {
			t.Errorf("intStep(%v) = %v, want %v", tc.top, got, tc.want)
		}
	}
}

// TestHTMLNoneAndCut: an empty heading says "无"; an empty table shows one
// "无" row; a long table shows htmlMaxRows rows and names the XLSX sheet
// with every row; shaded cells get a background.
func TestHTMLNoneAndCut(t *testing.T) {
	long := Table{Columns: []Column{{Name: "store_name", Unit: UnitText}, {Name: "net", Unit: UnitMoney}}}
	for i := range 30 {
		long.Rows = append(long.Rows, []any{"门店" + strconv.Itoa(i), float64(i)})
	}
	sc := &Scorecard{Layer: LayerOperations, Title: "Operations scorecard", Period: "2025-12", Currency: "CNY",
		Sections: []Section{
			{Name: "Rejected files"},
			{Name: "Campaigns", Tables: []Table{{Columns: []Column{{Name: "campaign_name"}}}}},
			{Name: "Channels, regions and stores", Tables: []Table{long}},
			{Name: "Lifecycle", Tables: []Table{{Columns: []Column{{Name: "from_stage"}, {Name: "to_stage"}, {Name: "customers", Unit: UnitCount}},
				Rows: [][]any{{"aware", "aware", int64(10)}, {"aware", "loyal", int64(5)}}}}},
		}}
	html, err := RenderHTML(sc, HTMLEmail)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		">被拒文件</h2>\n<p style=\"margin:0 0 8px 0;font-size:13px;line-height:1.5;color:#57606a;\">无</p>",
		`<td colspan="1" style="padding:6px 8px;border-bottom:1px solid #eaeef2;color:#57606a;">无</td>`,
		"此处显示前 20 行，共 30 行；全部数据见附件 XLSX 的「渠道、大区与门店」工作表。",
		">门店19<", "¥ 19.00",
		"background-color:#7ea6e0;", // the largest flow, 10, in full colour
	} {
		if !strings.Contains(html, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	if strings.Contains(html, ">门店20<") {
		t.Error("HTML shows row 21 of 30")
	}
	if !strings.Contains(html, "<title>运营看板 · 2025-12</title>") {
		t.Error("title not translated")
	}
}

// TestHTMLUnderMailBudget: a scorecard with many wide tables is cut to
// fewer rows per table until its HTML fits htmlMaxBytes, and says so.
func TestHTMLUnderMailBudget(t *testing.T) {
	sc := &Scorecard{Layer: LayerOperations, Title: "Operations scorecard", Period: "2025-12"}
	for s := range 12 {
		tb := Table{}
		for c := range 8 {
			tb.Columns = append(tb.Columns, Column{Name: "col_" + strconv.Itoa(c), Unit: UnitCount})
		}
		for r := range 40 {
			row := make([]any, 8)
			for c := range row {
				row[c] = int64(r*100 + c)
			}
			tb.Rows = append(tb.Rows, row)
		}
		sc.Sections = append(sc.Sections, Section{Name: "Section " + strconv.Itoa(s), Tables: []Table{tb}})
	}
	html, err := RenderHTML(sc, HTMLEmail)
	if err != nil {
		t.Fatal(err)
	}
	if len(html) > htmlMaxBytes {
		t.Errorf("HTML is %d bytes, want at most %d", len(html), htmlMaxBytes)
	}
	// 20 rows of 12 tables are well over the budget, 10 still over: 5 rows each
	if !strings.Contains(html, "此处显示前 5 行，共 40 行") {
		t.Error("HTML does not say it shows 5 of 40 rows")
	}
}
