{{- /* The sales mart as one statement; .End is the first instant after the as-of day, .Cancelled the quoted cancelled statuses, .Local as in twin_cohorts. */ -}}
CREATE OR REPLACE TEMP TABLE bench_twin_sales AS
	WITH p AS (SELECT sku, coalesce(nullif(category, ''), 'unknown') AS category, coalesce(nullif(brand, ''), 'unknown') AS brand,
			CASE WHEN unit_cost >= 0 AND isfinite(unit_cost) THEN unit_cost END AS unit_cost FROM products),
		l AS (SELECT coalesce(nullif(l.channel, ''), 'unknown') AS channel, hash(coalesce(nullif(l.channel, ''), 'unknown'), coalesce(l.order_id, '')) AS oid,
				{{.Local}} AS ts,
				nullif(l.customer_id, '') AS customer_id, nullif(l.store_id, '') AS store_id,
				coalesce(p.category, 'unknown') AS category, coalesce(p.brand, 'unknown') AS brand,
				coalesce(l.paid_amount, 0) - coalesce(l.refund_amount, 0) AS net, coalesce(l.refund_amount, 0) AS refund,
				coalesce(l.refund_amount, 0) > 0 AND coalesce(l.paid_amount, 0) - coalesce(l.refund_amount, 0) <= 0 AS returned,
				coalesce(l.qty, 0) AS qty, p.unit_cost
			FROM order_lines l LEFT JOIN p USING (sku)
			WHERE l.order_ts < {{.End}} AND coalesce(lower(l.status), '') NOT IN ({{.Cancelled}})),
		-- each order's lines by category and brand
		ob AS (SELECT oid, category, brand, any_value(channel) AS channel, min(ts) AS ts, any_value(customer_id) AS customer_id, any_value(store_id) AS store_id,
				sum(qty) FILTER (WHERE NOT returned) AS units, sum(net) AS net, sum(net) FILTER (WHERE returned OR unit_cost IS NOT NULL) AS costed,
				sum(qty * unit_cost) FILTER (WHERE NOT returned) AS cost, sum(refund) AS refund,
				count(*) FILTER (WHERE NOT returned AND unit_cost IS NULL) AS missing
			FROM l GROUP BY oid, category, brand),
		-- each order: its month, customer, store and region
		o AS (SELECT o.*, s.store_name, coalesce(s.region, c.region, 'unknown') AS region
			FROM (SELECT oid, any_value(channel) AS channel, strftime(min(ts), '%Y-%m') AS period, any_value(customer_id) AS customer_id, any_value(store_id) AS store_id,
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
	FROM g
