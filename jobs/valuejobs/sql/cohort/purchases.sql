{{- /* The purchases (the shared purchase rule) up to the as-of day of the customers in cohort_touched. */ -}}
SELECT customer_id, order_ts, CAST(net_amount AS DOUBLE) AS net_amount FROM {{table "orders"}}
WHERE customer_id IN (SELECT customer_id FROM {{table "cohort_touched"}}) AND order_ts < {{.End}} AND {{.Purchase}}
