// Package reports renders what the chain publishes: the strategy,
// operations and support scorecards as XLSX and HTML, segment files, and the
// emails that carry them.
package reports

import (
	"html/template"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// MonthlyRevenue is net revenue per month and channel.
type MonthlyRevenue struct {
	Months   []string
	Channels []string
	// Net[month][channel] is net sales (paid - refunds).
	Net map[string]map[string]float64
}

// WriteRevenueXLSX writes the monthly revenue table to path.
func WriteRevenueXLSX(mr *MonthlyRevenue, path string) error {
	f := excelize.NewFile()
	defer f.Close()
	sheet := "Revenue"
	f.SetSheetName("Sheet1", sheet)
	header := append([]any{"Month"}, toAny(mr.Channels)...)
	header = append(header, "Total")
	if err := f.SetSheetRow(sheet, "A1", &header); err != nil {
		return err
	}
	money, _ := f.NewStyle(&excelize.Style{NumFmt: 4})
	bold, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	_ = f.SetRowStyle(sheet, 1, 1, bold)
	for i, m := range mr.Months {
		row := []any{SafeCell(m)}
		total := 0.0
		for _, c := range mr.Channels {
			v := mr.Net[m][c]
			total += v
			row = append(row, v)
		}
		row = append(row, total)
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := f.SetSheetRow(sheet, cell, &row); err != nil {
			return err
		}
	}
	last, _ := excelize.CoordinatesToCellName(len(mr.Channels)+2, len(mr.Months)+1)
	_ = f.SetCellStyle(sheet, "B2", last, money)
	_ = f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return f.SaveAs(path)
}

var revenueTmpl = template.Must(template.New("rev").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Monthly revenue by channel</title>
<style>body{font-family:-apple-system,Segoe UI,Roboto,"Noto Sans CJK SC",sans-serif;margin:16px;color:#222}
table{border-collapse:collapse;font-size:14px}th,td{padding:4px 8px;border-bottom:1px solid #ddd;text-align:right}
th:first-child,td:first-child{text-align:left}.wrap{overflow-x:auto}</style></head>
<body><h1>Monthly revenue by channel</h1><p>Net sales (paid minus refunds), in the order currency.</p>
<div class="wrap"><table><thead><tr><th>Month</th>{{range .Channels}}<th>{{.}}</th>{{end}}<th>Total</th></tr></thead>
<tbody>{{range .Rows}}<tr><td>{{.Month}}</td>{{range .Values}}<td>{{.}}</td>{{end}}<td>{{.Total}}</td></tr>{{end}}</tbody></table></div>
</body></html>`))

// WriteRevenueHTML writes the monthly revenue table as a self-contained page.
func WriteRevenueHTML(mr *MonthlyRevenue, path string) error {
	type row struct {
		Month  string
		Values []string
		Total  string
	}
	var rows []row
	for _, m := range mr.Months {
		r := row{Month: m}
		t := 0.0
		for _, c := range mr.Channels {
			r.Values = append(r.Values, Money(mr.Net[m][c]))
			t += mr.Net[m][c]
		}
		r.Total = Money(t)
		rows = append(rows, r)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return revenueTmpl.Execute(f, map[string]any{"Channels": mr.Channels, "Rows": rows})
}

// MonthCase is the month ("2006-01") in the time zone loc of the
// TIMESTAMPTZ expression col, as FormatDate(LocalDate(col)) gives it: a
// CASE comparing col with the month boundaries from the month of first
// through the month of last (computed here), falling back to converting
// col to local time outside them. Converting every row costs about a
// second per 5M rows on DuckDB; the comparisons a tenth of that.
func MonthCase(d warehouse.SQL, col string, loc *time.Location, first, last time.Time) string {
	if loc == nil {
		loc = time.UTC
	}
	local := d.FormatDate(d.LocalDate(col, loc.String()), "%Y-%m")
	if first.IsZero() || last.IsZero() || last.Before(first) {
		return local
	}
	f, l := first.In(loc), last.In(loc)
	m := time.Date(f.Year(), f.Month(), 1, 0, 0, 0, 0, loc)
	end := time.Date(l.Year(), l.Month(), 1, 0, 0, 0, 0, loc)
	if end.Sub(m) > 100*366*24*time.Hour {
		return local
	}
	var b strings.Builder
	b.WriteString("CASE WHEN " + col + " < " + warehouse.TimestampLiteral(d, m) + " THEN " + local)
	for !m.After(end) {
		next := time.Date(m.Year(), m.Month()+1, 1, 0, 0, 0, 0, loc)
		b.WriteString(" WHEN " + col + " < " + warehouse.TimestampLiteral(d, next) + " THEN " + d.String(m.Format("2006-01")))
		m = next
	}
	b.WriteString(" ELSE " + local + " END")
	return b.String()
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = SafeCell(s)
	}
	return out
}
