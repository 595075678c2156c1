{{- /* Every order line up to the as-of day of the customers in profit_touched (their lifetime rows are
recomputed); the columns of lines.sql. */ -}}
SELECT l.channel, l.order_id, l.order_ts, l.customer_id, l.store_id, {{.Status}} AS status, l.sku, l.qty, l.paid_amount, l.refund_amount
FROM (SELECT channel, order_id FROM {{table "orders"}} WHERE customer_id IN (SELECT customer_id FROM {{table "profit_touched"}})) k
JOIN {{table "order_lines"}} l ON l.channel = k.channel AND l.order_id = k.order_id
WHERE l.order_ts < {{.End}}
