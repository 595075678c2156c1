package publish

import (
	"fmt"
	"strings"
	"time"

	"github.com/crmkit/crmkit/pipeline/warehouse"
	"github.com/crmkit/crmkit/reports"
)

// factsSQL builds the order facts the period figures read: the orders of
// [from, to) (the comparison period through the reported one) with the
// region of the store (receipts) or of the customer's golden record, the
// units and the ERP cost of each order. Only these two months are
// materialised: writing every order (5M rows at 1M customers) cost more
// than all the queries on it; the figures over the whole history (new and
// repeat customers, the 12-month mix) read orders directly.
//
// Units and cost read the kept raw lines (kept_order_lines: the same
// latest-export rule as the order_lines view) (so units equal orders.units: the view's customer join
// matches one stitch assignment per order) but without its customer
// join, which they do not need (it is the expensive part at 10M lines);
// orders.units is a HUGEINT, slow to read. The lines of an order are no
// older than the order (its order_ts is the first line's), so lines before
// from are skipped.
func factsSQL(d warehouse.SQL, from, to time.Time) string {
	f, t := warehouse.TimestampLiteral(d, from), warehouse.TimestampLiteral(d, to)
	return `CREATE OR REPLACE TABLE publish_order_facts AS
	WITH o AS (SELECT channel, order_id, order_ts, customer_id, store_id, paid_amount, refund_amount, net_amount
		FROM orders WHERE order_ts >= ` + f + ` AND order_ts < ` + t + `),
	cost AS (SELECT l.channel, l.order_id, CAST(sum(l.qty) AS BIGINT) AS units, sum(l.qty * p.unit_cost) AS cost,
			count(CASE WHEN p.unit_cost IS NULL THEN 1 END) AS lines_without_cost
		FROM kept_order_lines l JOIN o ON o.channel = l.channel AND o.order_id = l.order_id
		LEFT JOIN products p ON p.sku = l.sku
		WHERE l.order_ts >= ` + f + `
		GROUP BY 1, 2)
	SELECT o.*, coalesce(s.region, c.region, 'unknown') AS region, s.store_name, cost.units, cost.cost, cost.lines_without_cost
	FROM o LEFT JOIN stores s ON s.store_id = o.store_id LEFT JOIN customers c ON c.customer_id = o.customer_id
	LEFT JOIN cost ON cost.channel = o.channel AND cost.order_id = o.order_id`
}

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

// ordersSource is the orders with their region (store region for
// receipts, else the customer's, as in the order facts) when the scorecard
// is restricted to a region, and the orders table otherwise.
func (b *builder) ordersSource() string {
	if b.region == "" {
		return "orders"
	}
	return `(SELECT o.order_ts, o.channel, o.customer_id, o.net_amount, coalesce(s.region, c.region, 'unknown') AS region
		FROM orders o LEFT JOIN stores s ON s.store_id = o.store_id LEFT JOIN customers c ON c.customer_id = o.customer_id) ro`
}

// customerKPIs computes new and repeat customers for both periods in one
// scan of the orders: new = first order (in the region) in the period;
// repeat = an order in the period and one before it.
func (b *builder) customerKPIs() (newK, repeatK reports.KPI) {
	rc, ra := b.regionCond("")
	cf, ct, pf, pt := b.periodLits()
	q := `SELECT count(CASE WHEN f >= ` + cf + ` AND f < ` + ct + ` THEN 1 END), count(CASE WHEN f >= ` + pf + ` AND f < ` + pt + ` THEN 1 END),
		count(CASE WHEN f < ` + cf + ` AND in_cur = 1 THEN 1 END), count(CASE WHEN f < ` + pf + ` AND in_prev = 1 THEN 1 END)
		FROM (SELECT customer_id, min(order_ts) AS f, max(CASE WHEN order_ts >= ` + cf + ` THEN 1 ELSE 0 END) AS in_cur,
			max(CASE WHEN order_ts >= ` + pf + ` AND order_ts < ` + pt + ` THEN 1 ELSE 0 END) AS in_prev
			FROM ` + b.ordersSource() + ` WHERE customer_id IS NOT NULL AND order_ts < ` + ct + ` AND ` + rc + ` GROUP BY 1) fc`
	newK = reports.KPI{Key: "new_customers", Label: "New customers", Unit: reports.UnitCount, Better: reports.BetterUp, HasPrev: true}
	repeatK = reports.KPI{Key: "repeat_customers", Label: "Repeat customers", Unit: reports.UnitCount, Better: reports.BetterUp, HasPrev: true}
	recs, err := b.wh.Query(b.ctx, q, ra...)
	if err != nil {
		b.note(err, "new_customers, repeat_customers")
		return
	}
	defer warehouse.Release(recs)
	for _, r := range recs {
		if r.NumRows() > 0 {
			newK.Value, newK.Prev = warehouse.FloatAt(r, 0, 0), warehouse.FloatAt(r, 1, 0)
			repeatK.Value, repeatK.Prev = warehouse.FloatAt(r, 2, 0), warehouse.FloatAt(r, 3, 0)
			break
		}
	}
	return
}

func (b *builder) strategy() reports.Scorecard {
	rc, ra := b.regionCond("")
	where := "order_ts >= CAST(? AS TIMESTAMPTZ) AND order_ts < CAST(? AS TIMESTAMPTZ) AND " + rc
	sc := reports.Scorecard{Layer: reports.LayerStrategy, Title: "Strategy scorecard"}
	period := b.periodKPIs([]measure{
		{"net_revenue", "Net revenue", reports.UnitMoney, reports.BetterUp, "sum(net_amount)"},
		{"orders", "Orders", reports.UnitCount, reports.BetterUp, "count(*)"},
		{"active_customers", "Active customers", reports.UnitCount, reports.BetterUp, "count(DISTINCT customer_id)"},
		{"aov", "Average order value", reports.UnitMoney, reports.BetterUp, "avg(CASE WHEN net_amount > 0 THEN net_amount END)"},
	})
	newK, repeatK := b.customerKPIs()
	sc.KPIs = []reports.KPI{period[0], period[1], period[2], newK, repeatK, period[3]}
	if b.exists("clv_fit") {
		cur := b.scalar("total_clv", `SELECT total_clv FROM clv_fit WHERE as_of <= CAST(? AS DATE) ORDER BY as_of DESC LIMIT 1`, b.asOf.Format("2006-01-02"))
		prev := b.scalar("total_clv", `SELECT total_clv FROM clv_fit WHERE as_of < CAST(? AS DATE) ORDER BY as_of DESC LIMIT 1`, b.cur.From.Format("2006-01-02"))
		k := reports.KPI{Key: "total_clv", Label: fmt.Sprintf("Total CLV (%s)", "12 months"), Value: cur, Prev: prev, HasPrev: prev != 0, Unit: reports.UnitMoney, Better: reports.BetterUp}
		if b.region != "" {
			k.Value = b.scalar("total_clv", `SELECT sum(v.clv) FROM customer_clv v JOIN customers c USING (customer_id) WHERE v.as_of = (SELECT max(as_of) FROM customer_clv WHERE as_of <= CAST(? AS DATE)) AND c.region = ?`, b.asOf.Format("2006-01-02"), b.region)
			k.HasPrev = false
		}
		sc.KPIs = append(sc.KPIs, k)
	}

	mixFrom := b.cur.From.AddDate(0, -11, 0)
	mix := b.table("Net revenue by month and channel (last 12 months)", `SELECT `+reports.MonthCase(b.sql(), "order_ts", b.loc, mixFrom, b.cur.To)+` AS month, channel, sum(net_amount) AS net_revenue
		FROM `+b.ordersSource()+` WHERE order_ts >= CAST(? AS TIMESTAMPTZ) AND order_ts < CAST(? AS TIMESTAMPTZ) AND `+rc+` GROUP BY 1, 2 ORDER BY 1, 2`,
		append([]any{ts(mixFrom), ts(b.cur.To)}, ra...)...)
	share := b.table("Channel mix this period", `SELECT channel, count(*) AS orders, count(DISTINCT customer_id) AS customers, sum(net_amount) AS net_revenue,
		sum(net_amount) / nullif(sum(sum(net_amount)) OVER (), 0) AS revenue_share FROM publish_order_facts WHERE `+where+` GROUP BY 1 ORDER BY net_revenue DESC`,
		append([]any{ts(b.cur.From), ts(b.cur.To)}, ra...)...)
	sc.Sections = append(sc.Sections, reports.Section{Name: "Revenue and channel mix", Note: "Net revenue = paid minus refunds. Anonymous receipts count in revenue but not in customers.",
		Tables: []reports.Table{share, pivot(mix)}, Charts: []reports.Chart{chartFrom("revenue", "Net revenue by month and channel", reports.ChartStackedBar, reports.UnitMoney, mix)}})

	if b.exists("lifecycle_counts") {
		counts := b.table("Customers per lifecycle stage (pyramid view, all channels)", `SELECT stage, customers FROM lifecycle_counts WHERE as_of = (SELECT max(as_of) FROM lifecycle_counts WHERE as_of <= CAST(? AS DATE)) AND view = 'pyramid' AND channel = 'all' AND stage <> 'anonymous_orders'
			ORDER BY CASE stage WHEN 'aware' THEN 1 WHEN 'interested' THEN 2 WHEN 'first_purchase' THEN 3 WHEN 'repeat' THEN 4 WHEN 'loyal' THEN 5 ELSE 6 END`, b.asOf.Format("2006-01-02"))
		aipl := b.table("AIPL stages", `SELECT stage, customers FROM lifecycle_counts WHERE as_of = (SELECT max(as_of) FROM lifecycle_counts WHERE as_of <= CAST(? AS DATE)) AND view = 'aipl' AND channel = 'all'
			ORDER BY CASE stage WHEN 'aware' THEN 1 WHEN 'interested' THEN 2 WHEN 'purchased' THEN 3 WHEN 'loyal' THEN 4 ELSE 5 END`, b.asOf.Format("2006-01-02"))
		sec := reports.Section{Name: "Lifecycle", Note: "Stages as of the as-of date; flows compare with one month earlier (lost = in a stage then, in none now).",
			Tables: []reports.Table{counts, aipl}, Charts: []reports.Chart{chartFrom("funnel", "Lifecycle pyramid", reports.ChartFunnel, reports.UnitCount, counts)}}
		if b.exists("lifecycle_flows") {
			sec.Tables = append(sec.Tables, b.table("Stage flows (pyramid view)", `SELECT from_stage, to_stage, customers, rate FROM lifecycle_flows WHERE as_of = (SELECT max(as_of) FROM lifecycle_flows WHERE as_of <= CAST(? AS DATE)) AND view = 'pyramid' AND customers > 0 ORDER BY from_stage, to_stage`, b.asOf.Format("2006-01-02")))
		}
		sc.Sections = append(sc.Sections, sec)
	}
	if b.exists("cohort_retention") {
		ret := b.table("Retention by first-purchase month (% of cohort active, months since first purchase)", `SELECT cohort_month,
			max(cohort_size) AS cohort_size,
			max(CASE WHEN months_since = 1 THEN retention_pct END) / 100 AS retention_m1, max(CASE WHEN months_since = 2 THEN retention_pct END) / 100 AS retention_m2,
			max(CASE WHEN months_since = 3 THEN retention_pct END) / 100 AS retention_m3, max(CASE WHEN months_since = 6 THEN retention_pct END) / 100 AS retention_m6,
			max(CASE WHEN months_since = 12 THEN retention_pct END) / 100 AS retention_m12
			FROM cohort_retention WHERE as_of = (SELECT max(as_of) FROM cohort_retention WHERE as_of <= CAST(? AS DATE)) AND dimension = 'all'
			GROUP BY 1 ORDER BY 1 DESC LIMIT 12`, b.asOf.Format("2006-01-02"))
		sc.Sections = append(sc.Sections, reports.Section{Name: "Cohort retention", Tables: []reports.Table{ret}})
	}
	if b.exists("customer_clv") {
		// The customers join is only needed for the region.
		from, rq, rargs := "customer_clv v", "TRUE", []any{}
		if b.region != "" {
			from, rq, rargs = "customer_clv v LEFT JOIN customers c USING (customer_id)", "c.region = ?", []any{b.region}
		}
		dec := b.table("CLV by decile (1 = top 10%)", `SELECT v.clv_decile AS decile, count(*) AS customers, avg(v.clv) AS avg_clv, sum(v.clv) AS total_clv, avg(v.p_alive) AS p_alive_ratio
			FROM `+from+` WHERE v.as_of = (SELECT max(as_of) FROM customer_clv WHERE as_of <= CAST(? AS DATE)) AND `+rq+` GROUP BY 1 ORDER BY 1`,
			append([]any{b.asOf.Format("2006-01-02")}, rargs...)...)
		fit := b.table("Model fit (BG/NBD + Gamma-Gamma)", `SELECT customers, distinct_triples, r, alpha, a, b, loglik, gg_p, gg_q, gg_gamma, holdout_actual, holdout_predicted FROM clv_fit WHERE as_of = (SELECT max(as_of) FROM clv_fit WHERE as_of <= CAST(? AS DATE))`, b.asOf.Format("2006-01-02"))
		sc.Sections = append(sc.Sections, reports.Section{Name: "Customer lifetime value", Note: "Expected value over the configured horizon, discounted monthly.", Tables: []reports.Table{dec, fit},
			Charts: []reports.Chart{chartFrom("clv", "Total CLV by decile", reports.ChartBar, reports.UnitMoney, reports.Table{Columns: dec.Columns[:2], Rows: pick(dec.Rows, 0, 3)})}})
	}
	return sc
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

// kpiArgsFirst is kpi for queries whose extra args come before the period.
func (b *builder) kpiArgsFirst(key, label string, unit reports.Unit, better reports.Better, sql string, first []any) reports.KPI {
	cur := b.scalar(key, sql, append(append([]any{}, first...), ts(b.cur.From), ts(b.cur.To))...)
	prev := b.scalar(key, sql, append(append([]any{}, first...), ts(b.prev.From), ts(b.prev.To))...)
	return reports.KPI{Key: key, Label: label, Value: cur, Prev: prev, HasPrev: true, Unit: unit, Better: better}
}

func (b *builder) operations() reports.Scorecard {
	rc, ra := b.regionCond("")
	where := "order_ts >= CAST(? AS TIMESTAMPTZ) AND order_ts < CAST(? AS TIMESTAMPTZ) AND " + rc
	per := func(extra ...any) []any { return append([]any{ts(b.cur.From), ts(b.cur.To)}, extra...) }
	sc := reports.Scorecard{Layer: reports.LayerOperations, Title: "Operations scorecard"}
	sc.KPIs = b.periodKPIs([]measure{
		{"net_sales", "Net sales", reports.UnitMoney, reports.BetterUp, "sum(net_amount)"},
		{"gross_margin", "Gross margin (orders with full cost)", reports.UnitMoney, reports.BetterUp, "sum(CASE WHEN lines_without_cost = 0 THEN net_amount - cost END)"},
		{"store_sales", "Store (POS) net sales", reports.UnitMoney, reports.BetterUp, "sum(CASE WHEN channel = 'pos' THEN net_amount END)"},
		{"online_sales", "E-commerce net sales", reports.UnitMoney, reports.BetterUp, "sum(CASE WHEN channel <> 'pos' THEN net_amount END)"},
		{"refund_rate", "Refund rate", reports.UnitPct, reports.BetterDown, "sum(refund_amount) / nullif(sum(paid_amount), 0)"},
	})
	byChannel := b.table("By channel", `SELECT channel, count(*) AS orders, count(DISTINCT customer_id) AS customers, sum(units) AS units, sum(net_amount) AS net_sales, avg(net_amount) AS aov
		FROM publish_order_facts WHERE `+where+` GROUP BY 1 ORDER BY net_sales DESC`, per(ra...)...)
	byRegion := b.table("By region", `SELECT region, count(*) AS orders, count(DISTINCT customer_id) AS customers, sum(net_amount) AS net_sales
		FROM publish_order_facts WHERE `+where+` GROUP BY 1 ORDER BY net_sales DESC`, per(ra...)...)
	byStore := b.table("By store (top 30)", `SELECT coalesce(store_name, store_id) AS store, region, count(*) AS receipts, count(DISTINCT customer_id) AS members, sum(net_amount) AS net_sales,
		count(CASE WHEN customer_id IS NULL THEN 1 END) AS anonymous_receipts
		FROM publish_order_facts WHERE channel = 'pos' AND `+where+` GROUP BY 1, 2 ORDER BY net_sales DESC LIMIT 30`, per(ra...)...)
	sc.Sections = append(sc.Sections, reports.Section{Name: "Channels, regions and stores", Tables: []reports.Table{byChannel, byRegion, byStore},
		Charts: []reports.Chart{chartFrom("regions", "Net sales by region", reports.ChartBar, reports.UnitMoney, reports.Table{Columns: byRegion.Columns, Rows: pick(byRegion.Rows, 0, 3)})}})
	if b.exists("campaign_effect") {
		sc.Sections = append(sc.Sections, reports.Section{Name: "Campaigns", Note: "Target vs control conversion within the configured window after contact; uplift with a 95% interval.",
			Tables: []reports.Table{b.table("Campaign effect", `SELECT * EXCLUDE (as_of) FROM campaign_effect WHERE as_of = (SELECT max(as_of) FROM campaign_effect WHERE as_of <= CAST(? AS DATE))`, b.asOf.Format("2006-01-02"))}})
	}
	if b.exists("channel_credit") {
		rq, rargs := "TRUE", []any{}
		if b.region != "" && b.hasColumn("channel_credit", "region") {
			rq, rargs = "region = ?", []any{b.region}
		}
		sc.Sections = append(sc.Sections, reports.Section{Name: "Cross-channel credit", Note: "Online purchases of customers first recruited in a store, credited to that store and associate.",
			Tables: []reports.Table{b.table("Credit per store and associate (top 50)", `SELECT * EXCLUDE (as_of) FROM channel_credit WHERE as_of = (SELECT max(as_of) FROM channel_credit WHERE as_of <= CAST(? AS DATE)) AND `+rq+` LIMIT 50`,
				append([]any{b.asOf.Format("2006-01-02")}, rargs...)...)}})
	}
	if b.exists("segment_sizes") {
		sc.Sections = append(sc.Sections, reports.Section{Name: "Segments", Tables: []reports.Table{b.table("Segment sizes", `SELECT segment, definition, customers FROM segment_sizes WHERE as_of = (SELECT max(as_of) FROM segment_sizes WHERE as_of <= CAST(? AS DATE)) ORDER BY segment`, b.asOf.Format("2006-01-02"))}})
	}
	if b.exists("social_engagement") {
		sc.Sections = append(sc.Sections, reports.Section{Name: "Social engagement",
			Tables: []reports.Table{b.table("Engagement", `SELECT * EXCLUDE (as_of) FROM social_engagement WHERE as_of = (SELECT max(as_of) FROM social_engagement WHERE as_of <= CAST(? AS DATE)) LIMIT 60`, b.asOf.Format("2006-01-02"))}})
	}
	return sc
}

func (b *builder) hasColumn(table, col string) bool {
	// The query fails when the table or the column is missing (LIMIT 0
	// reads nothing), on every engine.
	recs, err := b.wh.Query(b.ctx, "SELECT "+b.sql().Ident(col)+" FROM "+table+" LIMIT 0")
	warehouse.Release(recs)
	return err == nil
}

func (b *builder) support() reports.Scorecard {
	sc := reports.Scorecard{Layer: reports.LayerSupport, Title: "Support scorecard"}
	tw := "opened_ts >= CAST(? AS TIMESTAMPTZ) AND opened_ts < CAST(? AS TIMESTAMPTZ)"
	sc.KPIs = []reports.KPI{
		b.kpi("tickets", "Service tickets opened", reports.UnitCount, reports.BetterDown, "SELECT count(*) FROM service_tickets WHERE "+tw),
		b.kpi("resolution_days", "Median resolution time (days)", reports.UnitDays, reports.BetterDown, "SELECT "+b.sql().Median(b.sql().TimestampDiff("minute", "opened_ts", "closed_ts"))+" / 1440.0 FROM service_tickets WHERE closed_ts IS NOT NULL AND "+tw),
		b.kpi("csat", "Average satisfaction (1-5)", reports.UnitRatio, reports.BetterUp, "SELECT avg(csat) FROM service_tickets WHERE "+tw),
		b.kpiArgsFirst("complaints_per_1000_orders", "Complaints per 1,000 orders", reports.UnitRatio, reports.BetterDown,
			`SELECT 1000.0 * (SELECT count(*) FROM service_tickets WHERE lower(category) IN ('complaint', '投诉') AND opened_ts >= CAST($1 AS TIMESTAMPTZ) AND opened_ts < CAST($2 AS TIMESTAMPTZ))
			/ nullif((SELECT count(*) FROM orders WHERE order_ts >= CAST($1 AS TIMESTAMPTZ) AND order_ts < CAST($2 AS TIMESTAMPTZ)), 0)`, nil),
		{Key: "quarantine_rate", Label: "Rows quarantined (share of all rows read)", Unit: reports.UnitPct, Better: reports.BetterDown,
			Value: b.scalar("quarantine_rate", "SELECT sum(rows_quarantined) / nullif(sum(rows_read), 0) FROM load_files WHERE status = 'loaded'")},
	}
	svc := b.table("Service by category", `SELECT coalesce(category, 'unknown') AS category, count(*) AS tickets, count(CASE WHEN closed_ts IS NULL THEN 1 END) AS open_tickets,
		`+b.sql().Median(b.sql().TimestampDiff("minute", "opened_ts", "closed_ts"))+` / 1440.0 AS median_resolution_days, avg(csat) AS avg_csat
		FROM service_tickets WHERE `+tw+` GROUP BY 1 ORDER BY tickets DESC`, ts(b.cur.From), ts(b.cur.To))
	sc.Sections = append(sc.Sections, reports.Section{Name: "Service quality", Tables: []reports.Table{svc},
		Charts: []reports.Chart{chartFrom("tickets", "Tickets by category", reports.ChartBar, reports.UnitCount, reports.Table{Columns: svc.Columns, Rows: pick(svc.Rows, 0, 1)})}})
	loads := b.table("Rows loaded and quarantined per source", `SELECT source, count(CASE WHEN status = 'loaded' THEN 1 END) AS files_loaded, count(CASE WHEN status = 'duplicate' THEN 1 END) AS duplicate_files,
		count(CASE WHEN status = 'rejected' THEN 1 END) AS rejected_files, sum(rows_read) AS rows_read, sum(rows_loaded) AS rows_loaded, sum(rows_quarantined) AS rows_quarantined,
		sum(rows_quarantined) / nullif(sum(rows_read), 0) AS quarantine_rate, max(file_mtime) AS newest_file, max(loaded_at) AS last_load
		FROM load_files GROUP BY 1 ORDER BY 1`)
	reasons := b.table("Quarantine reasons", `SELECT source, reason, coalesce("column", '') AS field, count(*) AS rows_quarantined FROM quarantine GROUP BY 1, 2, 3 ORDER BY 1, 4 DESC, 2, 3`)
	rejected := b.table("Rejected files", `SELECT source, file, error FROM load_files WHERE status = 'rejected' ORDER BY source, file`)
	health := reports.Section{Name: "Data health", Note: "Every load reconciles: rows read = rows loaded + rows quarantined.", Tables: []reports.Table{loads, reasons, rejected}}
	if b.exists("identity_stats") {
		health.Tables = append(health.Tables, b.table("Identity stitching", `SELECT * FROM identity_stats`))
	}
	if b.exists("identity_changes") {
		health.Tables = append(health.Tables, b.table("Identity merges and splits", `SELECT change, count(*) AS changes FROM identity_changes GROUP BY 1 ORDER BY 1`))
	}
	if b.exists("blocked_identifiers") {
		health.Tables = append(health.Tables, b.table("Blocked junk identifiers (top 20)", `SELECT * FROM blocked_identifiers ORDER BY records DESC LIMIT 20`))
	}
	if b.exists("source_checks") {
		health.Tables = append(health.Tables, b.table("Freshness and quality checks (last run)", `SELECT source, "check", value, threshold, ok FROM source_checks
			QUALIFY row_number() OVER (PARTITION BY source, "check" ORDER BY checked_at DESC) = 1 ORDER BY ok, source`))
	}
	sc.Sections = append(sc.Sections, health)
	return sc
}
