package reports

import (
	"archive/zip"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

func TestWriteXLSX(t *testing.T) {
	sc := testScorecard()
	path := filepath.Join(t.TempDir(), "out", sc.BaseName()+".xlsx")
	if err := WriteXLSX(sc, path); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	if got, want := f.GetSheetList(), []string{"KPIs", "Revenue 销售", "Lifecycle 生命周期", "README"}; !slices.Equal(got, want) {
		t.Fatalf("sheets = %q, want %q", got, want)
	}
	cell := func(sheet, ref string) string {
		t.Helper()
		v, err := f.GetCellValue(sheet, ref, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	num := func(sheet, ref string) float64 {
		t.Helper()
		s := cell(sheet, ref)
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatalf("%s!%s = %q, not a number", sheet, ref, s)
		}
		return v
	}

	// KPIs sheet: header (in the scorecard's language, zh by default),
	// values, changes.
	header := []string{"指标", "键", "单位", "本期 (2025-12)", "上期 (2025-11)", "环比变化", "环比 %", "去年同期 (2024-12)", "同比", "方向"}
	for i, want := range header {
		ref, _ := excelize.CoordinatesToCellName(i+1, 1)
		if got := cell("KPIs", ref); got != want {
			t.Errorf("KPIs!%s = %q, want %q", ref, got, want)
		}
	}
	type kpiRow struct {
		row                       int
		key                       string
		value, prev, delta, pct   float64
		hasPrev, hasDelta, hasPct bool
		format                    string
		yoy, yoyChange            float64 // H and I; 0: empty
		yoyText, unit, better     string  // I when there is no comparison; C; J
	}
	rows := []kpiRow{
		// 1,234,567.89 vs 1,100,000: change 134,567.89, 134,567.89 / 1,100,000 = 0.1223344...;
		// a year earlier 1,000,000: +234,567.89 / 1,000,000 = 0.23456789
		{2, "net_revenue", 1234567.89, 1100000, 134567.89, 0.12233444545, true, true, true, "#,##0.00", 1000000, 0.23456789, "", "金额", "越高越好"},
		// 40,210 vs 41,877: -1,667, -1,667 / 41,877 = -0.0398070...; no year-earlier data
		{3, "active_customers", 40210, 41877, -1667, -0.03980705399, true, true, true, "#,##0", 0, 0, "—（2024-12 无数据）", "个数", "越高越好"},
		// 0.312 vs 0.287: +2.5 percentage points, 0.025 / 0.287 = 0.0871080...; 0.30 a year earlier: +1.2 pp
		{4, "repeat_rate", 0.312, 0.287, 2.5, 0.08710801394, true, true, true, "0.0%", 0.30, 1.2, "", "百分比", "越高越好"},
		// 2.4 vs 3.1 days: -0.7, -0.7 / 3.1 = -0.2258064...
		{5, "resolution_days", 2.4, 3.1, -0.7, -0.22580645161, true, true, true, `#,##0.0" d"`, 0, 0, "", "天", "越低越好"},
		// no previous value: only this period
		{6, "total_clv", 98765432.1, 0, 0, 0, false, false, false, "#,##0.00", 0, 0, "", "金额", "越高越好"},
		// previous value 0: change, no change %
		{7, "complaints", 1.27, 0, 1.27, 0, true, true, false, "#,##0.00", 0, 0, "", "比值", "越低越好"},
	}
	for _, r := range rows {
		rs := strconv.Itoa(r.row)
		if got := cell("KPIs", "B"+rs); got != r.key {
			t.Errorf("KPIs!B%s = %q, want %q", rs, got, r.key)
		}
		if v := num("KPIs", "D"+rs); math.Abs(v-r.value) > 1e-6 {
			t.Errorf("%s value = %v, want %v", r.key, v, r.value)
		}
		check := func(col string, has bool, want float64) {
			if !has {
				if got := cell("KPIs", col+rs); got != "" {
					t.Errorf("KPIs!%s%s = %q, want empty", col, rs, got)
				}
				return
			}
			if v := num("KPIs", col+rs); math.Abs(v-want) > 1e-6 {
				t.Errorf("KPIs!%s%s (%s) = %v, want %v", col, rs, r.key, v, want)
			}
		}
		check("E", r.hasPrev, r.prev)
		check("F", r.hasDelta, r.delta)
		check("G", r.hasPct, r.pct)
		check("H", r.yoy != 0, r.yoy)
		if r.yoyText != "" {
			if got := cell("KPIs", "I"+rs); got != r.yoyText {
				t.Errorf("KPIs!I%s = %q, want %q", rs, got, r.yoyText)
			}
		} else {
			check("I", r.yoyChange != 0, r.yoyChange)
		}
		if got := cell("KPIs", "C"+rs); got != r.unit {
			t.Errorf("KPIs!C%s = %q, want %q", rs, got, r.unit)
		}
		if got := cell("KPIs", "J"+rs); got != r.better {
			t.Errorf("KPIs!J%s = %q, want %q", rs, got, r.better)
		}
		styleID, err := f.GetCellStyle("KPIs", "D"+rs)
		if err != nil {
			t.Fatal(err)
		}
		st, err := f.GetStyle(styleID)
		if err != nil {
			t.Fatal(err)
		}
		if st.CustomNumFmt == nil || *st.CustomNumFmt != r.format {
			t.Errorf("%s number format = %v, want %q", r.key, st.CustomNumFmt, r.format)
		}
	}
	panes, err := f.GetPanes("KPIs")
	if err != nil || !panes.Freeze || panes.YSplit != 1 {
		t.Errorf("KPIs panes = %+v, %v; want header row frozen", panes, err)
	}
	cf, err := f.GetConditionalFormats("KPIs")
	if err != nil {
		t.Fatal(err)
	}
	for rng, first := range map[string]string{"F2:G7": "F2", "I2:I7": "I2"} {
		rules := cf[rng]
		if len(rules) != 2 || !strings.Contains(rules[0].Criteria, `$J2="越高越好",`+first+`>0`) || !strings.Contains(rules[1].Criteria, `$J2="越高越好",`+first+`<0`) {
			t.Errorf("conditional formats = %+v, want good/bad rules on %s", cf, rng)
		}
	}
	// An English delivery's sheet is English.
	en := *sc
	en.Language = LangEN
	enPath := filepath.Join(t.TempDir(), "en.xlsx")
	if err := WriteXLSX(&en, enPath); err != nil {
		t.Fatal(err)
	}
	ef, err := excelize.OpenFile(enPath)
	if err != nil {
		t.Fatal(err)
	}
	defer ef.Close()
	enRows, err := ef.GetRows("KPIs")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"KPI", "Key", "Unit", "This period (2025-12)", "Previous period (2025-11)", "Change", "Change %", "Same period last year (2024-12)", "YoY", "Better when"}; !slices.Equal(enRows[0], want) {
		t.Errorf("en KPIs header %q, want %q", enRows[0], want)
	}
	if got := enRows[2]; got[2] != "count" || got[8] != "n/a (no data for 2024-12)" || got[9] != "up" {
		t.Errorf("en active_customers row %q", got)
	}

	// Section sheet: frozen header, formula injection neutralised, HTML kept as text.
	const rev = "Revenue 销售"
	if got := cell(rev, "A1"); got != "Revenue 销售" {
		t.Errorf("%s!A1 = %q", rev, got)
	}
	all, err := f.GetRows(rev, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	find := func(s string) (string, bool) {
		for r, row := range all {
			for c, v := range row {
				if v == s {
					ref, _ := excelize.CoordinatesToCellName(c+1, r+1)
					return ref, true
				}
			}
		}
		return "", false
	}
	for _, want := range []string{"Store 门店", "上海南京西路店", "<script>alert(1)</script>", "'=1+1", "'+8613800000000", "'-"} {
		if _, ok := find(want); !ok {
			t.Errorf("%s has no cell %q", rev, want)
		}
	}
	if _, ok := find("=1+1"); ok {
		t.Errorf("formula text stored unneutralised")
	}
	if ref, ok := find("'=1+1"); ok {
		if formula, _ := f.GetCellFormula(rev, ref); formula != "" {
			t.Errorf("%s!%s has formula %q", rev, ref, formula)
		}
		if typ, _ := f.GetCellType(rev, ref); typ != excelize.CellTypeSharedString && typ != excelize.CellTypeInlineString {
			t.Errorf("%s!%s type = %v, want a string", rev, ref, typ)
		}
	}
	hdr, _ := find("Store 门店")
	_, hdrRow, _ := excelize.CellNameToCoordinates(hdr)
	if panes, err := f.GetPanes(rev); err != nil || !panes.Freeze || panes.YSplit != hdrRow {
		t.Errorf("%s panes = %+v, %v; want frozen through row %d", rev, panes, err, hdrRow)
	}
	// The money column is stored as numbers with the money format.
	ref, _ := find("523456.7")
	if ref == "" {
		t.Errorf("money value 523456.7 not stored as a number")
	}

	// README: period, as-of, freshness, definitions.
	readme, err := f.GetRows("README")
	if err != nil {
		t.Fatal(err)
	}
	flat := ""
	for _, r := range readme {
		flat += strings.Join(r, "|") + "\n"
	}
	// (in the scorecard's language: zh)
	for _, want := range []string{"报告期|2025-12", "对比期|2025-11", "去年同期|2024-12", "数据截至|2025-12-31", "筛选|大区=华东",
		"tmall_orders|", "wechat_fans|无事件时间", "Net revenue|Paid amount minus refunds"} {
		if !strings.Contains(flat, want) {
			t.Errorf("README lacks %q:\n%s", want, flat)
		}
	}

	// One native chart per scorecard chart (funnel as bar).
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	n := 0
	for _, zf := range zr.File {
		if strings.HasPrefix(zf.Name, "xl/charts/chart") {
			n++
		}
	}
	if n != 5 {
		t.Errorf("workbook has %d native charts, want 5", n)
	}
}

func TestSheetName(t *testing.T) {
	used := map[string]bool{"kpis": true, "readme": true}
	tests := []struct{ in, want string }{
		{"Revenue 销售", "Revenue 销售"},
		{"a/b:c*d?[e]", "a_b_c_d__e_"},
		{"KPIs", "KPIs (2)"},
		{"", "Section 4"},
		{strings.Repeat("长", 40), strings.Repeat("长", 31)},
		{strings.Repeat("长", 40), strings.Repeat("长", 27) + " (2)"},
	}
	for i, tc := range tests {
		if got := sheetName(tc.in, i, used); got != tc.want {
			t.Errorf("sheetName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
