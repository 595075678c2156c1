package reports

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

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

// sectionSheetNames are the XLSX sheet names of the scorecard's sections,
// in order (the HTML names them where it leaves rows out).
func sectionSheetNames(sc *Scorecard) []string {
	used := map[string]bool{strings.ToLower(SheetKPIs): true, strings.ToLower(SheetReadme): true}
	out := make([]string, len(sc.Sections))
	for i := range sc.Sections {
		out[i] = sheetName(sc.Sections[i].Name, i, used)
	}
	return out
}

// sheetName makes an Excel-safe, unique sheet name from a section name.
func sheetName(name string, i int, used map[string]bool) string {
	s := strings.Map(func(r rune) rune {
		switch r {
		case '[', ']', ':', '*', '?', '/', '\\':
			return '_'
		}
		if r < 0x20 {
			return -1
		}
		return r
	}, strings.TrimSpace(name))
	s = strings.Trim(s, "'")
	if s == "" {
		s = "Section " + strconv.Itoa(i+1)
	}
	s = cutRunes(s, 31)
	base := s
	for n := 2; used[strings.ToLower(s)]; n++ {
		suffix := " (" + strconv.Itoa(n) + ")"
		s = cutRunes(base, 31-utf8.RuneCountInString(suffix)) + suffix
	}
	used[strings.ToLower(s)] = true
	return s
}

func cutRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// quoteSheet quotes a sheet name for use in a formula reference.
func quoteSheet(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

func (w *xlsxWriter) sectionSheet(sheet string, s *Section) error {
	row := 1
	if err := w.boldText(sheet, 1, row, s.Name, 14); err != nil {
		return err
	}
	row++
	if s.Note != "" {
		if err := w.setText(sheet, 1, row, s.Note); err != nil {
			return err
		}
		row++
	}
	row++
	widths := map[int]int{}
	note := func(col int, text string) {
		widths[col] = max(widths[col], displayWidth(text))
	}
	frozen := false
	maxCols := 1
	var blocks []xlsxTable
	for _, t := range s.Tables {
		if t.Title != "" {
			if err := w.boldText(sheet, 1, row, t.Title, 0); err != nil {
				return err
			}
			row++
		}
		names := make([]string, len(t.Columns))
		for i, c := range t.Columns {
			names[i] = c.Name
			note(i+1, c.Name)
		}
		maxCols = max(maxCols, len(t.Columns))
		if err := w.headerRow(sheet, row, names); err != nil {
			return err
		}
		blocks = append(blocks, xlsxTable{headRow: row, lastRow: row + len(t.Rows), cols: len(t.Columns)})
		if t.Shade && len(t.Rows) > 0 && len(t.Columns) > 1 {
			// a heat map over the numbers, as in the HTML
			rng := cellName(2, row+1) + ":" + cellName(len(t.Columns), row+len(t.Rows))
			if err := w.f.SetConditionalFormat(sheet, rng, []excelize.ConditionalFormatOptions{{Type: "2_color_scale",
				Criteria: "=", MinType: "min", MaxType: "max", MinColor: "#FFFFFF", MaxColor: "#7EA6E0"}}); err != nil {
				return err
			}
		}
		if !frozen {
			if err := w.freeze(sheet, row); err != nil {
				return err
			}
			frozen = true
		}
		row++
		for _, r := range t.Rows {
			for i, v := range r {
				if err := w.setValue(sheet, i+1, row, v, t.Columns[i].Unit); err != nil {
					return err
				}
				note(i+1, FormatCell(v, t.Columns[i].Unit))
			}
			row++
		}
		if len(t.Rows) == 0 {
			empty := t.Empty.In(w.lang)
			if empty == "" {
				empty = uiText(w.lang, "none")
			}
			if err := w.setText(sheet, 1, row, empty); err != nil {
				return err
			}
			row++
		}
		row++
	}
	// Chart data blocks, each with its native chart to the right.
	chartCol := maxCols + 2
	for ci := range s.Charts {
		c := &s.Charts[ci]
		if err := w.boldText(sheet, 1, row, uiText(w.lang, "chartdata")+c.Title, 0); err != nil {
			return err
		}
		row++
		head := []string{uiText(w.lang, "label")}
		for _, se := range c.Series {
			head = append(head, se.Name)
		}
		if err := w.headerRow(sheet, row, head); err != nil {
			return err
		}
		maxCols = max(maxCols, len(head))
		headRow := row
		blocks = append(blocks, xlsxTable{headRow: row, lastRow: row + len(c.Labels), cols: len(head)})
		row++
		for li, l := range c.Labels {
			if err := w.setText(sheet, 1, row+li, l); err != nil {
				return err
			}
			note(1, l)
			for si, se := range c.Series {
				if err := w.setValue(sheet, si+2, row+li, se.Values[li], c.Unit); err != nil {
					return err
				}
			}
		}
		if xc := excelChart(sheet, c, headRow); xc != nil {
			if err := w.f.AddChart(sheet, cellName(max(chartCol, len(head)+2), headRow-1), xc); err != nil {
				return err
			}
		}
		// Leave room for the chart (about 15 rows at 288 px).
		row += max(len(c.Labels)+2, 17)
	}
	for col, wd := range widths {
		name, _ := excelize.ColumnNumberToName(col)
		if err := w.f.SetColWidth(sheet, name, name, math.Min(50, math.Max(9, float64(wd)+2))); err != nil {
			return err
		}
	}
	if err := w.addFilters(sheet, blocks); err != nil {
		return err
	}
	// The first table's header row repeats on every printed page (a sheet
	// has one print-titles range).
	titles := 0
	if len(blocks) > 0 {
		titles = blocks[0].headRow
	}
	return w.printSetup(sheet, false, titles, titles)
}

// excelChart builds a native chart over a chart data block whose header is
// on headRow (labels in column A, one series per following column). Funnel
// charts have no native equivalent and get a horizontal bar chart.
func excelChart(sheet string, c *Chart, headRow int) *excelize.Chart {
	q := quoteSheet(sheet)
	first, last := headRow+1, headRow+len(c.Labels)
	var typ excelize.ChartType
	switch c.Kind {
	case ChartBar:
		typ = excelize.Col
		if len(c.Labels) > 12 {
			typ = excelize.Bar
		}
	case ChartStackedBar:
		typ = excelize.ColStacked
	case ChartLine:
		typ = excelize.Line
	case ChartPie:
		typ = excelize.Pie
	case ChartFunnel:
		typ = excelize.Bar
	default:
		return nil
	}
	xc := &excelize.Chart{
		Type:      typ,
		Title:     excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: c.Title}}},
		Legend:    excelize.ChartLegend{Position: "bottom"},
		Dimension: excelize.ChartDimension{Width: 560, Height: 300},
		Format:    excelize.GraphicOptions{OffsetX: 10, OffsetY: 10},
	}
	if len(c.Series) == 1 && c.Kind != ChartPie {
		xc.Legend.Position = "none"
	}
	if c.Kind == ChartFunnel {
		xc.XAxis.ReverseOrder = true // first stage on top
	}
	if nf, ok := unitNumFmt[c.Unit]; ok && c.Unit != UnitNone {
		xc.YAxis.NumFmt = excelize.ChartNumFmt{CustomNumFmt: nf}
	}
	for si := range c.Series {
		col, _ := excelize.ColumnNumberToName(si + 2)
		xc.Series = append(xc.Series, excelize.ChartSeries{
			Name:       fmt.Sprintf("%s!$%s$%d", q, col, headRow),
			Categories: fmt.Sprintf("%s!$A$%d:$A$%d", q, first, last),
			Values:     fmt.Sprintf("%s!$%s$%d:$%s$%d", q, col, first, col, last),
		})
	}
	return xc
}

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
