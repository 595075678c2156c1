package publish

import (
	"strings"
	"time"

	"github.com/crmkit/crmkit/pipeline/warehouse"
	"github.com/crmkit/crmkit/reports"
)

// periodKPIs computes the period KPIs keys (columns of period_kpis.sql)
// for the current and the previous period in one scan of the order facts
// (restricted to the region), as tiles in the order of keys.
func (b *builder) periodKPIs(keys ...string) []reports.KPI {
	out := make([]reports.KPI, len(keys))
	for i, k := range keys {
		out[i] = fig(k).kpi(0, 0, true)
	}
	what := strings.Join(keys, ", ")
	q := b.render(what, "period_kpis", b.data())
	recs, err := b.wh.Query(b.ctx, q, b.regionArgs()...)
	if err != nil {
		b.note(err, what)
		return out
	}
	defer warehouse.Release(recs)
	for _, r := range recs {
		col := map[string]int{}
		for i, f := range r.Schema().Fields() {
			col[f.Name] = i
		}
		for i := 0; i < int(r.NumRows()); i++ {
			cur := warehouse.FloatAt(r, 0, i) == 1
			for k, key := range keys {
				v := warehouse.FloatAt(r, col[key], i)
				if cur {
					out[k].Value = v
				} else {
					out[k].Prev = v
				}
			}
		}
	}
	return out
}

// customerKPIs computes buying, new and returning customers of both
// periods (customer_kpis.sql).
func (b *builder) customerKPIs() (active, newK, returning reports.KPI) {
	const what = "active_customers, new_customers, returning_customers"
	var v [3][2]float64 // active, new, returning x cur, prev
	recs, err := b.wh.Query(b.ctx, b.render(what, "customer_kpis", b.data()), b.regionArgs()...)
	if err != nil {
		b.note(err, what)
	} else {
		defer warehouse.Release(recs)
		for _, r := range recs {
			for i := 0; i < int(r.NumRows()); i++ {
				p := int(warehouse.FloatAt(r, 0, i)) - 1
				v[0][p], v[1][p] = warehouse.FloatAt(r, 1, i), warehouse.FloatAt(r, 2, i)
				v[2][p] = v[0][p] - v[1][p]
			}
		}
	}
	return fig("active_customers").kpi(v[0][0], v[0][1], true), fig("new_customers").kpi(v[1][0], v[1][1], true), fig("returning_customers").kpi(v[2][0], v[2][1], true)
}

// grossMargin reads the profit mart's month rows (see the gross_margin
// figure); ok is false when the mart is missing or has no row for the
// period, so the tile is left out rather than shown as 0.
func (b *builder) grossMargin() (reports.KPI, bool) {
	if !b.exists("profit") {
		return reports.KPI{}, false
	}
	day := func(t time.Time) string { return t.AddDate(0, 0, -1).Format("2006-01-02") }
	read := func(period, asOf string, latest bool) (float64, bool) {
		q := cardSQL["profit_month"]
		if latest {
			q = cardSQL["profit_month_latest"]
		}
		recs, err := b.wh.Query(b.ctx, q, period, asOf)
		if err != nil {
			b.note(err, "gross_margin")
			return 0, false
		}
		defer warehouse.Release(recs)
		for _, r := range recs {
			if r.NumRows() > 0 {
				return warehouse.FloatAt(r, 0, 0), true
			}
		}
		return 0, false
	}
	cur, ok := read(b.cur.Label, day(b.cur.To), false)
	if !ok {
		return reports.KPI{}, false
	}
	prev, hasPrev := read(b.prev.Label, day(b.prev.To), false)
	if !hasPrev && b.prev.To.Equal(b.cur.From) { // a whole month: any later run holds it
		prev, hasPrev = read(b.prev.Label, day(b.cur.To), true)
	}
	return fig("gross_margin").kpi(cur, prev, hasPrev), true
}

func (b *builder) strategy() reports.Scorecard {
	ra := b.regionArgs()
	sc := reports.Scorecard{Layer: reports.LayerStrategy, Title: "Strategy scorecard"}
	period := b.periodKPIs("net_sales", "orders")
	net, orders := period[0], period[1]
	aov := fig("aov").kpi(ratio(net.Value, orders.Value), ratio(net.Prev, orders.Prev), true)
	active, newK, returning := b.customerKPIs()
	sc.KPIs = []reports.KPI{net, orders, aov, active, newK, returning}
	asOfDay := b.asOf.Format("2006-01-02")
	if b.exists("clv_fit") {
		f := fig("total_clv")
		cur := b.scalar("total_clv", cardSQL["total_clv_asof"], asOfDay)
		prev := b.scalar("total_clv", cardSQL["total_clv_before"], b.cur.From.Format("2006-01-02"))
		k := f.kpi(cur, prev, prev != 0)
		if b.region != "" {
			k.Value = b.scalar("total_clv", cardSQL["total_clv_region"], asOfDay, b.region)
			k.Prev, k.HasPrev = 0, false
		}
		sc.KPIs = append(sc.KPIs, k)
	}

	mixFrom := b.cur.From.AddDate(0, -11, 0)
	mixTitle := "Net sales by month and channel, " + mixFrom.Format("2006-01") + " to " + b.cur.Label
	md := b.data()
	md.Month = reports.MonthCase(b.sql(), "order_ts", b.loc, mixFrom, b.cur.To)
	var err error
	md.Orders, err = b.ordersSource(mixFrom, b.cur.To)
	b.note(err, mixTitle)
	mix := b.table(mixTitle, b.render(mixTitle, "mix", md), append([]any{ts(mixFrom), ts(b.cur.To)}, ra...)...)
	shareTitle := "Channel mix, " + b.cur.Label + " with " + b.prev.Label
	share := b.table(shareTitle, b.render(shareTitle, "channel_share", b.data()), ra...)
	sc.Sections = append(sc.Sections, reports.Section{Name: "Revenue and channel mix", Notes: []reports.Msg{b.periodNote(), reports.M("note.netsales")},
		Tables: []reports.Table{share, pivot(mix)}, Charts: []reports.Chart{chartFrom("revenue", "Net sales by month and channel", reports.ChartStackedBar, reports.UnitMoney, mix)}})

	if b.exists("lifecycle_counts") {
		if b.region != "" {
			sc.Sections = append(sc.Sections, b.leftOut("Lifecycle", "why.lifecycle"))
		} else {
			counts := b.table("Customers per lifecycle stage (pyramid view, all channels)", cardSQL["lifecycle_pyramid"], asOfDay)
			aipl := b.table("AIPL stages", cardSQL["lifecycle_aipl"], asOfDay)
			sec := reports.Section{Name: "Lifecycle", Notes: []reports.Msg{reports.M("note.lifecycle",
				b.cur.Label, asOfDay, b.prev.Label, b.prev.To.AddDate(0, 0, -1).Format("2006-01-02"))},
				Tables: []reports.Table{counts, aipl}, Charts: []reports.Chart{chartFrom("funnel", "Lifecycle pyramid", reports.ChartFunnel, reports.UnitCount, counts)}}
			if b.exists("lifecycle_flows") {
				sec.Tables = append(sec.Tables, b.table("Stage flows (pyramid view)", cardSQL["lifecycle_flows"], asOfDay))
			}
			sc.Sections = append(sc.Sections, sec)
		}
	}
	if b.exists("cohort_retention") {
		title := "Retention by first-purchase month, last 13 cohorts (% of cohort active, months since first purchase)"
		ret := b.table(title, b.render(title, "retention", b.data()), append(append([]any{asOfDay}, ra...), b.cur.Label)...)
		sc.Sections = append(sc.Sections, reports.Section{Name: "Cohort retention", Notes: []reports.Msg{reports.M("note.cohorts", b.cur.Label, b.prev.Label, asOfDay)},
			Tables: []reports.Table{ret}})
	}
	if b.exists("customer_clv") {
		title := "CLV by decile (1 = top 10%)"
		dec := b.table(title, b.render(title, "clv_deciles", b.data()), append([]any{asOfDay}, ra...)...)
		sec := reports.Section{Name: "Customer lifetime value", Notes: []reports.Msg{reports.M("note.clv", asOfDay, b.cur.Label)},
			Tables: []reports.Table{dec}}
		if len(dec.Columns) >= 4 {
			sec.Charts = []reports.Chart{chartFrom("clv", "Total CLV by decile", reports.ChartBar, reports.UnitMoney, reports.Table{Columns: []reports.Column{dec.Columns[0], dec.Columns[3]}, Rows: pick(dec.Rows, 0, 3)})}
		}
		if b.region == "" { // the model fit is of the whole business
			sec.Tables = append(sec.Tables, b.table("Model fit (BG/NBD + Gamma-Gamma)", cardSQL["clv_model_fit"], asOfDay))
		}
		sc.Sections = append(sc.Sections, sec)
	}
	return sc
}
