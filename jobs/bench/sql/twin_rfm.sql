{{- /* Recency, frequency and monetary value per customer with their quintiles; .Purchase as in twin_cohorts. */ -}}
CREATE OR REPLACE TEMP TABLE bench_twin_rfm AS
	WITH c AS (SELECT customer_id, date_diff('day', max(order_ts), (SELECT max(order_ts) FROM orders)) AS recency, count(*) AS frequency, sum(net_amount) AS monetary
		FROM orders WHERE customer_id IS NOT NULL AND {{.Purchase}} GROUP BY 1)
	SELECT *, ntile(5) OVER (ORDER BY recency DESC) AS r, ntile(5) OVER (ORDER BY frequency) AS f, ntile(5) OVER (ORDER BY monetary) AS m FROM c
