package reports

// The README sheet: what the workbook covers (period, filter, layer) and
// how to read it.

import (
	"strings"
	"time"
)

func (w *xlsxWriter) readmeSheet(sc *Scorecard) error {
	const sheet = SheetReadme
	if err := w.boldText(sheet, 1, 1, sc.Title, 14); err != nil {
		return err
	}
	row := 3
	loc := sc.AsOf.Location()
	l := func(key string) string { return uiText(w.lang, key) }
	kv := [][2]string{
		{l("r_scorecard"), layerName(w.lang, sc.Layer)},
		{l("r_period"), sc.Period},
		{l("r_prev"), sc.PrevPeriod},
		{l("r_yoy"), orDash(sc.YoYPeriod)},
		{l("r_asof"), dateOrEmpty(sc.AsOf, "2006-01-02")},
		{l("r_generated"), dateOrEmpty(sc.GeneratedAt.In(loc), "2006-01-02 15:04 MST")},
		{l("r_filter"), orDash(filterText(w.lang, sc))},
		{l("r_sheets"), l("r_sheetstext")},
	}
	for _, p := range kv {
		if err := w.boldText(sheet, 1, row, p[0], 0); err != nil {
			return err
		}
		if err := w.setText(sheet, 2, row, p[1]); err != nil {
			return err
		}
		row++
	}
	row++
	if err := w.boldText(sheet, 1, row, l("freshness"), 12); err != nil {
		return err
	}
	row++
	if err := w.headerRow(sheet, row, []string{l("f_source"), l("f_newest") + " (" + loc.String() + ")", l("r_rowsloaded"), l("f_quarantined"), l("r_quarpct"), l("f_loaded") + " (" + loc.String() + ")"}); err != nil {
		return err
	}
	row++
	for _, fr := range sc.Freshness {
		if err := w.setText(sheet, 1, row, fr.Source); err != nil {
			return err
		}
		if !fr.LoadedAt.IsZero() {
			if err := w.setValue(sheet, 6, row, fr.LoadedAt.In(loc), UnitNone); err != nil {
				return err
			}
		}
		if fr.Newest.IsZero() {
			if err := w.setText(sheet, 2, row, l("noevent")); err != nil {
				return err
			}
		} else if err := w.setValue(sheet, 2, row, fr.Newest.In(loc), UnitNone); err != nil {
			return err
		}
		if err := w.setValue(sheet, 3, row, fr.Rows, UnitCount); err != nil {
			return err
		}
		if err := w.setValue(sheet, 4, row, fr.Quarantined, UnitCount); err != nil {
			return err
		}
		if total := fr.Rows + fr.Quarantined; total > 0 {
			if err := w.setValue(sheet, 5, row, float64(fr.Quarantined)/float64(total), UnitPct); err != nil {
				return err
			}
		}
		row++
	}
	row++
	if err := w.boldText(sheet, 1, row, l("definitions"), 12); err != nil {
		return err
	}
	row++
	if err := w.headerRow(sheet, row, []string{l("r_term"), l("r_meaning")}); err != nil {
		return err
	}
	row++
	wrap, err := w.style("", false, false, true, 0)
	if err != nil {
		return err
	}
	for _, d := range sc.Definitions {
		if err := w.setText(sheet, 1, row, d.Term); err != nil {
			return err
		}
		if err := w.setText(sheet, 2, row, d.Meaning); err != nil {
			return err
		}
		if err := w.f.SetCellStyle(sheet, cellName(2, row), cellName(2, row), wrap); err != nil {
			return err
		}
		row++
	}
	for col, wd := range map[string]float64{"A": 24, "B": 70, "C": 14, "D": 16, "E": 14} {
		if err := w.f.SetColWidth(sheet, col, col, wd); err != nil {
			return err
		}
	}
	return w.printSetup(sheet, false, 0, 0)
}

// filterText is FilterString with the keys in lang ("大区=华东").
func filterText(lang string, sc *Scorecard) string {
	var parts []string
	for _, kv := range sortedFilter(sc.Filter) {
		parts = append(parts, tr(lang, kv[0])+"="+kv[1])
	}
	return strings.Join(parts, ", ")
}

// layerName is the scorecard layer as its readers call it.
func layerName(lang string, l Layer) string {
	if _, ok := ui[string(l)]; ok {
		return uiText(lang, string(l))
	}
	return string(l)
}

func dateOrEmpty(t time.Time, layout string) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(layout)
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}
