package reports

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
)

// Sheet names fixed by WriteXLSX.
const (
	SheetKPIs   = "KPIs"
	SheetReadme = "README"
)

// KPI sheet columns (1-based) and header texts; tests and readers rely on
// this layout.
const (
	kpiColLabel = iota + 1
	kpiColKey
	kpiColUnit
	kpiColValue
	kpiColPrev
	kpiColDelta
	kpiColDeltaPct
	kpiColYoY
	kpiColYoYChange
	kpiColBetter
)

// Excel number formats per unit.
var unitNumFmt = map[Unit]string{
	UnitMoney: "#,##0.00",
	UnitCount: "#,##0",
	UnitPct:   "0.0%",
	UnitRatio: "#,##0.00",
	UnitDays:  `#,##0.0" d"`,
	UnitDate:  "yyyy-mm-dd",
	UnitNone:  "#,##0.##",
}

// Formats of the change columns: pct KPIs change in percentage points.
var deltaNumFmt = map[Unit]string{
	UnitMoney: `+#,##0.00;-#,##0.00;0.00`,
	UnitCount: `+#,##0;-#,##0;0`,
	UnitPct:   `+0.0" pp";-0.0" pp";0.0" pp"`,
	UnitRatio: `+#,##0.00;-#,##0.00;0.00`,
	UnitDays:  `+#,##0.0" d";-#,##0.0" d";0.0" d"`,
	UnitNone:  `+#,##0.##;-#,##0.##;0`,
}

const (
	colourGood   = "1A7F37"
	colourBad    = "CF222E"
	colourHeader = "E8EEF7"
)

// WriteXLSX writes the scorecard as a workbook at path (directories are
// created): a "KPIs" sheet (this period, previous period, change, change %;
// changes coloured green / red by conditional formatting that respects each
// KPI's Better), one sheet per section (its tables one under another with
// frozen header rows and per-unit number formats, chart data with native
// Excel charts for bar, stacked_bar, line and pie charts), and a "README"
// sheet (period, as-of, filter, data freshness per source, definitions).
// Every text cell is passed through SafeCell.
func WriteXLSX(sc *Scorecard, path string) error {
	if err := sc.Validate(); err != nil {
		return err
	}
	sc = localize(sc)
	f := excelize.NewFile()
	defer f.Close()
	w := &xlsxWriter{f: f, styles: map[string]int{}, sym: CurrencySymbol(sc.Currency), lang: sc.lang()}
	if err := f.SetSheetName("Sheet1", SheetKPIs); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	if err := w.kpiSheet(sc); err != nil {
		return fmt.Errorf("xlsx kpis: %w", err)
	}
	for i, name := range sectionSheetNames(sc) {
		if _, err := f.NewSheet(name); err != nil {
			return fmt.Errorf("xlsx sheet %q: %w", name, err)
		}
		if err := w.sectionSheet(name, &sc.Sections[i]); err != nil {
			return fmt.Errorf("xlsx section %q: %w", sc.Sections[i].Name, err)
		}
	}
	if _, err := f.NewSheet(SheetReadme); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	if err := w.readmeSheet(sc); err != nil {
		return fmt.Errorf("xlsx readme: %w", err)
	}
	f.SetActiveSheet(0)
	_ = f.SetDocProps(&excelize.DocProperties{Title: SafeCell(sc.Title + " " + sc.Period), Creator: "crmkit"})
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		return fmt.Errorf("xlsx %s: %w", path, err)
	}
	return writeFileAtomic(path, buf.Bytes())
}

type xlsxWriter struct {
	f      *excelize.File
	styles map[string]int
	tables int    // Excel tables added so far (their names must be unique)
	sym    string // currency sign of money formats
	lang   string // language of the labels the writer adds
}

// numFormat is the Excel number format of unit u: unitNumFmt, money with
// the currency sign, pp in points (setValue stores pp values ×100).
func (w *xlsxWriter) numFormat(u Unit) (string, bool) {
	switch {
	case u == UnitMoney && w.sym != "":
		return `"` + strings.ReplaceAll(w.sym, `"`, "") + ` "#,##0.00`, true
	case u == UnitPP:
		return `+0.0" pp";-0.0" pp";0.0" pp"`, true
	}
	f, ok := unitNumFmt[u]
	return f, ok
}

// style returns a cached style id for a number format and flags.
func (w *xlsxWriter) style(numFmt string, bold, header, wrap bool, size float64) (int, error) {
	key := fmt.Sprintf("%s|%t|%t|%t|%g", numFmt, bold, header, wrap, size)
	if id, ok := w.styles[key]; ok {
		return id, nil
	}
	st := &excelize.Style{}
	if numFmt != "" {
		nf := numFmt
		st.CustomNumFmt = &nf
	}
	if bold || size > 0 {
		st.Font = &excelize.Font{Bold: bold, Size: size}
	}
	if header {
		st.Fill = excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{colourHeader}}
		st.Border = []excelize.Border{{Type: "bottom", Color: "9AA7B8", Style: 1}}
	}
	if wrap {
		st.Alignment = &excelize.Alignment{WrapText: true, Vertical: "top"}
	}
	id, err := w.f.NewStyle(st)
	if err != nil {
		return 0, err
	}
	w.styles[key] = id
	return id, nil
}

func cellName(col, row int) string {
	c, _ := excelize.CoordinatesToCellName(col, row)
	return c
}

// setText writes a text cell through SafeCell.
func (w *xlsxWriter) setText(sheet string, col, row int, s string) error {
	return w.f.SetCellStr(sheet, cellName(col, row), SafeCell(s))
}

// setValue writes one table value: numbers as numbers, times as Excel
// dates, text through SafeCell; NaN / Inf and nil leave the cell empty.
func (w *xlsxWriter) setValue(sheet string, col, row int, v any, u Unit) error {
	cell := cellName(col, row)
	var num float64
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		return w.f.SetCellStr(sheet, cell, SafeCell(x))
	case float64:
		num = x
	case float32:
		num = float64(x)
	case int:
		num = float64(x)
	case int64:
		num = float64(x)
	case int32:
		num = float64(x)
	case time.Time:
		if x.IsZero() {
			return nil
		}
		// Excel has no time zones: store the wall clock of the value's
		// own location.
		naive := time.Date(x.Year(), x.Month(), x.Day(), x.Hour(), x.Minute(), x.Second(), 0, time.UTC)
		if err := w.f.SetCellValue(sheet, cell, naive); err != nil {
			return err
		}
		layout := "yyyy-mm-dd"
		if u != UnitDate && (x.Hour() != 0 || x.Minute() != 0 || x.Second() != 0) {
			layout = "yyyy-mm-dd hh:mm"
		}
		id, err := w.style(layout, false, false, false, 0)
		if err != nil {
			return err
		}
		return w.f.SetCellStyle(sheet, cell, cell, id)
	default:
		return w.f.SetCellStr(sheet, cell, SafeCell(fmt.Sprint(v)))
	}
	if !finite(num) {
		return nil
	}
	if u == UnitPP {
		num *= 100 // shown in percentage points
	}
	if err := w.f.SetCellFloat(sheet, cell, num, -1, 64); err != nil {
		return err
	}
	if fmtStr, ok := w.numFormat(u); ok {
		id, err := w.style(fmtStr, false, false, false, 0)
		if err != nil {
			return err
		}
		return w.f.SetCellStyle(sheet, cell, cell, id)
	}
	return nil
}

func (w *xlsxWriter) headerRow(sheet string, row int, names []string) error {
	id, err := w.style("", true, true, true, 0)
	if err != nil {
		return err
	}
	for i, n := range names {
		if err := w.setText(sheet, i+1, row, n); err != nil {
			return err
		}
	}
	if len(names) > 0 {
		return w.f.SetCellStyle(sheet, cellName(1, row), cellName(len(names), row), id)
	}
	return nil
}

func (w *xlsxWriter) boldText(sheet string, col, row int, s string, size float64) error {
	if err := w.setText(sheet, col, row, s); err != nil {
		return err
	}
	id, err := w.style("", true, false, false, size)
	if err != nil {
		return err
	}
	return w.f.SetCellStyle(sheet, cellName(col, row), cellName(col, row), id)
}

func (w *xlsxWriter) freeze(sheet string, rows int) error {
	return w.f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: rows,
		TopLeftCell: cellName(1, rows+1), ActivePane: "bottomLeft"})
}
