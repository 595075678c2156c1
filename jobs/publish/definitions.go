package publish

import (
	"fmt"
	"strings"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/reports"
)

// figure is the one definition of a headline figure. The builders make
// every KPI tile through it (figure.kpi), the Definitions section of each
// scorecard and docs/scorecards.md list it, and HTML, XLSX, the text part
// and every filtered copy show the KPI values computed once from it.
//
// Its words are in the message catalogue (reports/messages.go), in Chinese
// and English: fig.<key>.formula says how the figure is computed, in words
// an analyst can redo in SQL over the named table; fig.<key>.grain what one
// counted thing is and which time decides the period; fig.<key>.filters
// how a filter restricts it. name is the English name docs/scorecards.md
// lists; tiles show the key's label (reports/labels.go).
type figure struct {
	key, name string
	// regional is true when a region filter restricts the figure (the
	// restriction is in filters); a filtered copy leaves other figures out.
	regional bool
	unit     reports.Unit
	better   reports.Better
}

// text is part ("formula", "grain" or "filters") of the figure's words.
func (f figure) text(part string) reports.Msg { return reports.M("fig." + f.key + "." + part) }

// figures are all headline figures of the three scorecards, in the order
// of the docs.
var figures = []figure{
	{key: "net_sales", name: "Net sales", unit: reports.UnitMoney, better: reports.BetterUp, regional: true},
	{key: "orders", name: "Orders", unit: reports.UnitCount, better: reports.BetterUp, regional: true},
	{key: "aov", name: "Average order value", unit: reports.UnitMoney, better: reports.BetterUp, regional: true},
	{key: "active_customers", name: "Buying customers", unit: reports.UnitCount, better: reports.BetterUp, regional: true},
	{key: "new_customers", name: "New customers", unit: reports.UnitCount, better: reports.BetterUp, regional: true},
	{key: "returning_customers", name: "Returning customers", unit: reports.UnitCount, better: reports.BetterUp, regional: true},
	{key: "total_clv", name: "Total CLV", unit: reports.UnitMoney, better: reports.BetterUp, regional: true},
	{key: "gross_margin", name: "Gross margin", unit: reports.UnitMoney, better: reports.BetterUp},
	{key: "store_sales", name: "Store (POS) net sales", unit: reports.UnitMoney, better: reports.BetterUp, regional: true},
	{key: "online_sales", name: "E-commerce net sales", unit: reports.UnitMoney, better: reports.BetterUp, regional: true},
	{key: "refund_rate", name: "Refund rate", unit: reports.UnitPct, better: reports.BetterDown, regional: true},
	{key: "tickets", name: "Service tickets opened", unit: reports.UnitCount, better: reports.BetterDown},
	{key: "resolution_days", name: "Median resolution time (days)", unit: reports.UnitDays, better: reports.BetterDown},
	{key: "csat", name: "Average satisfaction (1-5)", unit: reports.UnitRatio, better: reports.BetterUp},
	{key: "complaints_per_1000_orders", name: "Complaints per 1,000 orders", unit: reports.UnitRatio, better: reports.BetterDown},
	{key: "quarantine_rate", name: "Rows quarantined (share of all rows read)", unit: reports.UnitPct, better: reports.BetterDown},
}

// fig returns the definition of key; an unknown key is a programming
// error (every tile must have a definition).
func fig(key string) figure {
	for _, f := range figures {
		if f.key == key {
			return f
		}
	}
	panic("publish: figure without a definition: " + key)
}

// kpi is the tile of the figure with its values.
func (f figure) kpi(cur, prev float64, hasPrev bool) reports.KPI {
	return reports.KPI{Key: f.key, Label: f.name, Value: cur, Prev: prev, HasPrev: hasPrev, Unit: f.unit, Better: f.better}
}

// meaning is the figure's definition as one paragraph.
func (f figure) meaning() reports.Msg {
	return reports.M("def.figure", f.text("formula"), f.text("grain"), f.text("filters"), unitName(f.unit))
}

func unitName(u reports.Unit) reports.Msg { return reports.M("unit." + string(u)) }

// definitions lists the figures shown on sc, then the general terms; the
// renderers show them in the delivery's language.
func definitions(cfg *config.Config, sc *reports.Scorecard) []reports.Definition {
	var out []reports.Definition
	for _, k := range sc.KPIs {
		out = append(out, reports.Definition{Term: k.Label, TermMsg: reports.M(k.Key), MeaningMsg: fig(k.Key).meaning()})
	}
	m := cfg.Models
	term := func(key string, args ...any) reports.Definition {
		return reports.Definition{TermMsg: reports.M("term." + key), MeaningMsg: reports.M("def."+key, args...)}
	}
	return append(out,
		term("period"),
		term("customer"),
		term("region"),
		term("clv", m.CLV.HorizonMonths, 100*m.CLV.MonthlyDiscountRate),
		term("lifecycle", m.Lifecycle.AwareDays, m.Lifecycle.InterestDays, m.Lifecycle.PurchaseDays),
		term("rfm", m.RFM.DormantRecencyMax, m.RFM.HighValueMin),
		term("quarantine"),
	)
}

// DefinitionsMarkdown renders every figure's definition as the table of
// docs/scorecards.md (TestDocsListEveryFigure keeps the docs in step).
func DefinitionsMarkdown() string {
	var sb strings.Builder
	sb.WriteString("| Key | Figure | Formula | Grain | Filters | Unit |\n|---|---|---|---|---|---|\n")
	for _, f := range figures {
		en := func(m reports.Msg) string { return m.In(reports.LangEN) }
		fmt.Fprintf(&sb, "| `%s` | %s | %s | %s | %s | %s |\n", f.key, f.name, en(f.text("formula")), en(f.text("grain")), en(f.text("filters")), en(unitName(f.unit)))
	}
	return sb.String()
}
