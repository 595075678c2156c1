package reports

import (
	"fmt"
	"strings"
)

// RenderText renders the scorecard as plain text: the alternative part of
// the scorecard mail, for clients that do not show HTML. Charts are
// mentioned by title only.
func RenderText(sc *Scorecard) (string, error) {
	return renderText(sc, nil)
}

func renderText(sc *Scorecard, notices []string) (string, error) {
	if err := sc.Validate(); err != nil {
		return "", err
	}
	sc = localize(sc)
	v := buildView(sc, HTMLFile, htmlMaxRows)
	var b strings.Builder
	line := func(parts ...string) {
		b.WriteString(strings.Join(parts, ""))
		b.WriteByte('\n')
	}
	line(v.Title)
	line(strings.Repeat("=", min(72, max(8, displayWidth(v.Title)))))
	period := v.L["period"] + " " + v.Period
	if v.PrevPeriod != "" {
		period += " " + v.L["compared"] + " " + v.PrevPeriod
	}
	line(period)
	line(v.L["asof"], " ", v.AsOf, " · ", v.L["generated"], " ", v.Generated)
	if v.Summary != "" {
		line()
		line(v.Summary)
	}
	if len(v.Filter) > 0 {
		parts := make([]string, len(v.Filter))
		for i, f := range v.Filter {
			parts[i] = f.Term + "=" + f.Meaning
		}
		line(v.L["t_filter"], strings.Join(parts, ", "))
	}
	for _, n := range notices {
		line()
		line(v.L["t_note"], n)
	}
	if len(v.KPIs) > 0 {
		line()
		line(v.L["t_keyfigures"])
		prevLabel := v.L["t_previous"]
		if v.PrevPeriod != "" {
			prevLabel = v.PrevPeriod
		}
		rows := [][]string{{"", v.Period, prevLabel, v.L["t_change"], ""}}
		for i, k := range v.KPIs {
			if !k.HasPrev {
				rows = append(rows, []string{k.Label, k.Value, "–", "", ""})
				continue
			}
			change := k.Arrow + " " + k.Delta
			if k.DeltaPct != "" {
				change += " (" + k.DeltaPct + ")"
			}
			if k.YoY != "" {
				change += " · " + v.L["yoy"] + " " + k.YoY + " (" + v.YoYPeriod + ": " + k.YoYBase + ")"
			} else if k.YoYNA != "" {
				change += " · " + v.L["yoy"] + " " + k.YoYNA
			}
			verdict := ""
			switch sc.KPIs[i].Trend() {
			case TrendGood:
				verdict = v.L["t_good"]
			case TrendBad:
				verdict = v.L["t_bad"]
			}
			rows = append(rows, []string{k.Label, k.Value, k.Prev, change, verdict})
		}
		writeAligned(&b, rows, []bool{false, true, true, false, false})
	}
	for si, s := range v.Sections {
		line()
		line(strings.ToUpper(s.Name))
		line(strings.Repeat("-", min(72, max(8, displayWidth(s.Name)))))
		if s.Note != "" {
			line(s.Note)
		}
		if s.Empty {
			line(v.L["none"])
		}
		for _, c := range s.Charts {
			line(fmt.Sprintf(v.L["t_chart"], c.Title))
		}
		for ti, t := range s.Tables {
			line()
			if t.Title != "" {
				line(t.Title)
			}
			rows := make([][]string, 0, len(t.Rows)+1)
			right := make([]bool, len(t.Headers))
			head := make([]string, len(t.Headers))
			for i, h := range t.Headers {
				head[i] = h.Text
				right[i] = numericUnit(sc.Sections[si].Tables[ti].Columns[i].Unit)
			}
			rows = append(rows, head)
			for _, r := range t.Rows {
				cells := make([]string, len(r))
				for i, c := range r {
					cells[i] = oneLine(c.Text)
				}
				rows = append(rows, cells)
			}
			if len(t.Rows) == 0 {
				rows = append(rows, []string{t.Empty})
			}
			writeAligned(&b, rows, right)
			if t.Cut != "" {
				line(t.Cut)
			}
		}
	}
	if len(v.Freshness) > 0 {
		line()
		line(v.L["t_freshness"])
		rows := [][]string{{v.L["f_source"], v.L["f_newest"], v.L["f_loaded"], v.L["f_age"], v.L["f_rows"], v.L["f_quarantined"]}}
		for _, f := range v.Freshness {
			rows = append(rows, []string{f.Source, f.Newest, f.Loaded, f.Age, f.Rows, f.Quarantined})
		}
		writeAligned(&b, rows, []bool{false, false, false, true, true, true})
	}
	if len(v.Defs) > 0 {
		line()
		line(v.L["t_definitions"])
		for _, d := range v.Defs {
			line("- ", oneLine(d.Term), ": ", oneLine(d.Meaning))
		}
	}
	return b.String(), nil
}

// writeAligned writes rows as space-aligned columns, indented by two
// spaces; right[i] right-aligns column i. Wide (CJK) characters count as
// two columns.
func writeAligned(b *strings.Builder, rows [][]string, right []bool) {
	var widths []int
	for _, r := range rows {
		for i, c := range r {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], displayWidth(c))
		}
	}
	for _, r := range rows {
		var lb strings.Builder
		lb.WriteString("  ")
		for i, c := range r {
			pad := strings.Repeat(" ", widths[i]-displayWidth(c))
			if i < len(right) && right[i] {
				lb.WriteString(pad + c)
			} else {
				lb.WriteString(c + pad)
			}
			if i < len(r)-1 {
				lb.WriteString("  ")
			}
		}
		b.WriteString(strings.TrimRight(lb.String(), " "))
		b.WriteByte('\n')
	}
}

// oneLine folds line breaks and tabs to spaces.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
