{{- /* Every order up to the as-of day of the customers recomputed (.Touched renders credit_touched.sql), with the
columns of orders.sql and associate_id; the model decides which are purchases. */ -}}
SELECT o.channel, o.order_ts, o.customer_id, o.store_id, o.associate_id, {{.Status}} AS status, o.net_amount
FROM {{table "orders"}} o
WHERE o.order_ts < {{.End}} AND o.customer_id IN ({{.Touched}})
