{{- /* The purchases (the shared purchase rule) up to the as-of day of the customers in growth_touched; the columns of
orders.sql. */ -}}
SELECT channel, order_ts, customer_id, store_id, {{.Status}} AS status, net_amount, {{.Purchase}} AS purchase
FROM {{table "orders"}}
WHERE customer_id IN (SELECT customer_id FROM {{table "growth_touched"}}) AND order_ts < {{.End}} AND {{.Purchase}}
