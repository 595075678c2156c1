{{- /* The cohorts matrix overall and by first channel, region and first category; .Local is order_ts in the business time zone, .Purchase the shared purchase rule. */ -}}
CREATE OR REPLACE TEMP TABLE bench_twin_cohort AS
	WITH o AS (SELECT customer_id, channel, order_id, order_ts, date_trunc('month', {{.Local}}) AS m, net_amount FROM orders
		WHERE customer_id IS NOT NULL AND {{.Purchase}}),
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
		AND s.region IS NOT DISTINCT FROM a.region AND s.first_category IS NOT DISTINCT FROM a.first_category
