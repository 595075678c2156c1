{{- /* The CLV summaries (x, t_x, T, mean spend) per customer; .Local and .Purchase as in twin_cohorts. */ -}}
CREATE OR REPLACE TEMP TABLE bench_twin_clv_summary AS
	WITH d AS (SELECT customer_id, CAST({{.Local}} AS DATE) AS day, sum(net_amount) AS amount FROM orders WHERE customer_id IS NOT NULL AND {{.Purchase}} GROUP BY 1, 2)
	SELECT customer_id, count(*) - 1 AS x, date_diff('day', min(day), max(day)) / 7.0 AS t_x,
		date_diff('day', min(day), (SELECT max(day) FROM d)) / 7.0 AS T, avg(amount) AS mean_spend FROM d GROUP BY 1
