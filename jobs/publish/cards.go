package publish

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/crmkit/crmkit/jobs"
	"github.com/crmkit/crmkit/pipeline/warehouse"
	"github.com/crmkit/crmkit/reports"
)

// factsSQL is the query of publish_order_facts (made with
// warehouse.CreateTableAs), the order facts the period figures read: the orders of
// [from, to) (the comparison period through the reported one) with their
// region (regionExpr), the units and the ERP cost of each order. Only these
// two months are materialised: writing every order (5M rows at 1M
// customers) cost more than all the queries on it; the figures over the
// whole history (new customers, the 12-month mix) read orders directly.
//
// Units, cost and the shipping province read the kept raw lines
// (kept_order_lines: the same latest-export rule as the order_lines view,
// so units equal orders.units) but without its customer join, which they
// do not need (it is the expensive part at 10M lines); orders.units is a
// HUGEINT, slow to read. The lines of an order are no older than the order
// (its order_ts is the first line's), so lines before from are skipped.
//
// The region of a province is looked up once per distinct province, not
// once per order: starts_with is no equality, so its join is a nested
// loop over both sides (at 1M customers, two months of orders times 64
// aliases was most of the publish job's time).
func factsSQL(d warehouse.SQL, regions map[string][]string, from, to time.Time) string {
	f, t := warehouse.TimestampLiteral(d, from), warehouse.TimestampLiteral(d, to)
	pr := "SELECT CAST(NULL AS VARCHAR) AS province, CAST(NULL AS VARCHAR) AS region FROM cost WHERE FALSE"
	if m := provinceMapSQL(regions); m != "" {
		pr = `SELECT p.province, ` + d.ArgMax("pm.region", "length(pm.alias)") + ` AS region
		FROM (SELECT DISTINCT lower(province) AS province FROM cost WHERE province IS NOT NULL) p
		JOIN (` + m + `) pm ON starts_with(p.province, pm.alias) GROUP BY 1`
	}
	return `WITH o AS (SELECT channel, order_id, order_ts, customer_id, store_id, paid_amount, refund_amount, net_amount, status
		FROM orders WHERE order_ts >= ` + f + ` AND order_ts < ` + t + `),
	cost AS (SELECT l.channel, l.order_id, CAST(sum(l.qty) AS BIGINT) AS units, sum(l.qty * p.unit_cost) AS cost,
			count(CASE WHEN p.unit_cost IS NULL THEN 1 END) AS lines_without_cost, max(l.province) AS province
		FROM kept_order_lines l JOIN o ON o.channel = l.channel AND o.order_id = l.order_id
		LEFT JOIN products p ON p.sku = l.sku
		WHERE l.order_ts >= ` + f + `
		GROUP BY 1, 2),
	pr AS (` + pr + `)
	SELECT o.*, ` + regionExpr + ` AS region, s.store_name, cost.units, cost.cost, cost.lines_without_cost
	FROM o LEFT JOIN stores s ON s.store_id = o.store_id LEFT JOIN customers c ON c.customer_id = o.customer_id
	LEFT JOIN cost ON cost.channel = o.channel AND cost.order_id = o.order_id
	LEFT JOIN pr ON pr.province = lower(cost.province)`
}

// provinceMapSQL is the configured regions as rows (region, alias): alias
// a province name in lower case; "" when no region is configured.
func provinceMapSQL(regions map[string][]string) string {
	names := make([]string, 0, len(regions))
	for r := range regions {
		names = append(names, r)
	}
	sort.Strings(names)
	var rows []string
	for _, r := range names {
		for _, p := range regions[r] {
			if a := strings.ToLower(strings.TrimSpace(p)); a != "" {
				rows = append(rows, "SELECT "+sqlString(r)+" AS region, "+sqlString(a)+" AS alias")
			}
		}
	}
	return strings.Join(rows, " UNION ALL ")
}

// sqlString quotes a config value as a SQL string literal.
func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// regionExpr is the region of an order o joined with its store s, the
// region of its shipping province pr and its customer c: the store's for
// receipts, else the province's for e-commerce orders whose export
// carries one, else the customer's, else 'unknown'.
const regionExpr = "coalesce(s.region, pr.region, c.region, 'unknown')"

// periodLits are the bounds of the current and the previous period as
// TIMESTAMPTZ literals.
func (b *builder) periodLits() (curFrom, curTo, prevFrom, prevTo string) {
	d := b.sql()
	return warehouse.TimestampLiteral(d, b.cur.From), warehouse.TimestampLiteral(d, b.cur.To),
		warehouse.TimestampLiteral(d, b.prev.From), warehouse.TimestampLiteral(d, b.prev.To)
}

// measure is one period KPI computed as an aggregate over the order facts.
type measure struct {
	key, label string
	unit       reports.Unit
	better     reports.Better
	expr       string
}

// periodKPIs computes every measure for the current and the previous
// period in one scan of the order facts (restricted to the region).
func (b *builder) periodKPIs(ms []measure) []reports.KPI {
	rc, ra := b.regionCond("")
	cf, ct, pf, pt := b.periodLits()
	q := "SELECT CASE WHEN order_ts >= " + cf + " THEN 1 ELSE 2 END AS p"
	for _, m := range ms {
		q += ", " + m.expr
	}
	q += " FROM publish_order_facts WHERE ((order_ts >= " + cf + " AND order_ts < " + ct + ") OR (order_ts >= " + pf + " AND order_ts < " + pt + ")) AND " + rc + " GROUP BY 1"
	out := make([]reports.KPI, len(ms))
	for i, m := range ms {
		out[i] = reports.KPI{Key: m.key, Label: m.label, Unit: m.unit, Better: m.better, HasPrev: true}
	}
	recs, err := b.wh.Query(b.ctx, q, ra...)
	if err != nil {
		keys := make([]string, len(ms))
		for i, m := range ms {
			keys[i] = m.key
		}
		b.note(err, strings.Join(keys, ", "))
		return out
	}
	defer warehouse.Release(recs)
	for _, r := range recs {
		for i := 0; i < int(r.NumRows()); i++ {
			cur := warehouse.FloatAt(r, 0, i) == 1
			for k := range ms {
				v := warehouse.FloatAt(r, k+1, i)
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
// periods with the shared purchase rule of the growth, cohorts, RFM and CLV
// marts (an order of a known customer that jobs.PurchasePredicate marks: a
// $0.00 purchase counts, a return or an order refunded in full does not):
// new = first purchase ever in the period. With a region, the customers
// counted are those with a purchase in the region in the period.
func (b *builder) customerKPIs() (active, newK, returning reports.KPI) {
	rc, ra := b.regionCond("")
	cf, ct, pf, pt := b.periodLits()
	q := `WITH f AS (SELECT customer_id, min(order_ts) AS first_ts FROM orders
			WHERE customer_id IS NOT NULL AND ` + b.purchase + ` AND order_ts < ` + ct + ` GROUP BY 1),
		a AS (SELECT DISTINCT CASE WHEN order_ts >= ` + cf + ` THEN 1 ELSE 2 END AS p, customer_id FROM publish_order_facts
			WHERE customer_id IS NOT NULL AND ` + b.purchase + ` AND ((order_ts >= ` + cf + ` AND order_ts < ` + ct + `) OR (order_ts >= ` + pf + ` AND order_ts < ` + pt + `)) AND ` + rc + `)
		SELECT a.p, count(*) AS active, count(CASE WHEN f.first_ts >= CASE WHEN a.p = 1 THEN ` + cf + ` ELSE ` + pf + ` END THEN 1 END) AS new_customers
		FROM a JOIN f ON f.customer_id = a.customer_id GROUP BY 1`
	var v [3][2]float64 // active, new, returning x cur, prev
	recs, err := b.wh.Query(b.ctx, q, ra...)
	if err != nil {
		b.note(err, "active_customers, new_customers, returning_customers")
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
		cond := "as_of = CAST(? AS DATE)"
		if latest {
			cond = "as_of = (SELECT max(as_of) FROM profit WHERE as_of <= CAST(? AS DATE))"
		}
		recs, err := b.wh.Query(b.ctx, `SELECT profit FROM profit WHERE level = 'month' AND period = ? AND `+cond, period, asOf)
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
	rc, ra := b.regionCond("")
	sc := reports.Scorecard{Layer: reports.LayerStrategy, Title: "Strategy scorecard"}
	period := b.periodKPIs([]measure{
		{"net_sales", "", "", "", "sum(net_amount)"},
		{"orders", "", "", "", "count(*)"},
	})
	net := fig("net_sales").kpi(period[0].Value, period[0].Prev, true)
	orders := fig("orders").kpi(period[1].Value, period[1].Prev, true)
	aov := fig("aov").kpi(ratio(net.Value, orders.Value), ratio(net.Prev, orders.Prev), true)
	active, newK, returning := b.customerKPIs()
	sc.KPIs = []reports.KPI{net, orders, aov, active, newK, returning}
	if b.exists("clv_fit") {
		f := fig("total_clv")
		cur := b.scalar("total_clv", cardSQL["total_clv_asof"], b.asOf.Format("2006-01-02"))
		prev := b.scalar("total_clv", cardSQL["total_clv_before"], b.cur.From.Format("2006-01-02"))
		k := f.kpi(cur, prev, prev != 0)
		if b.region != "" {
			k.Value = b.scalar("total_clv", `SELECT sum(v.clv) FROM customer_clv v JOIN customers c USING (customer_id) WHERE v.as_of = (SELECT max(as_of) FROM customer_clv WHERE as_of <= CAST(? AS DATE)) AND c.region = ?`, b.asOf.Format("2006-01-02"), b.region)
			k.Prev, k.HasPrev = 0, false
		}
		sc.KPIs = append(sc.KPIs, k)
	}

	mixFrom := b.cur.From.AddDate(0, -11, 0)
	mix := b.table("Net sales by month and channel, "+mixFrom.Format("2006-01")+" to "+b.cur.Label, `SELECT `+reports.MonthCase(b.sql(), "order_ts", b.loc, mixFrom, b.cur.To)+` AS month, channel, sum(net_amount) AS net_sales
		FROM `+b.ordersSource(mixFrom, b.cur.To)+` WHERE order_ts >= CAST(? AS TIMESTAMPTZ) AND order_ts < CAST(? AS TIMESTAMPTZ) AND `+rc+` GROUP BY 1, 2 ORDER BY 1, 2`,
		append([]any{ts(mixFrom), ts(b.cur.To)}, ra...)...)
	share := b.table("Channel mix, "+b.cur.Label+" with "+b.prev.Label, `SELECT channel, count(CASE WHEN `+b.inCur()+` THEN 1 END) AS orders,
		count(DISTINCT CASE WHEN `+b.inCur()+` THEN customer_id END) AS customers, sum(CASE WHEN `+b.inCur()+` THEN net_amount END) AS net_sales,
		sum(CASE WHEN `+b.inCur()+` THEN net_amount END) / nullif(sum(sum(CASE WHEN `+b.inCur()+` THEN net_amount END)) OVER (), 0) AS sales_share,
		sum(CASE WHEN NOT (`+b.inCur()+`) THEN net_amount END) AS net_sales_`+b.prevCol()+`
		FROM publish_order_facts WHERE `+b.inBoth()+` AND `+rc+` GROUP BY 1 ORDER BY net_sales DESC NULLS LAST`, ra...)
	sc.Sections = append(sc.Sections, reports.Section{Name: "Revenue and channel mix", Notes: []reports.Msg{b.periodNote(), reports.M("note.netsales")},
		Tables: []reports.Table{share, pivot(mix)}, Charts: []reports.Chart{chartFrom("revenue", "Net sales by month and channel", reports.ChartStackedBar, reports.UnitMoney, mix)}})

	asOfDay := b.asOf.Format("2006-01-02")
	if b.exists("lifecycle_counts") {
		if b.region != "" {
			sc.Sections = append(sc.Sections, b.leftOut("Lifecycle", "why.lifecycle"))
		} else {
			counts := b.table("Customers per lifecycle stage (pyramid view, all channels)", `SELECT stage, customers FROM lifecycle_counts WHERE as_of = (SELECT max(as_of) FROM lifecycle_counts WHERE as_of <= CAST(? AS DATE)) AND view = 'pyramid' AND channel = 'all' AND stage <> 'anonymous_orders'
			ORDER BY CASE stage WHEN 'aware' THEN 1 WHEN 'interested' THEN 2 WHEN 'first_purchase' THEN 3 WHEN 'repeat' THEN 4 WHEN 'loyal' THEN 5 ELSE 6 END`, asOfDay)
			aipl := b.table("AIPL stages", `SELECT stage, customers FROM lifecycle_counts WHERE as_of = (SELECT max(as_of) FROM lifecycle_counts WHERE as_of <= CAST(? AS DATE)) AND view = 'aipl' AND channel = 'all'
			ORDER BY CASE stage WHEN 'aware' THEN 1 WHEN 'interested' THEN 2 WHEN 'purchased' THEN 3 WHEN 'loyal' THEN 4 ELSE 5 END`, asOfDay)
			sec := reports.Section{Name: "Lifecycle", Notes: []reports.Msg{reports.M("note.lifecycle",
				b.cur.Label, asOfDay, b.prev.Label, b.prev.To.AddDate(0, 0, -1).Format("2006-01-02"))},
				Tables: []reports.Table{counts, aipl}, Charts: []reports.Chart{chartFrom("funnel", "Lifecycle pyramid", reports.ChartFunnel, reports.UnitCount, counts)}}
			if b.exists("lifecycle_flows") {
				sec.Tables = append(sec.Tables, b.table("Stage flows (pyramid view)", `SELECT from_stage, to_stage, customers, rate FROM lifecycle_flows WHERE as_of = (SELECT max(as_of) FROM lifecycle_flows WHERE as_of <= CAST(? AS DATE)) AND view = 'pyramid' AND customers > 0 ORDER BY from_stage, to_stage`, asOfDay))
			}
			sc.Sections = append(sc.Sections, sec)
		}
	}
	if b.exists("cohort_retention") {
		dim, dargs := "dimension = 'all'", []any{}
		if b.region != "" {
			dim, dargs = "dimension = 'region' AND dimension_value = ?", []any{b.region}
		}
		// The last 13 cohorts: the oldest is 12 months before the report
		// month, so month 12 has a value.
		ret := b.table("Retention by first-purchase month, last 13 cohorts (% of cohort active, months since first purchase)", `SELECT cohort_month,
			max(cohort_size) AS cohort_size,
			max(CASE WHEN months_since = 1 THEN retention_pct END) / 100 AS retention_m1, max(CASE WHEN months_since = 2 THEN retention_pct END) / 100 AS retention_m2,
			max(CASE WHEN months_since = 3 THEN retention_pct END) / 100 AS retention_m3, max(CASE WHEN months_since = 6 THEN retention_pct END) / 100 AS retention_m6,
			max(CASE WHEN months_since = 12 THEN retention_pct END) / 100 AS retention_m12
			FROM cohort_retention WHERE as_of = (SELECT max(as_of) FROM cohort_retention WHERE as_of <= CAST(? AS DATE)) AND `+dim+` AND cohort_month <= ?
			GROUP BY 1 ORDER BY 1 DESC LIMIT 13`, append(append([]any{asOfDay}, dargs...), b.cur.Label)...)
		sc.Sections = append(sc.Sections, reports.Section{Name: "Cohort retention", Notes: []reports.Msg{reports.M("note.cohorts", b.cur.Label, b.prev.Label, asOfDay)},
			Tables: []reports.Table{ret}})
	}
	if b.exists("customer_clv") {
		// The customers join is only needed for the region.
		from, rq, rargs := "customer_clv v", "TRUE", []any{}
		if b.region != "" {
			from, rq, rargs = "customer_clv v LEFT JOIN customers c USING (customer_id)", "c.region = ?", []any{b.region}
		}
		dec := b.table("CLV by decile (1 = top 10%)", `SELECT v.clv_decile AS decile, count(*) AS customers, avg(v.clv) AS avg_clv, sum(v.clv) AS total_clv, avg(v.p_alive) AS p_alive_ratio
			FROM `+from+` WHERE v.as_of = (SELECT max(as_of) FROM customer_clv WHERE as_of <= CAST(? AS DATE)) AND `+rq+` GROUP BY 1 ORDER BY 1`,
			append([]any{asOfDay}, rargs...)...)
		sec := reports.Section{Name: "Customer lifetime value", Notes: []reports.Msg{reports.M("note.clv", asOfDay, b.cur.Label)},
			Tables: []reports.Table{dec}}
		if len(dec.Columns) >= 4 {
			sec.Charts = []reports.Chart{chartFrom("clv", "Total CLV by decile", reports.ChartBar, reports.UnitMoney, reports.Table{Columns: []reports.Column{dec.Columns[0], dec.Columns[3]}, Rows: pick(dec.Rows, 0, 3)})}
		}
		if b.region == "" { // the model fit is of the whole business
			sec.Tables = append(sec.Tables, b.table("Model fit (BG/NBD + Gamma-Gamma)", `SELECT customers, distinct_triples, r, alpha, a, b, loglik, gg_p, gg_q, gg_gamma, holdout_actual, holdout_predicted FROM clv_fit WHERE as_of = (SELECT max(as_of) FROM clv_fit WHERE as_of <= CAST(? AS DATE))`, asOfDay))
		}
		sc.Sections = append(sc.Sections, sec)
	}
	return sc
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// inCur and inBoth are conditions on order_ts for the report period and
// for either period (facts queries that show both side by side).
func (b *builder) inCur() string {
	cf, ct, _, _ := b.periodLits()
	return "order_ts >= " + cf + " AND order_ts < " + ct
}

func (b *builder) inBoth() string {
	cf, ct, pf, pt := b.periodLits()
	return "((order_ts >= " + cf + " AND order_ts < " + ct + ") OR (order_ts >= " + pf + " AND order_ts < " + pt + "))"
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

// ordersSource is the orders of [from, to) with their region (as in the
// order facts) when the scorecard is restricted to a region, and the
// orders table otherwise.
func (b *builder) ordersSource(from, to time.Time) string {
	if b.region == "" {
		return "orders"
	}
	d := b.sql()
	f, t := warehouse.TimestampLiteral(d, from), warehouse.TimestampLiteral(d, to)
	pr := "SELECT CAST(NULL AS VARCHAR) AS channel, CAST(NULL AS VARCHAR) AS order_id, CAST(NULL AS VARCHAR) AS region FROM orders WHERE FALSE"
	if m := provinceMapSQL(b.regions); m != "" {
		pr = `SELECT l.channel, l.order_id, r.region
			FROM (SELECT channel, order_id, max(province) AS province FROM kept_order_lines WHERE order_ts >= ` + f + ` AND order_ts < ` + t + ` AND province IS NOT NULL GROUP BY 1, 2) l
			JOIN (SELECT p.province, ` + d.ArgMax("pm.region", "length(pm.alias)") + ` AS region
				FROM (SELECT DISTINCT lower(province) AS province FROM kept_order_lines WHERE order_ts >= ` + f + ` AND order_ts < ` + t + ` AND province IS NOT NULL) p
				JOIN (` + m + `) pm ON starts_with(p.province, pm.alias) GROUP BY 1) r ON r.province = lower(l.province)`
	}
	return `(SELECT o.order_ts, o.channel, o.customer_id, o.units, o.refund_amount, o.net_amount, o.status, ` + regionExpr + ` AS region
		FROM orders o LEFT JOIN stores s ON s.store_id = o.store_id LEFT JOIN customers c ON c.customer_id = o.customer_id
		LEFT JOIN (` + pr + `) pr ON pr.channel = o.channel AND pr.order_id = o.order_id
		WHERE o.order_ts >= ` + f + ` AND o.order_ts < ` + t + `) ro`
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

func (b *builder) operations() reports.Scorecard {
	rc, ra := b.regionCond("")
	sc := reports.Scorecard{Layer: reports.LayerOperations, Title: "Operations scorecard"}
	period := b.periodKPIs([]measure{
		{"net_sales", "", "", "", "sum(net_amount)"},
		{"store_sales", "", "", "", "sum(CASE WHEN channel = 'pos' THEN net_amount END)"},
		{"online_sales", "", "", "", "sum(CASE WHEN channel <> 'pos' THEN net_amount END)"},
		{"refund_rate", "", "", "", "sum(refund_amount) / nullif(sum(paid_amount), 0)"},
	})
	for _, k := range period {
		f := fig(k.Key)
		sc.KPIs = append(sc.KPIs, f.kpi(k.Value, k.Prev, true))
	}
	if b.region == "" {
		if gm, ok := b.grossMargin(); ok {
			sc.KPIs = append(sc.KPIs[:1], append([]reports.KPI{gm}, sc.KPIs[1:]...)...)
		}
	}
	cur, both := b.inCur(), b.inBoth()
	prevCol := "net_sales_" + b.prevCol()
	byChannel := b.table("By channel, "+b.cur.Label+" with "+b.prev.Label, `SELECT channel, count(CASE WHEN `+cur+` THEN 1 END) AS orders, count(DISTINCT CASE WHEN `+cur+` THEN customer_id END) AS customers,
		sum(CASE WHEN `+cur+` THEN units END) AS units, sum(CASE WHEN `+cur+` THEN net_amount END) AS net_sales,
		sum(CASE WHEN `+cur+` THEN net_amount END) / nullif(count(CASE WHEN `+cur+` THEN 1 END), 0) AS aov,
		sum(CASE WHEN NOT (`+cur+`) THEN net_amount END) AS `+prevCol+`
		FROM publish_order_facts WHERE `+both+` AND `+rc+` GROUP BY 1 ORDER BY net_sales DESC NULLS LAST`, ra...)
	byRegion := b.table("By region, "+b.cur.Label+" with "+b.prev.Label, `SELECT region, count(CASE WHEN `+cur+` THEN 1 END) AS orders, count(DISTINCT CASE WHEN `+cur+` THEN customer_id END) AS customers,
		sum(CASE WHEN `+cur+` THEN net_amount END) AS net_sales, sum(CASE WHEN `+cur+` THEN net_amount END) / nullif(sum(sum(CASE WHEN `+cur+` THEN net_amount END)) OVER (), 0) AS sales_share,
		sum(CASE WHEN NOT (`+cur+`) THEN net_amount END) AS `+prevCol+`
		FROM publish_order_facts WHERE `+both+` AND `+rc+` GROUP BY 1 ORDER BY net_sales DESC NULLS LAST`, ra...)
	byStore := cut(b.table("By store, "+b.cur.Label, `SELECT coalesce(store_name, store_id) AS store, region, count(*) AS receipts, count(DISTINCT customer_id) AS members, sum(net_amount) AS net_sales,
		count(CASE WHEN customer_id IS NULL THEN 1 END) AS anonymous_receipts
		FROM publish_order_facts WHERE channel = 'pos' AND `+cur+` AND `+rc+` GROUP BY 1, 2 ORDER BY net_sales DESC, 1`, ra...), 30)
	sec := reports.Section{Name: "Channels, regions and stores", Notes: []reports.Msg{b.periodNote()}, Tables: []reports.Table{byChannel, byRegion, byStore}}
	if len(byRegion.Columns) >= 4 {
		sec.Charts = []reports.Chart{chartFrom("regions", "Net sales by region, "+b.cur.Label, reports.ChartBar, reports.UnitMoney, reports.Table{Columns: []reports.Column{byRegion.Columns[0], byRegion.Columns[3]}, Rows: pick(byRegion.Rows, 0, 3)})}
	}
	sc.Sections = append(sc.Sections, sec)

	asOfDay := b.asOf.Format("2006-01-02")
	if b.exists("campaign_effect") {
		if b.region != "" {
			sc.Sections = append(sc.Sections, b.leftOut("Campaigns", "why.campaigns"))
		} else {
			sc.Sections = append(sc.Sections, reports.Section{Name: "Campaigns", Notes: []reports.Msg{b.periodNote(), reports.M("note.campaigns")},
				Tables: []reports.Table{b.table("Campaign effect, campaigns of "+b.cur.Label+" and "+b.prev.Label, `SELECT period, campaign_id, campaign_name, channel, start_date, end_date, spend, target_customers, control_customers, target_rate, control_rate, uplift, uplift_low, uplift_high, incremental_revenue, note FROM campaign_effect WHERE as_of = (SELECT max(as_of) FROM campaign_effect WHERE as_of <= CAST(? AS DATE)) AND period IN (?, ?) ORDER BY period DESC, campaign_id`,
					asOfDay, b.cur.Label, b.prev.Label)}})
		}
	}
	if b.exists("channel_credit") {
		rq, rargs := "TRUE", []any{}
		if b.region != "" {
			rq, rargs = "region = ?", []any{b.region}
		}
		latest := "as_of = (SELECT max(as_of) FROM channel_credit WHERE as_of <= CAST(? AS DATE))"
		totals := b.table("Credited online sales, "+b.cur.Label+" and "+b.prev.Label, `SELECT period, count(DISTINCT store_id) AS stores, sum(online_buyers) AS online_buyers, sum(online_orders) AS online_orders, sum(online_revenue) AS online_revenue
			FROM channel_credit WHERE `+latest+` AND level = 'store' AND period IN (?, ?) AND `+rq+` GROUP BY 1 ORDER BY 1 DESC`, append([]any{asOfDay, b.cur.Label, b.prev.Label}, rargs...)...)
		detail := cut(b.table("Credit per store and associate, "+b.cur.Label, `SELECT level, store_id, store_name, region, associate_id, recruited_customers, online_buyers, online_orders, online_revenue FROM channel_credit WHERE `+latest+` AND period = ? AND `+rq+` ORDER BY online_revenue DESC NULLS LAST, store_id, associate_id`,
			append([]any{asOfDay, b.cur.Label}, rargs...)...), 50)
		sc.Sections = append(sc.Sections, reports.Section{Name: "Cross-channel credit", Notes: []reports.Msg{b.periodNote(), reports.M("note.credit")},
			Tables: []reports.Table{totals, detail}})
	}
	if b.region != "" {
		sc.Sections = append(sc.Sections, b.leftOut("Segments", "why.segments"))
	} else if sec, ok := b.segments(); ok {
		sc.Sections = append(sc.Sections, sec)
	}
	if b.exists("social_engagement") {
		dims, dargs := "dimension IN ('total', 'category', 'followers')", []any{}
		if b.region != "" {
			dims, dargs = "dimension IN ('region', 'region_category') AND key = ?", []any{b.region}
		}
		eng := cut(b.table("Engagement, "+b.cur.Label+" and "+b.prev.Label, `SELECT period, dimension, key, subkey, interactions, users, customers, share, followers, new_followers, converted_followers, conversion_rate FROM social_engagement WHERE as_of = (SELECT max(as_of) FROM social_engagement WHERE as_of <= CAST(? AS DATE))
			AND period IN (?, ?) AND `+dims+` ORDER BY period DESC, dimension DESC, interactions DESC NULLS LAST, key, subkey`, append([]any{asOfDay, b.cur.Label, b.prev.Label}, dargs...)...), 60)
		sc.Sections = append(sc.Sections, reports.Section{Name: "Social engagement", Notes: []reports.Msg{b.periodNote()}, Tables: []reports.Table{eng}})
	}
	return sc
}

// segments is the Segments section: the sizes of this run's segments when
// publish has them (so the first publish of a new warehouse shows them),
// else the newest recorded sizes.
func (b *builder) segments() (reports.Section, bool) {
	sec := reports.Section{Name: "Segments", Notes: []reports.Msg{reports.M("note.segments", b.asOf.Format("2006-01-02"), b.curLabel)}}
	if b.segmentSizes != nil {
		sec.Tables = []reports.Table{*b.segmentSizes}
		return sec, true
	}
	if !b.exists("segment_sizes") {
		return sec, false
	}
	sec.Tables = []reports.Table{b.table("Segment sizes", cardSQL["segment_sizes"], b.asOf.Format("2006-01-02"))}
	return sec, true
}

func (b *builder) support() reports.Scorecard {
	sc := reports.Scorecard{Layer: reports.LayerSupport, Title: "Support scorecard"}
	if b.region != "" {
		// Tickets and loads carry no region, so nothing of this card can be
		// restricted to one.
		sc.Sections = append(sc.Sections, b.leftOut("Service quality", "why.tickets"),
			b.leftOut("Data health", "why.datahealth"))
		return sc
	}
	tw := "opened_ts >= CAST(? AS TIMESTAMPTZ) AND opened_ts < CAST(? AS TIMESTAMPTZ)"
	period := func(key, sql string) reports.KPI {
		cur := b.scalar(key, sql, ts(b.cur.From), ts(b.cur.To))
		prev := b.scalar(key, sql, ts(b.prev.From), ts(b.prev.To))
		return fig(key).kpi(cur, prev, true)
	}
	// A brand without a ticket export has no ticket figures (rather than
	// tiles of 0); a month without tickets shows 0.
	tickets := b.exists("service_tickets") && b.scalar("service tickets", "SELECT count(*) FROM service_tickets") > 0
	if tickets {
		sc.KPIs = append(sc.KPIs,
			period("tickets", "SELECT count(*) FROM service_tickets WHERE "+tw),
			period("resolution_days", "SELECT "+b.sql().Median(b.sql().TimestampDiff("minute", "opened_ts", "closed_ts"))+" / 1440.0 FROM service_tickets WHERE closed_ts IS NOT NULL AND "+tw),
			period("csat", "SELECT avg(csat) FROM service_tickets WHERE "+tw),
			period("complaints_per_1000_orders", `SELECT 1000.0 * (SELECT count(*) FROM service_tickets WHERE lower(category) IN ('complaint', '投诉') AND opened_ts >= CAST($1 AS TIMESTAMPTZ) AND opened_ts < CAST($2 AS TIMESTAMPTZ))
			/ nullif((SELECT count(*) FROM orders WHERE order_ts >= CAST($1 AS TIMESTAMPTZ) AND order_ts < CAST($2 AS TIMESTAMPTZ)), 0)`))
	}
	sc.KPIs = append(sc.KPIs, fig("quarantine_rate").kpi(b.scalar("quarantine_rate", "SELECT sum(rows_quarantined) / nullif(sum(rows_read), 0) FROM load_files WHERE status = 'loaded'"), 0, false))
	svcSec := reports.Section{Name: "Service quality", Notes: []reports.Msg{b.periodNote()}}
	if tickets {
		cur := "opened_ts >= CAST($1 AS TIMESTAMPTZ) AND opened_ts < CAST($2 AS TIMESTAMPTZ)"
		svc := b.table("Service by category, "+b.cur.Label+" with "+b.prev.Label, `SELECT coalesce(category, 'unknown') AS category, count(CASE WHEN `+cur+` THEN 1 END) AS tickets,
			count(CASE WHEN `+cur+` AND closed_ts IS NULL THEN 1 END) AS open_tickets,
			`+b.sql().Median("CASE WHEN "+cur+" THEN "+b.sql().TimestampDiff("minute", "opened_ts", "closed_ts")+" END")+` / 1440.0 AS median_resolution_days,
			avg(CASE WHEN `+cur+` THEN csat END) AS avg_csat, count(CASE WHEN NOT (`+cur+`) THEN 1 END) AS tickets_`+b.prevCol()+`
			FROM service_tickets WHERE (`+cur+`) OR (opened_ts >= CAST($3 AS TIMESTAMPTZ) AND opened_ts < CAST($4 AS TIMESTAMPTZ)) GROUP BY 1 ORDER BY tickets DESC, 1`,
			ts(b.cur.From), ts(b.cur.To), ts(b.prev.From), ts(b.prev.To))
		svcSec.Tables = []reports.Table{svc}
		svcSec.Charts = []reports.Chart{chartFrom("tickets", "Tickets by category, "+b.cur.Label, reports.ChartBar, reports.UnitCount, reports.Table{Columns: svc.Columns[:min(2, len(svc.Columns))], Rows: pick(svc.Rows, 0, 1)})}
	}
	sc.Sections = append(sc.Sections, svcSec)
	loadsSQL := `SELECT source, count(CASE WHEN status = 'loaded' THEN 1 END) AS files_loaded, count(CASE WHEN status = 'duplicate' THEN 1 END) AS duplicate_files,
		count(CASE WHEN status = 'rejected' THEN 1 END) AS rejected_files, sum(rows_read) AS rows_read, sum(rows_loaded) AS rows_loaded, sum(rows_quarantined) AS rows_quarantined,
		sum(rows_quarantined) / nullif(sum(rows_read), 0) AS quarantine_rate, max(loaded_at) AS last_load
		FROM load_files GROUP BY 1 ORDER BY 1`
	if b.exists("kept_order_lines") {
		// Rows superseded by a later export of the same order or master
		// key are loaded but no longer current: shown apart.
		loadsSQL = `SELECT f.source, count(CASE WHEN f.status = 'loaded' THEN 1 END) AS files_loaded, count(CASE WHEN f.status = 'duplicate' THEN 1 END) AS duplicate_files,
		count(CASE WHEN f.status = 'rejected' THEN 1 END) AS rejected_files, sum(f.rows_read) AS rows_read, sum(f.rows_loaded) AS rows_loaded, sum(f.rows_quarantined) AS rows_quarantined,
		sum(CASE WHEN f.status = 'loaded' THEN coalesce(c.current_rows, 0) ELSE 0 END) AS rows_current,
		sum(f.rows_loaded) - sum(CASE WHEN f.status = 'loaded' THEN coalesce(c.current_rows, 0) ELSE 0 END) AS rows_superseded,
		sum(f.rows_quarantined) / nullif(sum(f.rows_read), 0) AS quarantine_rate, max(f.loaded_at) AS last_load
		FROM load_files f LEFT JOIN (` + jobs.CurrentRowsSQL + `) c ON c.load_id = f.load_id GROUP BY 1 ORDER BY 1`
	}
	loads := b.table("Rows loaded and quarantined per source (all loads; current = the rows core holds, superseded = replaced by a later export)", loadsSQL)
	reasons := b.table("Quarantine reasons", cardSQL["quarantine_reasons"])
	rejected := b.table("Rejected files", cardSQL["rejected_files"])
	health := reports.Section{Name: "Data health", Notes: []reports.Msg{reports.M("note.health")}, Tables: []reports.Table{loads, reasons, rejected}}
	if b.exists("kept_order_lines") && b.hasColumn("kept_order_lines", "original_order_id") {
		// Returns and cancellations (a source's returns: rule) are loaded
		// rows, not quarantined ones: they are counted here apart, as core
		// holds them (the kept export of each return), so the returned
		// amount is the refunds they put on orders. A tied return is shown
		// under its original order's id in kept_order_lines; one naming an
		// original not loaded keeps its own.
		health.Tables = append(health.Tables, b.table("Returns loaded per source", cardSQL["returns_per_source"]))
	}
	if b.exists("identity_stats") {
		health.Tables = append(health.Tables, b.table("Identity stitching", cardSQL["identity_stats"]))
	}
	if b.exists("identity_changes") {
		health.Tables = append(health.Tables, b.table("Identity merges and splits", cardSQL["identity_changes"]))
	}
	if b.exists("blocked_identifiers") {
		health.Tables = append(health.Tables, cut(b.table("Blocked junk identifiers", cardSQL["blocked_identifiers"]), 20))
	}
	if b.exists("source_checks") {
		health.Tables = append(health.Tables, b.table("Freshness and quality checks (last run)", cardSQL["source_checks"]))
	}
	sc.Sections = append(sc.Sections, health)
	return sc
}

func (b *builder) hasColumn(table, col string) bool {
	// The query fails when the table or the column is missing (LIMIT 0
	// reads nothing), on every engine.
	recs, err := b.wh.Query(b.ctx, "SELECT "+b.sql().Ident(col)+" FROM "+table+" LIMIT 0")
	warehouse.Release(recs)
	return err == nil
}
