{{- /* New, returning, reactivated and churned customers per month; .Churn is the churn window in days, .Local and .Purchase as in twin_cohorts. */ -}}
CREATE OR REPLACE TEMP TABLE bench_twin_growth AS
	WITH p AS (SELECT customer_id, CAST({{.Local}} AS DATE) AS d, order_ts, channel, order_id, store_id FROM orders
		WHERE customer_id IS NOT NULL AND {{.Purchase}}),
	f AS (SELECT customer_id, arg_min(channel, (order_ts, channel, order_id)) AS first_channel,
		arg_min(store_id, (order_ts, channel, order_id)) AS first_store FROM p GROUP BY 1),
	dims AS (SELECT f.customer_id, f.first_channel, coalesce(cu.region, st.region, 'unknown') AS region FROM f
		LEFT JOIN (SELECT customer_id, min(region) AS region FROM customers GROUP BY 1) cu USING (customer_id)
		LEFT JOIN stores st ON st.store_id = f.first_store),
	days AS (SELECT DISTINCT customer_id, d FROM p),
	g AS (SELECT customer_id, d, d - lag(d) OVER w AS gap, lead(d) OVER w - d AS next_gap FROM days
		WINDOW w AS (PARTITION BY customer_id ORDER BY d)),
	ev AS (SELECT customer_id, date_trunc('month', d) AS m, CASE WHEN gap IS NULL THEN 3 WHEN gap > {{.Churn}} THEN 2 ELSE 1 END AS kind FROM g
		UNION ALL
		SELECT customer_id, date_trunc('month', d + {{.Churn}} + 1), 0 FROM g
		WHERE (next_gap IS NULL OR next_gap > {{.Churn}}) AND d + {{.Churn}} + 1 <= (SELECT CAST(max({{.Local}}) AS DATE) FROM orders)),
	cm AS (SELECT customer_id, m, max(kind) AS kind, bool_or(kind = 0) AS churned FROM ev GROUP BY 1, 2),
	a AS (SELECT cm.m, dims.first_channel, dims.region, count(*) FILTER (WHERE kind > 0) AS buyers,
			count(*) FILTER (WHERE kind = 3) AS new_customers, count(*) FILTER (WHERE kind = 2) AS reactivated,
			count(*) FILTER (WHERE kind = 1) AS returning, count(*) FILTER (WHERE churned) AS churned
		FROM cm JOIN dims USING (customer_id)
		GROUP BY GROUPING SETS ((cm.m), (cm.m, dims.first_channel), (cm.m, dims.region)))
	SELECT *, new_customers + reactivated - churned AS net_growth,
		sum(new_customers + reactivated - churned) OVER (PARTITION BY first_channel, region ORDER BY m) AS active_end
	FROM a
