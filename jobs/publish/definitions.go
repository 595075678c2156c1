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
type figure struct {
	key, name string
	// formula says how the figure is computed, in words an analyst can
	// redo in SQL over the named table.
	formula string
	// grain is what one counted thing is and which time decides the period.
	grain string
	// regional is true when a region filter restricts the figure (the
	// restriction is in filters); a filtered copy leaves other figures out.
	regional bool
	filters  string
	unit     reports.Unit
	better   reports.Better
}

// figures are all headline figures of the three scorecards, in the order
// of the docs.
var figures = []figure{
	{key: "net_sales", name: "Net sales", unit: reports.UnitMoney, better: reports.BetterUp, regional: true,
		formula: "sum(paid_amount - refund_amount) over every order of the period (orders.net_amount): all channels, anonymous store receipts included; a cancelled or fully refunded order adds 0. Equals net_sales of the profit mart's month row.",
		grain:   "order, by order time in the business time zone",
		filters: "region: the order's region (store region for receipts, shipping province's region for e-commerce orders, else the customer's)"},
	{key: "orders", name: "Orders", unit: reports.UnitCount, better: reports.BetterUp, regional: true,
		formula: "count of orders of the period, every channel and status (cancelled and refunded ones and anonymous receipts included); the divisor of average order value.",
		grain:   "order, by order time",
		filters: "region: the order's region"},
	{key: "aov", name: "Average order value", unit: reports.UnitMoney, better: reports.BetterUp, regional: true,
		formula: "Net sales / Orders, both as shown on this scorecard.",
		grain:   "period",
		filters: "region: both parts restricted to the region"},
	{key: "active_customers", name: "Buying customers", unit: reports.UnitCount, better: reports.BetterUp, regional: true,
		formula: "distinct stitched customers with a purchase in the period; a purchase is an order of a known customer with units bought, a net amount of at least models.clv.min_amount (default 0, so a $0.00 purchase counts) and not refunded in full: a return is never a purchase. The same rule as the growth, cohorts, CLV and RFM marts. Equals buyers of the growth mart.",
		grain:   "customer",
		filters: "region: customers with a purchase in the region"},
	{key: "new_customers", name: "New customers", unit: reports.UnitCount, better: reports.BetterUp, regional: true,
		formula: "buying customers whose first purchase ever is in the period. Equals the period's cohort size in cohort_retention and new_customers of the growth mart.",
		grain:   "customer, by the time of the first purchase",
		filters: "region: new customers with a purchase in the region in the period"},
	{key: "returning_customers", name: "Returning customers", unit: reports.UnitCount, better: reports.BetterUp, regional: true,
		formula: "Buying customers - New customers: buyers who had purchased before the period. Equals returning + reactivated customers of the growth mart.",
		grain:   "customer",
		filters: "region: as Buying customers"},
	{key: "total_clv", name: "Total CLV", unit: reports.UnitMoney, better: reports.BetterUp, regional: true,
		formula: "sum of the customers' CLV in the customer_clv mart of the newest model run on or before the as-of day (BG/NBD x Gamma-Gamma over the configured horizon, discounted monthly); the comparison is the newest run before the period.",
		grain:   "customer, at the model run",
		filters: "region: the customer's region (customers.region); no comparison in a filtered copy"},
	{key: "gross_margin", name: "Gross margin", unit: reports.UnitMoney, better: reports.BetterUp,
		formula: "profit of the profit mart's month row: net sales minus ERP unit cost x units, over the order lines whose SKU has a unit cost (lines without a cost are left out of both parts; a fully refunded line counts its net without cost, the goods came back; cancelled lines are left out). Read from the run of the period's last day; the comparison from the run of the comparison period's last day, or the latest run when it is a whole month.",
		grain:   "month (the period must be a month or month to date)",
		filters: "none: the profit mart has no region; left out of filtered copies"},
	{key: "store_sales", name: "Store (POS) net sales", unit: reports.UnitMoney, better: reports.BetterUp, regional: true,
		formula: "Net sales of the orders of channel pos.",
		grain:   "order, by order time",
		filters: "region: the store's region"},
	{key: "online_sales", name: "E-commerce net sales", unit: reports.UnitMoney, better: reports.BetterUp, regional: true,
		formula: "Net sales of the orders of every channel but pos.",
		grain:   "order, by order time",
		filters: "region: the order's region"},
	{key: "refund_rate", name: "Refund rate", unit: reports.UnitPct, better: reports.BetterDown, regional: true,
		formula: "sum(refund_amount) / sum(paid_amount) over the orders of the period.",
		grain:   "order, by order time",
		filters: "region: the order's region"},
	{key: "tickets", name: "Service tickets opened", unit: reports.UnitCount, better: reports.BetterDown,
		formula: "count of service tickets opened in the period.",
		grain:   "ticket, by opening time",
		filters: "none: tickets carry no region; left out of filtered copies"},
	{key: "resolution_days", name: "Median resolution time (days)", unit: reports.UnitDays, better: reports.BetterDown,
		formula: "median of (closed - opened) in days over the tickets opened in the period and closed.",
		grain:   "ticket, by opening time",
		filters: "none; left out of filtered copies"},
	{key: "csat", name: "Average satisfaction (1-5)", unit: reports.UnitRatio, better: reports.BetterUp,
		formula: "mean csat of the tickets opened in the period that have one.",
		grain:   "ticket, by opening time",
		filters: "none; left out of filtered copies"},
	{key: "complaints_per_1000_orders", name: "Complaints per 1,000 orders", unit: reports.UnitRatio, better: reports.BetterDown,
		formula: "1000 x tickets of category complaint (投诉) opened in the period / Orders of the period.",
		grain:   "period",
		filters: "none; left out of filtered copies"},
	{key: "quarantine_rate", name: "Rows quarantined (share of all rows read)", unit: reports.UnitPct, better: reports.BetterDown,
		formula: "sum(rows_quarantined) / sum(rows_read) over every loaded file (load_files), all time; no comparison.",
		grain:   "loaded file",
		filters: "none; left out of filtered copies"},
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
func (f figure) meaning() string {
	return fmt.Sprintf("%s Grain: %s. Filters: %s. Unit: %s.", f.formula, f.grain, f.filters, unitName(f.unit))
}

func unitName(u reports.Unit) string {
	switch u {
	case reports.UnitMoney:
		return "money (order currency)"
	case reports.UnitCount:
		return "count"
	case reports.UnitPct:
		return "percent"
	case reports.UnitRatio:
		return "ratio"
	case reports.UnitDays:
		return "days"
	}
	return string(u)
}

// definitions lists the figures shown on sc, then the general terms.
func definitions(cfg *config.Config, sc *reports.Scorecard) []reports.Definition {
	var out []reports.Definition
	for _, k := range sc.KPIs {
		out = append(out, reports.Definition{Term: k.Label, Meaning: fig(k.Key).meaning()})
	}
	m := cfg.Models
	return append(out,
		reports.Definition{Term: "Period", Meaning: "Month to date through the as-of day, compared with the previous month through the same day (the whole month when the as-of is a month end). Every section names both."},
		reports.Definition{Term: "Customer", Meaning: "One person after identity stitching across shop buyer ids, store member cards, phones, emails and WeChat/Weibo ids."},
		reports.Definition{Term: "Region", Meaning: "Store region for receipts; for e-commerce orders the region of the shipping province when the export carries one (config regions), else the customer's region; unknown when neither is known."},
		reports.Definition{Term: "CLV", Meaning: fmt.Sprintf("BG/NBD expected purchases x Gamma-Gamma expected order value over %d months, discounted at %.1f%% a month.", m.CLV.HorizonMonths, 100*m.CLV.MonthlyDiscountRate)},
		reports.Definition{Term: "Lifecycle stages", Meaning: fmt.Sprintf("AIPL: aware (reached in %d days), interested (interacted in %d days or follows), purchase (bought in %d days), loyal (bought on 2+ days or bought and shared). Highest stage wins.", m.Lifecycle.AwareDays, m.Lifecycle.InterestDays, m.Lifecycle.PurchaseDays)},
		reports.Definition{Term: "RFM tiers", Meaning: fmt.Sprintf("Quintile scores 1-5; dormant when R <= %d (reactivate), high value when R+F+M >= %d (deepen), otherwise active (maintain).", m.RFM.DormantRecencyMax, m.RFM.HighValueMin)},
		reports.Definition{Term: "Quarantine", Meaning: "Rows that failed validation, kept with file, row, column and reason; rows read = rows loaded + rows quarantined for every file."},
	)
}

// DefinitionsMarkdown renders every figure's definition as the table of
// docs/scorecards.md (TestDocsListEveryFigure keeps the docs in step).
func DefinitionsMarkdown() string {
	var sb strings.Builder
	sb.WriteString("| Key | Figure | Formula | Grain | Filters | Unit |\n|---|---|---|---|---|---|\n")
	for _, f := range figures {
		fmt.Fprintf(&sb, "| `%s` | %s | %s | %s | %s | %s |\n", f.key, f.name, f.formula, f.grain, f.filters, unitName(f.unit))
	}
	return sb.String()
}
