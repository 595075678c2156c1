{{- /* The order lines of the months a month-partitioned mart recomputes (.Ranges: order_ts in one of the months, in
the business time zone), up to the as-of day; the columns of lines.sql. */ -}}
SELECT channel, order_id, order_ts, customer_id, store_id, {{.Status}} AS status, sku, qty, paid_amount, refund_amount
FROM {{table "order_lines"}} WHERE order_ts < {{.End}} AND ({{.Ranges}})
