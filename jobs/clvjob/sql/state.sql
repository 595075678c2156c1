{{- /* The per-customer purchase state (clv.State), in customer id order as the summaries of the full path are. */ -}}
SELECT customer_id, CAST(first_day AS DATE) AS first_day, CAST(last_day AS DATE) AS last_day, CAST(days AS BIGINT) AS days,
	CAST(first_value AS DOUBLE) AS first_value, CAST(repeat_value AS DOUBLE) AS repeat_value
FROM {{table "customer_state"}} ORDER BY customer_id
