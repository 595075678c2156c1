package reports

// The KPI sheet of the workbook: one row per KPI with its value, change
// and the same period last year, the change cells coloured by whether up
// is better.

import (
	"fmt"
	"math"
	"strings"

	"github.com/xuri/excelize/v2"
)

func (w *xlsxWriter) kpiSheet(sc *Scorecard) error {
	const sheet = SheetKPIs
	lang := w.lang
	withPeriod := func(key, period string) string {
		if period == "" {
			return uiText(lang, key)
		}
		return uiText(lang, key) + " (" + period + ")"
	}
	this, prev := withPeriod("x_this", sc.Period), withPeriod("x_prev", sc.PrevPeriod)
	lastYear := withPeriod("lastyear", sc.YoYPeriod)
	header := []string{uiText(lang, "x_kpi"), uiText(lang, "x_key"), uiText(lang, "x_unit"), this, prev,
		uiText(lang, "x_change"), uiText(lang, "x_changepct"), lastYear, uiText(lang, "x_yoy"), uiText(lang, "x_better")}
	if err := w.headerRow(sheet, 1, header); err != nil {
		return err
	}
	if err := w.freeze(sheet, 1); err != nil {
		return err
	}
	for i, k := range sc.KPIs {
		r := i + 2
		for col, s := range map[int]string{kpiColLabel: k.Label, kpiColKey: k.Key, kpiColUnit: unitWord(lang, k.Unit), kpiColBetter: betterWord(lang, k.Better)} {
			if err := w.setText(sheet, col, r, s); err != nil {
				return err
			}
		}
		if err := w.setValue(sheet, kpiColValue, r, k.Value, k.Unit); err != nil {
			return err
		}
		if err := w.yoyCells(sc, sheet, r, k); err != nil {
			return err
		}
		if !k.HasPrev {
			continue
		}
		if err := w.setValue(sheet, kpiColPrev, r, k.Prev, k.Unit); err != nil {
			return err
		}
		d := k.Delta()
		if k.Unit == UnitPct {
			d *= 100 // percentage points
		}
		if finite(k.Value) && finite(k.Prev) {
			if err := w.f.SetCellFloat(sheet, cellName(kpiColDelta, r), d, -1, 64); err != nil {
				return err
			}
			id, err := w.style(deltaNumFmt[k.Unit], false, false, false, 0)
			if err != nil {
				return err
			}
			if err := w.f.SetCellStyle(sheet, cellName(kpiColDelta, r), cellName(kpiColDelta, r), id); err != nil {
				return err
			}
		}
		if p, ok := k.DeltaPct(); ok {
			if err := w.f.SetCellFloat(sheet, cellName(kpiColDeltaPct, r), p, -1, 64); err != nil {
				return err
			}
			id, err := w.style(`+0.0%;-0.0%;0.0%`, false, false, false, 0)
			if err != nil {
				return err
			}
			if err := w.f.SetCellStyle(sheet, cellName(kpiColDeltaPct, r), cellName(kpiColDeltaPct, r), id); err != nil {
				return err
			}
		}
	}
	if n := len(sc.KPIs); n > 0 {
		if err := w.deltaColours(sheet, n); err != nil {
			return err
		}
	}
	widths := map[int]float64{kpiColLabel: 30, kpiColKey: 20, kpiColUnit: 8, kpiColValue: 20, kpiColPrev: 22,
		kpiColDelta: 16, kpiColDeltaPct: 11, kpiColYoY: 22, kpiColYoYChange: 13, kpiColBetter: 14}
	maxLabel := 0
	for _, k := range sc.KPIs {
		maxLabel = max(maxLabel, displayWidth(k.Label))
	}
	widths[kpiColLabel] = math.Min(60, math.Max(20, float64(maxLabel)+2))
	// bold headers with the periods must not wrap
	widths[kpiColValue] = math.Max(widths[kpiColValue], float64(displayWidth(this))+3)
	widths[kpiColPrev] = math.Max(widths[kpiColPrev], float64(displayWidth(prev))+3)
	widths[kpiColYoY] = math.Max(widths[kpiColYoY], float64(displayWidth(lastYear))+3)
	for _, col := range []int{kpiColUnit, kpiColDelta, kpiColDeltaPct, kpiColYoYChange, kpiColBetter} {
		widths[col] = math.Max(widths[col], float64(displayWidth(header[col-1]))+3)
	}
	for col, wd := range widths {
		name, _ := excelize.ColumnNumberToName(col)
		if err := w.f.SetColWidth(sheet, name, name, wd); err != nil {
			return err
		}
	}
	if err := w.addFilters(sheet, []xlsxTable{{headRow: 1, lastRow: len(sc.KPIs) + 1, cols: kpiColBetter}}); err != nil {
		return err
	}
	// The headline figures fit on one printed page.
	return w.printSetup(sheet, true, 1, 1)
}

// deltaColours colours the change columns green when the change is good
// news and red when bad, by formulas reading the "Better when" column.
func (w *xlsxWriter) deltaColours(sheet string, n int) error {
	good, err := w.f.NewConditionalStyle(&excelize.Style{Font: &excelize.Font{Color: colourGood, Bold: true},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DAFBE1"}}})
	if err != nil {
		return err
	}
	bad, err := w.f.NewConditionalStyle(&excelize.Style{Font: &excelize.Font{Color: colourBad, Bold: true},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FFEBE9"}}})
	if err != nil {
		return err
	}
	betterCol, _ := excelize.ColumnNumberToName(kpiColBetter)
	b := "$" + betterCol + "2"
	up, down := strings.ReplaceAll(betterWord(w.lang, BetterUp), `"`, `""`), strings.ReplaceAll(betterWord(w.lang, BetterDown), `"`, `""`)
	for _, cols := range [][2]int{{kpiColDelta, kpiColDeltaPct}, {kpiColYoYChange, kpiColYoYChange}} {
		first := cellName(cols[0], 2)
		rng := first + ":" + cellName(cols[1], n+1)
		if err := w.f.SetConditionalFormat(sheet, rng, []excelize.ConditionalFormatOptions{
			{Type: "formula", Criteria: fmt.Sprintf(`AND(ISNUMBER(%[2]s),OR(AND(%[1]s="%[3]s",%[2]s>0),AND(%[1]s="%[4]s",%[2]s<0)))`, b, first, up, down), Format: &good},
			{Type: "formula", Criteria: fmt.Sprintf(`AND(ISNUMBER(%[2]s),OR(AND(%[1]s="%[3]s",%[2]s<0),AND(%[1]s="%[4]s",%[2]s>0)))`, b, first, up, down), Format: &bad},
		}); err != nil {
			return err
		}
	}
	return nil
}

// yoyCells writes a KPI's value of the same period last year and its
// change on it (relative; pct KPIs in percentage points), or, when the
// KPI has no comparison, the reason in the change column.
func (w *xlsxWriter) yoyCells(sc *Scorecard, sheet string, r int, k KPI) error {
	if k.HasYoY {
		if err := w.setValue(sheet, kpiColYoY, r, k.YoY, k.Unit); err != nil {
			return err
		}
	}
	change, ok, format := 0.0, false, `+0.0%;-0.0%;0.0%`
	switch {
	case k.HasYoY && (k.Unit == UnitPct || k.Unit == UnitPP) && finite(k.Value) && finite(k.YoY):
		change, ok, format = 100*(k.Value-k.YoY), true, deltaNumFmt[UnitPct]
	case k.HasYoY:
		change, ok = k.YoYPct()
	}
	if !ok {
		if _, _, na := yoyTexts(sc, k, newNumFmt(sc)); na != "" {
			return w.setText(sheet, kpiColYoYChange, r, na)
		}
		return nil
	}
	if err := w.f.SetCellFloat(sheet, cellName(kpiColYoYChange, r), change, -1, 64); err != nil {
		return err
	}
	id, err := w.style(format, false, false, false, 0)
	if err != nil {
		return err
	}
	return w.f.SetCellStyle(sheet, cellName(kpiColYoYChange, r), cellName(kpiColYoYChange, r), id)
}

// unitWord and betterWord are the KPI sheet's unit and direction columns
// in the sheet's language (the colouring rules compare with betterWord).
func unitWord(lang string, u Unit) string {
	if _, ok := ui["u_"+string(u)]; ok {
		return uiText(lang, "u_"+string(u))
	}
	return string(u)
}

func betterWord(lang string, b Better) string {
	switch b {
	case BetterUp:
		return uiText(lang, "better_up")
	case BetterDown:
		return uiText(lang, "better_down")
	}
	return ""
}
