// Package publish is the publish job: it builds the strategy, operations and
// support scorecards from the core and mart tables, writes them as XLSX and
// HTML into the output folder, writes the segment files, and sends the
// configured deliveries (or .eml files when no SMTP server is configured).
package publish

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/crmkit/crmkit/pipeline/warehouse"
	"github.com/crmkit/crmkit/reports"
)

// Period is a half-open time range [From, To) in the business time zone.
type Period struct {
	Label    string
	From, To time.Time
}

// Periods returns the reported period (month to date, through the as-of
// day) and the comparison period (the previous month through the same day
// of the month, or the whole previous month when the as-of is a month end).
func Periods(asOf time.Time) (cur, prev Period) {
	loc := asOf.Location()
	start := time.Date(asOf.Year(), asOf.Month(), 1, 0, 0, 0, 0, loc)
	end := time.Date(asOf.Year(), asOf.Month(), asOf.Day()+1, 0, 0, 0, 0, loc)
	pstart := start.AddDate(0, -1, 0)
	pend := start
	if end.Month() == asOf.Month() { // not a month end: same number of days
		if d := time.Date(pstart.Year(), pstart.Month(), asOf.Day()+1, 0, 0, 0, 0, loc); d.Before(pend) {
			pend = d
		}
	}
	return Period{Label: start.Format("2006-01"), From: start, To: end}, Period{Label: pstart.Format("2006-01"), From: pstart, To: pend}
}

// builder queries the warehouse for one scorecard.
type builder struct {
	ctx       context.Context
	wh        warehouse.Querier
	loc       *time.Location
	asOf      time.Time
	cur, prev Period
	// region restricts order and customer figures (empty: all regions).
	region string
	// regions maps regions to their provinces (config regions).
	regions map[string][]string
	// curLabel and prevLabel name the periods as the scorecard header does
	// ("2025-12", or "2025-12 (to 12-15)" for a month to date).
	curLabel, prevLabel string
	// segmentSizes is this run's segment sizes table (nil: read the
	// newest recorded ones).
	segmentSizes *reports.Table
	// purchase is the shared purchase rule (jobs.PurchasePredicate) over
	// the columns of orders and publish_order_facts.
	purchase string
	// firstDays: the new-customer figures read first purchases from
	// customer_state (firstDaysUsable).
	firstDays bool
	// yoys shares the year-earlier figures between the scorecards of a
	// run (nil: each reads its own).
	yoys *yoyShare
	errs []string
}

func ts(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func (b *builder) note(err error, what string) {
	if err != nil {
		b.errs = append(b.errs, what+": "+err.Error())
	}
}

// scalar runs a query returning one number; NULL and errors give 0 (errors
// are collected and shown on the README sheet).
func (b *builder) scalar(what, sql string, args ...any) float64 {
	recs, err := b.wh.Query(b.ctx, sql, args...)
	if err != nil {
		b.note(err, what)
		return 0
	}
	defer warehouse.Release(recs)
	for _, r := range recs {
		if r.NumRows() > 0 {
			return warehouse.FloatAt(r, 0, 0)
		}
	}
	return 0
}

// kpi computes a figure for the current and previous period with a query
// taking (from, to) timestamps first.
func (b *builder) kpi(key, label string, unit reports.Unit, better reports.Better, sql string, extra ...any) reports.KPI {
	cur := b.scalar(key, sql, append([]any{ts(b.cur.From), ts(b.cur.To)}, extra...)...)
	prev := b.scalar(key, sql, append([]any{ts(b.prev.From), ts(b.prev.To)}, extra...)...)
	return reports.KPI{Key: key, Label: label, Value: cur, Prev: prev, HasPrev: true, Unit: unit, Better: better}
}

// exists reports whether a table exists.
func (b *builder) exists(table string) bool {
	ok, err := warehouse.TableExists(b.ctx, b.wh, table)
	b.note(err, "exists "+table)
	return ok
}

// sql is the SQL dialect of the warehouse.
func (b *builder) sql() warehouse.SQL { return warehouse.SQLOfQuerier(b.wh) }

// table renders a query result as a scorecard table; units are inferred
// from column names.
func (b *builder) table(title, sql string, args ...any) reports.Table {
	t := reports.Table{Title: title}
	recs, err := b.wh.Query(b.ctx, sql, args...)
	if err != nil {
		b.note(err, title)
		return t
	}
	defer warehouse.Release(recs)
	if len(recs) == 0 {
		return t
	}
	sch := recs[0].Schema()
	for _, f := range sch.Fields() {
		t.Columns = append(t.Columns, reports.Column{Name: f.Name, Unit: unitFor(f)})
	}
	for _, r := range recs {
		for i := 0; i < int(r.NumRows()); i++ {
			row := make([]any, r.NumCols())
			for c := range row {
				row[c] = cellValue(r.Column(c), i, b.loc)
			}
			t.Rows = append(t.Rows, row)
		}
	}
	return t
}

// unitFor is the display unit of a mart column, from its type and name. A
// column named just "value" (identity_stats' counts, source_checks'
// measurements) names no money: it takes its type's unit.
func unitFor(f arrow.Field) reports.Unit {
	n := strings.ToLower(f.Name)
	switch {
	case f.Type.ID() == arrow.STRING || f.Type.ID() == arrow.LARGE_STRING:
		return reports.UnitText
	case f.Type.ID() == arrow.DATE32 || f.Type.ID() == arrow.TIMESTAMP:
		return reports.UnitDate
	case strings.HasSuffix(n, "_pct") || strings.HasSuffix(n, "rate") || strings.HasSuffix(n, "share") || strings.Contains(n, "ratio") || strings.HasPrefix(n, "retention"):
		return reports.UnitPct
	case strings.Contains(n, "revenue") || strings.Contains(n, "sales") || strings.Contains(n, "clv") || strings.Contains(n, "amount") ||
		strings.Contains(n, "margin") || strings.Contains(n, "profit") || strings.Contains(n, "spend") || (strings.Contains(n, "value") && n != "value") || strings.Contains(n, "aov"):
		return reports.UnitMoney
	case strings.Contains(n, "hours") || strings.Contains(n, "days"):
		return reports.UnitDays
	case f.Type.ID() == arrow.FLOAT64:
		return reports.UnitRatio
	default:
		return reports.UnitCount
	}
}

// cellValue is the scorecard value of cell i of a; times are shown in the
// business zone, labelled with it (e.g. "2025-12-31 21:58 CST").
func cellValue(a arrow.Array, i int, loc *time.Location) any {
	if a.IsNull(i) {
		return ""
	}
	switch v := a.(type) {
	case *array.String:
		// Copy: the batch's buffers are released after the query.
		return strings.Clone(v.Value(i))
	case *array.Int64:
		return v.Value(i)
	case *array.Int32:
		return int64(v.Value(i))
	case *array.Float64:
		return v.Value(i)
	case *array.Boolean:
		if v.Value(i) {
			return "yes"
		}
		return "no"
	case *array.Date32:
		return v.Value(i).ToTime().Format("2006-01-02")
	case *array.Timestamp:
		if loc == nil {
			loc = time.UTC
		}
		return v.Value(i).ToTime(v.DataType().(*arrow.TimestampType).Unit).In(loc).Format("2006-01-02 15:04 MST")
	case *array.Decimal128:
		return v.Value(i).ToFloat64(v.DataType().(*arrow.Decimal128Type).Scale)
	default:
		return strings.Clone(a.ValueStr(i))
	}
}

// chartFrom builds a chart from a long table (label, series, value), or
// from a (label, value) table as one series named after its value column
// (the value axis title).
func chartFrom(id, title string, kind reports.ChartKind, unit reports.Unit, t reports.Table) reports.Chart {
	ch := reports.Chart{ID: id, Title: title, Kind: kind, Unit: unit}
	if len(t.Columns) < 2 {
		return ch
	}
	single := "value"
	if len(t.Columns) == 2 {
		single = t.Columns[1].Name
	}
	labels := map[string]int{}
	series := map[string]map[string]float64{}
	var sNames []string
	for _, r := range t.Rows {
		l := fmt.Sprint(r[0])
		s, v := single, r[len(r)-1]
		if len(r) >= 3 {
			s = fmt.Sprint(r[1])
		}
		if _, ok := labels[l]; !ok {
			labels[l] = len(ch.Labels)
			ch.Labels = append(ch.Labels, l)
		}
		if series[s] == nil {
			series[s] = map[string]float64{}
			sNames = append(sNames, s)
		}
		series[s][l] += toFloat(v)
	}
	sort.Strings(sNames)
	for _, s := range sNames {
		vals := make([]float64, len(ch.Labels))
		for l, i := range labels {
			vals[i] = series[s][l]
		}
		ch.Series = append(ch.Series, reports.Series{Name: s, Values: vals})
	}
	return ch
}

func toFloat(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case int64:
		return float64(x)
	}
	return 0
}
