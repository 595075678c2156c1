package reports

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// currencySymbols are the signs shown before amounts for common ISO 4217
// codes; another code is shown as itself ("CHF 1,234").
var currencySymbols = map[string]string{
	"CNY": "¥", "RMB": "¥", "JPY": "¥", "USD": "$", "EUR": "€", "GBP": "£",
	"HKD": "HK$", "TWD": "NT$", "SGD": "S$", "KRW": "₩", "AUD": "A$", "CAD": "C$",
}

// CurrencySymbol returns the sign shown before amounts in currency code
// (reports.currency), "" for no code.
func CurrencySymbol(code string) string {
	code = strings.ToUpper(strings.TrimSpace(code))
	if code == "" {
		return ""
	}
	if s, ok := currencySymbols[code]; ok {
		return s
	}
	return code
}

// numFmt formats numbers for display in one scorecard: money with its
// currency sign, in whole units from 1,000 up (an executive reads
// ¥ 943,818, not 943,818.27) and with cents below (an average order value
// of ¥ 714.89); counts as integers; fractions in %; changes of fractions in
// percentage points.
type numFmt struct{ sym string }

func newNumFmt(sc *Scorecard) numFmt { return numFmt{sym: CurrencySymbol(sc.Currency)} }

func (f numFmt) money(v float64) string {
	decimals := 2
	if math.Abs(v) >= 1000 {
		decimals = 0
	}
	s := groupThousands(strconv.FormatFloat(math.Abs(v), 'f', decimals, 64))
	if f.sym != "" {
		s = f.sym + " " + s
	}
	if v < 0 && s != "0" {
		s = "-" + s
	}
	return s
}

// value formats v in unit u (see FormatValue; money and pp differ).
func (f numFmt) value(v float64, u Unit) string {
	if !finite(v) {
		return "–"
	}
	switch u {
	case UnitMoney:
		return f.money(v)
	case UnitPP:
		return FormatDelta(v, UnitPct)
	}
	return FormatValue(v, u)
}

// delta formats a change with its sign: pct and pp in percentage points.
func (f numFmt) delta(d float64, u Unit) string {
	if !finite(d) {
		return "–"
	}
	switch u {
	case UnitPct, UnitPP:
		return FormatDelta(d, UnitPct)
	case UnitMoney:
		sign := "+"
		if d < 0 {
			sign = "-"
		} else if d == 0 {
			sign = "±"
		}
		return sign + f.money(math.Abs(d))
	}
	return FormatDelta(d, u)
}

// cell formats one table value (see FormatCell).
func (f numFmt) cell(v any, u Unit) string {
	switch x := v.(type) {
	case float64:
		return f.value(x, u)
	case float32:
		return f.value(float64(x), u)
	case int:
		return f.value(float64(x), u)
	case int64:
		return f.value(float64(x), u)
	case int32:
		return f.value(float64(x), u)
	}
	return FormatCell(v, u)
}

// stageColumns hold lifecycle stage words; channelColumns channel names.
// Their text values are translated like labels.
var wordColumns = map[string]bool{"stage": true, "from_stage": true, "to_stage": true, "aipl_stage": true,
	"pyramid_stage": true, "channel": true, "region": true, "ok": true, "window_complete": true, "check": true,
	"level": true, "dimension": true, "key": true}

// noteColumns hold notes the marts write as fragments joined by "; "
// (campaign_effect.note); each known fragment is translated.
var noteColumns = map[string]bool{"note": true}

// ppColumns are differences of two rates (an uplift of a conversion
// rate): shown in percentage points whatever unit the data gave them.
var ppColumns = map[string]bool{"uplift": true, "uplift_low": true, "uplift_high": true}

// localize returns a copy of sc for display in its language: headings,
// column names, KPI labels (by key), chart titles, stage and channel words
// translated (see labels); uplift columns in percentage points; tables and
// charts whose rows are lifecycle stages in stage order; a from/to stage
// flow list as a shaded from×to matrix. sc is not changed.
func localize(sc *Scorecard) *Scorecard {
	if sc.localized {
		return sc
	}
	lang := sc.lang()
	out := *sc
	out.localized = true
	out.Title = tr(lang, sc.Title)
	out.KPIs = slices.Clone(sc.KPIs)
	for i, k := range out.KPIs {
		if l, ok := labels[k.Key]; ok {
			out.KPIs[i].Label = l.pick(lang)
		} else {
			out.KPIs[i].Label = tr(lang, k.Label)
		}
	}
	out.Sections = make([]Section, len(sc.Sections))
	for si, s := range sc.Sections {
		ns := Section{Name: tr(lang, s.Name), Note: joinText(lang, tr(lang, s.Note), Join(lang, s.Notes))}
		for _, t := range s.Tables {
			ns.Tables = append(ns.Tables, localizeTable(lang, t))
		}
		for _, c := range s.Charts {
			ns.Charts = append(ns.Charts, localizeChart(lang, c))
		}
		out.Sections[si] = ns
	}
	out.Definitions = make([]Definition, len(sc.Definitions))
	for i, d := range sc.Definitions {
		nd := Definition{Term: tr(lang, d.Term), Meaning: d.Meaning}
		if !d.TermMsg.IsZero() {
			nd.Term = d.TermMsg.In(lang)
		}
		if !d.MeaningMsg.IsZero() {
			nd.Meaning = d.MeaningMsg.In(lang)
		}
		out.Definitions[i] = nd
	}
	return &out
}

// joinText joins two paragraphs of one language.
func joinText(lang, a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	case lang == LangEN:
		return a + " " + b
	}
	return a + b
}

func localizeTable(lang string, t Table) Table {
	if m, ok := flowMatrix(lang, t); ok {
		return m
	}
	nt := t
	nt.Title = tr(lang, t.Title)
	nt.Empty = Msg{}
	if len(t.Rows) == 0 {
		nt.Empty = M("table.none")
		if !t.Empty.IsZero() {
			nt.Empty = t.Empty
		}
	}
	nt.Columns = slices.Clone(t.Columns)
	words := make([]bool, len(t.Columns))
	for i, c := range t.Columns {
		words[i] = wordColumns[c.Name]
		if ppColumns[c.Name] && (c.Unit == UnitRatio || c.Unit == UnitNone || c.Unit == UnitPct) {
			nt.Columns[i].Unit = UnitPP
		}
		nt.Columns[i].Name = tr(lang, c.Name)
	}
	rows := t.Rows
	if len(t.Columns) > 0 && t.Columns[0].Name == "stage" && allStages(rows, 0) {
		rows = slices.Clone(rows)
		slices.SortStableFunc(rows, func(a, b []any) int {
			return cmp.Compare(stageRank(fmt.Sprint(a[0])), stageRank(fmt.Sprint(b[0])))
		})
	}
	nt.Rows = make([][]any, len(rows))
	for ri, r := range rows {
		nr := slices.Clone(r)
		for i, v := range nr {
			if s, ok := v.(string); ok && words[i] {
				nr[i] = tr(lang, s)
			} else if ok && noteColumns[t.Columns[i].Name] && s != "" {
				parts := strings.Split(s, "; ")
				for j, p := range parts {
					parts[j] = tr(lang, p)
				}
				nr[i] = strings.Join(parts, map[bool]string{true: "; ", false: "；"}[lang == LangEN])
			}
		}
		nt.Rows[ri] = nr
	}
	return nt
}

func allStages(rows [][]any, col int) bool {
	if len(rows) == 0 {
		return false
	}
	for _, r := range rows {
		s, ok := r[col].(string)
		if !ok || stageRank(s) < 0 {
			return false
		}
	}
	return true
}

// flowMatrix turns a stage-flow list (columns from_stage, to_stage, then a
// count) into a from×to matrix: one row per stage a month ago, one column
// per stage now, stages in stage order, empty where no customer moved,
// shaded by size. Other tables are returned with ok false.
func flowMatrix(lang string, t Table) (Table, bool) {
	if len(t.Columns) < 3 || t.Columns[0].Name != "from_stage" || t.Columns[1].Name != "to_stage" {
		return Table{}, false
	}
	var from, to []string
	cells := map[[2]string]any{}
	for _, r := range t.Rows {
		f, ok1 := r[0].(string)
		g, ok2 := r[1].(string)
		if !ok1 || !ok2 {
			return Table{}, false
		}
		if !slices.Contains(from, f) {
			from = append(from, f)
		}
		if !slices.Contains(to, g) {
			to = append(to, g)
		}
		cells[[2]string{f, g}] = r[2]
	}
	byStage := func(a, b string) int {
		ra, rb := stageRank(a), stageRank(b)
		if ra < 0 {
			ra = len(stageOrder)
		}
		if rb < 0 {
			rb = len(stageOrder)
		}
		return cmp.Or(cmp.Compare(ra, rb), cmp.Compare(a, b))
	}
	slices.SortFunc(from, byStage)
	slices.SortFunc(to, byStage)
	m := Table{Title: tr(lang, t.Title), Shade: true, Shown: t.Shown,
		Columns: []Column{{Name: uiText(lang, "from_to"), Unit: UnitText}}}
	for _, g := range to {
		m.Columns = append(m.Columns, Column{Name: tr(lang, g), Unit: t.Columns[2].Unit})
	}
	for _, f := range from {
		row := []any{tr(lang, f)}
		for _, g := range to {
			row = append(row, cells[[2]string{f, g}])
		}
		m.Rows = append(m.Rows, row)
	}
	return m, true
}

func localizeChart(lang string, c Chart) Chart {
	nc := c
	nc.Title = tr(lang, c.Title)
	nc.XTitle = tr(lang, c.XTitle)
	nc.YTitle = tr(lang, c.YTitle)
	nc.Labels = make([]string, len(c.Labels))
	order := make([]int, len(c.Labels))
	stages := len(c.Labels) > 0
	for i, l := range c.Labels {
		order[i] = i
		stages = stages && stageRank(l) >= 0
	}
	if stages {
		slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(stageRank(c.Labels[a]), stageRank(c.Labels[b])) })
	}
	for i, j := range order {
		nc.Labels[i] = tr(lang, c.Labels[j])
	}
	nc.Series = make([]Series, len(c.Series))
	for si, s := range c.Series {
		vals := make([]float64, len(order))
		for i, j := range order {
			vals[i] = s.Values[j]
		}
		nc.Series[si] = Series{Name: tr(lang, s.Name), Values: vals}
	}
	return nc
}

// valueAxisTitle is a chart's value axis title: YTitle, or the name of
// its unit with the currency sign or %.
func valueAxisTitle(c *Chart, lang, sym string) string {
	if c.YTitle != "" {
		return c.YTitle
	}
	if len(c.Series) == 1 && c.Kind != ChartPie && !strings.HasPrefix(c.Series[0].Name, "20") {
		// one series: its name (net sales, customers) with the unit
		name := c.Series[0].Name
		switch c.Unit {
		case UnitMoney:
			if sym != "" {
				return name + " (" + sym + ")"
			}
		case UnitPct:
			return name + " (%)"
		case UnitPP:
			return name + " (pp)"
		case UnitDays:
			return name + " (" + uiText(lang, "days") + ")"
		}
		return name
	}
	switch c.Unit {
	case UnitMoney:
		if sym != "" {
			return uiText(lang, "amount") + " (" + sym + ")"
		}
		return uiText(lang, "amount")
	case UnitCount:
		return uiText(lang, "count")
	case UnitPct:
		return uiText(lang, "share")
	case UnitPP:
		return uiText(lang, "pp")
	case UnitDays:
		return uiText(lang, "days")
	case UnitRatio:
		return uiText(lang, "ratio")
	}
	return uiText(lang, "value")
}

// summaryLine is the one line at the top of a scorecard: the first KPI
// with its change on the previous period and on the same period last
// year, then the two other KPIs that moved most against the previous
// period (by relative change; pct KPIs by their change in points / 100)
// and, where years are known, the one that moved most year on year.
func summaryLine(sc *Scorecard) string {
	if len(sc.KPIs) == 0 {
		return ""
	}
	lang := sc.lang()
	nf := newNumFmt(sc)
	sep, open, close := "，", "（", "）"
	if lang == LangEN {
		sep, open, close = ", ", " (", ")"
	}
	change := func(k KPI, yoy bool) (string, float64, bool) {
		if yoy {
			if !k.HasYoY {
				return "", 0, false
			}
			if k.Unit == UnitPct {
				return nf.delta(k.Value-k.YoY, UnitPct), k.Value - k.YoY, true
			}
			p, ok := k.YoYPct()
			return FormatPct(p), p, ok
		}
		if !k.HasPrev {
			return "", 0, false
		}
		if k.Unit == UnitPct {
			return nf.delta(k.Delta(), UnitPct), k.Delta(), true
		}
		p, ok := k.DeltaPct()
		return FormatPct(p), p, ok
	}
	head := sc.KPIs[0]
	s := head.Label + " " + nf.value(head.Value, head.Unit)
	var parts []string
	if c, _, ok := change(head, false); ok {
		parts = append(parts, uiText(lang, "mom")+" "+c)
	}
	if c, _, ok := change(head, true); ok {
		parts = append(parts, uiText(lang, "yoy")+" "+c)
	} else if _, _, na := yoyTexts(sc, head, nf); na != "" {
		parts = append(parts, uiText(lang, "yoy")+" "+na)
	}
	if len(parts) > 0 {
		s += open + strings.Join(parts, sep) + close
	}
	type move struct {
		text string
		size float64
	}
	var moves []move
	var yoyMove *move
	for _, k := range sc.KPIs[1:] {
		if c, p, ok := change(k, false); ok && p != 0 {
			moves = append(moves, move{k.Label + " " + uiText(lang, "mom") + " " + c, math.Abs(p)})
		}
		if c, p, ok := change(k, true); ok && p != 0 && (yoyMove == nil || math.Abs(p) > yoyMove.size) {
			yoyMove = &move{k.Label + " " + uiText(lang, "yoy") + " " + c, math.Abs(p)}
		}
	}
	slices.SortStableFunc(moves, func(a, b move) int { return cmp.Compare(b.size, a.size) })
	var big []string
	for i := 0; i < len(moves) && i < 2; i++ {
		big = append(big, moves[i].text)
	}
	if yoyMove != nil {
		big = append(big, yoyMove.text)
	}
	if len(big) > 0 {
		colon := "："
		if lang == LangEN {
			colon = ": "
		}
		s += " · " + uiText(lang, "largest") + colon + strings.Join(big, sep)
	}
	return s
}

// shade returns the background colour of a shaded cell holding v where
// the table's largest value is top: white to blue, so a large flow stands
// out; text stays dark enough to read on every shade.
func shade(v, top float64) string {
	if !finite(v) || top <= 0 || v <= 0 {
		return ""
	}
	f := math.Min(1, v/top)
	// from #ffffff to #7ea6e0
	r := 255 - int(math.Round(f*(255-0x7e)))
	g := 255 - int(math.Round(f*(255-0xa6)))
	b := 255 - int(math.Round(f*(255-0xe0)))
	return fmt.Sprintf("#%02x%02x%02x", r, g, b)
}

// tableMax is the largest finite number in a table's cells.
func tableMax(t Table) float64 {
	top := 0.0
	for _, r := range t.Rows {
		for _, v := range r {
			if x, ok := toFloat(v); ok && finite(x) && x > top {
				top = x
			}
		}
	}
	return top
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case int32:
		return float64(x), true
	}
	return 0, false
}
