package publish

// The scorecards are built by strategy.go, operations.go and support.go
// from the queries in sql/ (sqlset.go); this file holds what they share.

import (
	"fmt"
	"strings"

	"github.com/crmkit/crmkit/reports"
)

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// prevCol is the comparison period as a column-name suffix, e.g. "2025_11".
func (b *builder) prevCol() string { return strings.ReplaceAll(b.prev.Label, "-", "_") }

// periodNote is the first line of every period section.
func (b *builder) periodNote() reports.Msg {
	return reports.M("note.period", b.curLabel, b.prevLabel)
}

// leftOut is the one-line stand-in of a section a filtered copy cannot
// restrict, so the copy shows nothing its filter excludes; why is the
// catalogue key of the reason.
func (b *builder) leftOut(name, why string) reports.Section {
	return reports.Section{Name: name, Notes: []reports.Msg{reports.M("leftout", reports.M("filter.region", b.region), reports.M(why))}}
}

// cut shows at most the first n rows of t in HTML and the text part,
// which then say how many of how many they show and that the XLSX holds
// every row.
func cut(t reports.Table, n int) reports.Table {
	t.Shown = n
	return t
}

// pivot turns a long (label, series, value) table into one row per label
// and one column per series.
func pivot(t reports.Table) reports.Table {
	if len(t.Columns) < 3 {
		return t
	}
	var labels, series []string
	li, si := map[string]int{}, map[string]int{}
	for _, r := range t.Rows {
		l, s := fmt.Sprint(r[0]), fmt.Sprint(r[1])
		if _, ok := li[l]; !ok {
			li[l] = len(labels)
			labels = append(labels, l)
		}
		if _, ok := si[s]; !ok {
			si[s] = len(series)
			series = append(series, s)
		}
	}
	out := reports.Table{Title: t.Title, Columns: []reports.Column{t.Columns[0]}}
	for _, s := range series {
		out.Columns = append(out.Columns, reports.Column{Name: s, Unit: t.Columns[2].Unit})
	}
	out.Columns = append(out.Columns, reports.Column{Name: "total", Unit: t.Columns[2].Unit})
	for _, l := range labels {
		row := make([]any, len(series)+2)
		row[0] = l
		for k := range series {
			row[k+1] = 0.0
		}
		out.Rows = append(out.Rows, row)
	}
	for _, r := range t.Rows {
		row := out.Rows[li[fmt.Sprint(r[0])]]
		v := toFloat(r[2])
		row[si[fmt.Sprint(r[1])]+1] = v
		row[len(row)-1] = toFloat(row[len(row)-1]) + v
	}
	return out
}

// pick keeps columns a and b of each row (label, value) for a chart.
func pick(rows [][]any, a, b int) [][]any {
	out := make([][]any, 0, len(rows))
	for _, r := range rows {
		if len(r) > b {
			out = append(out, []any{r[a], r[b]})
		}
	}
	return out
}
