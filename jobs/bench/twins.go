package bench

import (
	"fmt"
	"strings"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/jobs"
	"github.com/crmkit/crmkit/models/metrics"
)

// twinChecks compare a twin's totals with the stage's mart for the run's
// as-of date, so a twin that stops computing what its stage computes is
// reported in the stage's note. (Row counts are not compared for cohorts
// and growth: their marts also hold the empty cells of the matrix, which
// the twins leave out. The sales check compares row by row.)
var twinChecks = map[string]string{
	"cohorts": `WITH t AS (SELECT sum(active) FILTER (WHERE first_channel IS NULL AND region IS NULL AND first_category IS NULL) AS active,
			sum(revenue) AS revenue FROM bench_twin_cohort),
		m AS (SELECT sum(customers_active) FILTER (WHERE dimension = 'all') AS active, sum(revenue) AS revenue
			FROM cohort_retention WHERE as_of = (SELECT max(as_of) FROM cohort_retention))
		SELECT t.active = m.active AND abs(t.revenue - m.revenue) <= 1e-6 * abs(m.revenue) + 0.01 FROM t, m`,
	"growth": `WITH t AS (SELECT sum(new_customers) AS nc, sum(reactivated) AS re, sum(churned) AS ch, sum(buyers) AS b
			FROM bench_twin_growth WHERE first_channel IS NULL AND region IS NULL),
		m AS (SELECT sum(new_customers) AS nc, sum(reactivated_customers) AS re, sum(churned_customers) AS ch, sum(buyers) AS b
			FROM growth WHERE as_of = (SELECT max(as_of) FROM growth) AND dimension = 'total')
		SELECT t.nc = m.nc AND t.re = m.re AND t.ch = m.ch AND t.b = m.b FROM t, m`,
	"sales": salesCheck,
}

// salesCheck compares the sales twin with the sales mart row by row:
// every (period, dimension, key) of the mart is in the twin with the same
// label, units, orders, customers, refunded orders, missing cost lines and
// anonymous orders, money within 1e-6 relative + 0.01 and margin_rate
// within 1e-6 where the costed net sales are 1 or more (the mart's NULLs,
// written for NaN, match the twin's NULLs), and the twin has no other row.
// The only mart rows the twin may lack are the all-zero total rows of
// months without sales.
const salesCheck = `WITH m AS (SELECT * FROM sales WHERE as_of = (SELECT max(as_of) FROM sales)),
	j AS (SELECT CASE WHEN t.period IS NULL THEN m.dimension = 'total' AND m.units = 0 AND m.orders = 0 AND m.refunded_orders = 0
				AND m.missing_cost_lines = 0 AND m.net_sales = 0 AND m.refund_amount = 0
			WHEN m.period IS NULL THEN false
			ELSE m.label = t.label AND m.units = t.units AND m.orders = t.orders AND m.customers = t.customers
				AND m.refunded_orders = t.refunded_orders AND m.missing_cost_lines = t.missing_cost_lines AND m.anonymous_orders = t.anonymous_orders
				AND coalesce(abs(m.net_sales - t.net_sales) <= 1e-6 * abs(m.net_sales) + 0.01, m.net_sales IS NULL AND t.net_sales IS NULL)
				AND coalesce(abs(m.costed_net_sales - t.costed_net_sales) <= 1e-6 * abs(m.costed_net_sales) + 0.01,
					m.costed_net_sales IS NULL AND t.costed_net_sales IS NULL)
				AND coalesce(abs(m.cost - t.cost) <= 1e-6 * abs(m.cost) + 0.01, m.cost IS NULL AND t.cost IS NULL)
				AND coalesce(abs(m.gross_margin - t.gross_margin) <= 1e-6 * abs(m.gross_margin) + 0.01, m.gross_margin IS NULL AND t.gross_margin IS NULL)
				AND coalesce(abs(m.refund_amount - t.refund_amount) <= 1e-6 * abs(m.refund_amount) + 0.01, m.refund_amount IS NULL AND t.refund_amount IS NULL)
				AND coalesce(abs(m.avg_order_value - t.avg_order_value) <= 1e-6 * abs(m.avg_order_value) + 0.01,
					m.avg_order_value IS NULL AND t.avg_order_value IS NULL)
				AND (abs(m.costed_net_sales) < 1 OR coalesce(abs(m.margin_rate - t.margin_rate) <= 1e-6, m.margin_rate IS NULL AND t.margin_rate IS NULL))
			END AS ok
		FROM m FULL JOIN bench_twin_sales t ON t.period = m.period AND t.dimension = m.dimension AND t.key = m.key)
	SELECT count(*) > 0 AND count(*) FILTER (WHERE ok IS NOT TRUE) = 0 FROM j`

// sqlTwins are the same computations as plain DuckDB SQL, keyed by stage.
func sqlTwins(cfg *config.Config, csvSources map[string]bool) map[string][]string {
	tz := cfg.Location.String()
	var ingest []string
	i := 0
	for _, s := range cfg.Sources {
		if !csvSources[jobs.IngestJobName(s.Name)] {
			continue
		}
		// Written to a persistent table, as the real ingest writes raw tables.
		ingest = append(ingest, fmt.Sprintf(`CREATE OR REPLACE TABLE bench_twin_csv_%d AS SELECT * FROM read_csv('%s', header = true, union_by_name = true, ignore_errors = true)`,
			i, strings.ReplaceAll(cfg.Resolve(s.Path), "'", "''")))
		i++
	}
	local := fmt.Sprintf("timezone('%s', order_ts)", tz)
	// The cohorts, RFM, CLV and growth twins select purchases by the shared
	// rule their jobs read through (jobs.PurchasePredicate).
	purchase := jobs.PurchasePredicate(cfg.Models.CLV.MinAmount)
	churn := cfg.Models.Growth.ChurnDays
	if churn <= 0 {
		churn = metrics.DefaultChurnDays
	}
	return map[string][]string{
		"ingest (utf-8 csv sources)": ingest,
		// The cohort stage's matrix overall and split by first channel,
		// region and first category (the category of the first order's
		// line with the highest net amount), as the cohorts job computes.
		"cohorts": {fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE bench_twin_cohort AS
			WITH o AS (SELECT customer_id, channel, order_id, order_ts, date_trunc('month', %[1]s) AS m, net_amount FROM orders
				WHERE customer_id IS NOT NULL AND %[2]s),
			f AS (SELECT customer_id, min(m) AS cohort, arg_min(channel, (order_ts, channel, order_id)) AS first_channel,
				arg_min(order_id, (order_ts, channel, order_id)) AS first_order FROM o GROUP BY 1),
			fc AS (SELECT f.customer_id, arg_min(p.category, (-l.net_amount, p.category)) AS first_category
				FROM f JOIN order_lines l ON l.channel = f.first_channel AND l.order_id = f.first_order
				JOIN products p ON p.sku = l.sku WHERE p.category IS NOT NULL AND p.category <> '' GROUP BY 1),
			c AS (SELECT f.customer_id, f.cohort, f.first_channel, coalesce(cu.region, 'unknown') AS region, coalesce(fc.first_category, 'unknown') AS first_category
				FROM f LEFT JOIN fc USING (customer_id) LEFT JOIN (SELECT customer_id, min(region) AS region FROM customers GROUP BY 1) cu USING (customer_id)),
			a AS (SELECT c.cohort, c.first_channel, c.region, c.first_category, date_diff('month', c.cohort, o.m) AS k,
					count(DISTINCT o.customer_id) AS active, sum(o.net_amount) AS revenue
				FROM o JOIN c USING (customer_id)
				GROUP BY GROUPING SETS ((c.cohort, k), (c.first_channel, c.cohort, k), (c.region, c.cohort, k), (c.first_category, c.cohort, k))),
			s AS (SELECT cohort, first_channel, region, first_category, count(*) AS size FROM c
				GROUP BY GROUPING SETS ((cohort), (first_channel, cohort), (region, cohort), (first_category, cohort)))
			SELECT a.*, s.size, a.active / s.size AS retention,
				sum(a.revenue) OVER (PARTITION BY a.cohort, a.first_channel, a.region, a.first_category ORDER BY a.k) / s.size AS cum_rev
			FROM a JOIN s ON s.cohort = a.cohort AND s.first_channel IS NOT DISTINCT FROM a.first_channel
				AND s.region IS NOT DISTINCT FROM a.region AND s.first_category IS NOT DISTINCT FROM a.first_category`, local, purchase)},
		"rfm": {`CREATE OR REPLACE TEMP TABLE bench_twin_rfm AS
			WITH c AS (SELECT customer_id, date_diff('day', max(order_ts), (SELECT max(order_ts) FROM orders)) AS recency, count(*) AS frequency, sum(net_amount) AS monetary
				FROM orders WHERE customer_id IS NOT NULL AND ` + purchase + ` GROUP BY 1)
			SELECT *, ntile(5) OVER (ORDER BY recency DESC) AS r, ntile(5) OVER (ORDER BY frequency) AS f, ntile(5) OVER (ORDER BY monetary) AS m FROM c`},
		// New, returning, reactivated and churned customers per month
		// (the growth job's churn window, models.growth.churn_days), active at the end,
		// overall and by first channel and region, as the growth job
		// computes.
		"growth": {fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE bench_twin_growth AS
			WITH p AS (SELECT customer_id, CAST(%[1]s AS DATE) AS d, order_ts, channel, order_id, store_id FROM orders
				WHERE customer_id IS NOT NULL AND %[3]s),
			f AS (SELECT customer_id, arg_min(channel, (order_ts, channel, order_id)) AS first_channel,
				arg_min(store_id, (order_ts, channel, order_id)) AS first_store FROM p GROUP BY 1),
			dims AS (SELECT f.customer_id, f.first_channel, coalesce(cu.region, st.region, 'unknown') AS region FROM f
				LEFT JOIN (SELECT customer_id, min(region) AS region FROM customers GROUP BY 1) cu USING (customer_id)
				LEFT JOIN stores st ON st.store_id = f.first_store),
			days AS (SELECT DISTINCT customer_id, d FROM p),
			g AS (SELECT customer_id, d, d - lag(d) OVER w AS gap, lead(d) OVER w - d AS next_gap FROM days
				WINDOW w AS (PARTITION BY customer_id ORDER BY d)),
			ev AS (SELECT customer_id, date_trunc('month', d) AS m, CASE WHEN gap IS NULL THEN 3 WHEN gap > %[2]d THEN 2 ELSE 1 END AS kind FROM g
				UNION ALL
				SELECT customer_id, date_trunc('month', d + %[2]d + 1), 0 FROM g
				WHERE (next_gap IS NULL OR next_gap > %[2]d) AND d + %[2]d + 1 <= (SELECT CAST(max(%[1]s) AS DATE) FROM orders)),
			cm AS (SELECT customer_id, m, max(kind) AS kind, bool_or(kind = 0) AS churned FROM ev GROUP BY 1, 2),
			a AS (SELECT cm.m, dims.first_channel, dims.region, count(*) FILTER (WHERE kind > 0) AS buyers,
					count(*) FILTER (WHERE kind = 3) AS new_customers, count(*) FILTER (WHERE kind = 2) AS reactivated,
					count(*) FILTER (WHERE kind = 1) AS returning, count(*) FILTER (WHERE churned) AS churned
				FROM cm JOIN dims USING (customer_id)
				GROUP BY GROUPING SETS ((cm.m), (cm.m, dims.first_channel), (cm.m, dims.region)))
			SELECT *, new_customers + reactivated - churned AS net_growth,
				sum(new_customers + reactivated - churned) OVER (PARTITION BY first_channel, region ORDER BY m) AS active_end
			FROM a`, local, churn, purchase)},
		// The sales mart: per month (of the order's earliest line) the
		// total and each channel, store, region (the store's, else the
		// customer's), category and brand, from the lines up to the as-of
		// day that are not cancelled, as the sales job computes: an order
		// counts in a group when its lines there net above zero, returned
		// lines (refund > 0, net <= 0) add no units or cost, lines without a
		// unit cost stay out of the costed net sales and the margin.
		"sales": {salesTwin(cfg, local)},
		"clv: summary": {fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE bench_twin_clv_summary AS
			WITH d AS (SELECT customer_id, CAST(%[1]s AS DATE) AS day, sum(net_amount) AS amount FROM orders WHERE customer_id IS NOT NULL AND %[2]s GROUP BY 1, 2)
			SELECT customer_id, count(*) - 1 AS x, date_diff('day', min(day), max(day)) / 7.0 AS t_x,
				date_diff('day', min(day), (SELECT max(day) FROM d)) / 7.0 AS T, avg(amount) AS mean_spend FROM d GROUP BY 1`, local, purchase)},
	}
}

// salesTwin is the sales mart as one DuckDB statement (see sqlTwins);
// local is order_ts in the business time zone. An order (channel,
// order_id) is keyed by the 64-bit hash of the pair, which keeps the big
// hash tables narrow: keyed by the two strings, the statement took over
// twice as long at a million customers and ran out of DuckDB's 1GB memory
// limit in the bench. Two orders whose hashes collide (odds about 1e-6 at
// five million orders) would be merged, and the check against the mart
// would report it.
func salesTwin(cfg *config.Config, local string) string {
	tz := cfg.Location.String()
	// The as-of day is the configured one, else the local date of the
	// newest order, as the job resolves it; lines at or after the start of
	// the next day are left out.
	asOf := fmt.Sprintf("(SELECT CAST(timezone('%s', max(order_ts)) AS DATE) FROM orders)", tz)
	if cfg.AsOf != "" {
		asOf = fmt.Sprintf("DATE '%s'", strings.ReplaceAll(cfg.AsOf, "'", "''"))
	}
	end := fmt.Sprintf("timezone('%s', CAST(%s + 1 AS TIMESTAMP))", tz, asOf)
	cancelled := make([]string, len(metrics.DefaultCancelledStatuses))
	for i, v := range metrics.DefaultCancelledStatuses {
		cancelled[i] = "'" + strings.ReplaceAll(strings.ToLower(v), "'", "''") + "'"
	}
	return fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE bench_twin_sales AS
		WITH p AS (SELECT sku, coalesce(nullif(category, ''), 'unknown') AS category, coalesce(nullif(brand, ''), 'unknown') AS brand,
				CASE WHEN unit_cost >= 0 AND isfinite(unit_cost) THEN unit_cost END AS unit_cost FROM products),
			l AS (SELECT coalesce(nullif(l.channel, ''), 'unknown') AS channel, hash(coalesce(nullif(l.channel, ''), 'unknown'), coalesce(l.order_id, '')) AS oid,
					%[1]s AS ts,
					nullif(l.customer_id, '') AS customer_id, nullif(l.store_id, '') AS store_id,
					coalesce(p.category, 'unknown') AS category, coalesce(p.brand, 'unknown') AS brand,
					coalesce(l.paid_amount, 0) - coalesce(l.refund_amount, 0) AS net, coalesce(l.refund_amount, 0) AS refund,
					coalesce(l.refund_amount, 0) > 0 AND coalesce(l.paid_amount, 0) - coalesce(l.refund_amount, 0) <= 0 AS returned,
					coalesce(l.qty, 0) AS qty, p.unit_cost
				FROM order_lines l LEFT JOIN p USING (sku)
				WHERE l.order_ts < %[2]s AND coalesce(lower(l.status), '') NOT IN (%[3]s)),
			-- each order's lines by category and brand
			ob AS (SELECT oid, category, brand, any_value(channel) AS channel, min(ts) AS ts, any_value(customer_id) AS customer_id, any_value(store_id) AS store_id,
					sum(qty) FILTER (WHERE NOT returned) AS units, sum(net) AS net, sum(net) FILTER (WHERE returned OR unit_cost IS NOT NULL) AS costed,
					sum(qty * unit_cost) FILTER (WHERE NOT returned) AS cost, sum(refund) AS refund,
					count(*) FILTER (WHERE NOT returned AND unit_cost IS NULL) AS missing
				FROM l GROUP BY oid, category, brand),
			-- each order: its month, customer, store and region
			o AS (SELECT o.*, s.store_name, coalesce(s.region, c.region, 'unknown') AS region
				FROM (SELECT oid, any_value(channel) AS channel, strftime(min(ts), '%%Y-%%m') AS period, any_value(customer_id) AS customer_id, any_value(store_id) AS store_id,
						sum(units) AS units, sum(net) AS net, sum(costed) AS costed, sum(cost) AS cost, sum(refund) AS refund, sum(missing) AS missing
					FROM ob GROUP BY oid) o
				LEFT JOIN (SELECT store_id, min(nullif(store_name, '')) AS store_name, min(nullif(region, '')) AS region FROM stores GROUP BY 1) s USING (store_id)
				LEFT JOIN (SELECT customer_id, min(nullif(region, '')) AS region FROM customers GROUP BY 1) c USING (customer_id)),
			-- each order's part in a category or a brand
			parts AS (SELECT oid, CASE WHEN grouping(category) = 0 THEN 'category' ELSE 'brand' END AS dimension,
					coalesce(category, brand) AS key, sum(units) AS units, sum(net) AS net, sum(costed) AS costed,
					sum(cost) AS cost, sum(refund) AS refund, sum(missing) AS missing
				FROM ob GROUP BY GROUPING SETS ((oid, category), (oid, brand))),
			g AS (SELECT period, CASE WHEN grouping(channel) = 0 THEN 'channel' WHEN grouping(store_id) = 0 THEN 'store'
						WHEN grouping(region) = 0 THEN 'region' ELSE 'total' END AS dimension,
					coalesce(channel, store_id, region, 'all') AS key,
					CASE WHEN grouping(store_id) = 0 THEN coalesce(any_value(store_name), store_id) ELSE coalesce(channel, region, 'all') END AS label,
					coalesce(sum(units), 0) AS units, sum(net) AS net_sales, coalesce(sum(costed), 0) AS costed_net_sales, coalesce(sum(cost), 0) AS cost,
					count(*) FILTER (WHERE net > 0) AS orders, count(DISTINCT customer_id) FILTER (WHERE net > 0) AS customers,
					count(*) FILTER (WHERE refund > 0) AS refunded_orders, sum(refund) AS refund_amount, sum(missing) AS missing_cost_lines,
					count(*) FILTER (WHERE net > 0 AND customer_id IS NULL) AS anonymous_orders
				FROM o GROUP BY GROUPING SETS ((period), (period, channel), (period, store_id), (period, region))
				HAVING grouping(store_id) = 1 OR store_id IS NOT NULL
				UNION ALL
				SELECT o.period, t.dimension, t.key, t.key, coalesce(sum(t.units), 0), sum(t.net), coalesce(sum(t.costed), 0), coalesce(sum(t.cost), 0),
					count(*) FILTER (WHERE t.net > 0), count(DISTINCT o.customer_id) FILTER (WHERE t.net > 0),
					count(*) FILTER (WHERE t.refund > 0), sum(t.refund), sum(t.missing), count(*) FILTER (WHERE t.net > 0 AND o.customer_id IS NULL)
				FROM parts t JOIN o USING (oid) GROUP BY o.period, t.dimension, t.key)
		SELECT period, dimension, key, label, units, net_sales, costed_net_sales, cost, costed_net_sales - cost AS gross_margin,
			(costed_net_sales - cost) / nullif(costed_net_sales, 0) AS margin_rate,
			orders, customers, net_sales / nullif(orders, 0) AS avg_order_value,
			refunded_orders, refund_amount, missing_cost_lines, anonymous_orders
		FROM g`, local, end, strings.Join(cancelled, ", "))
}
