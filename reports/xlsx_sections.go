package reports

// One sheet per scorecard section: unique sheet names within Excel's
// limits, the section's tables, and its charts as native Excel charts.

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

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
