{{- /* The order lines up to the as-of day. .Status keeps a cancelled status and is NULL otherwise (the metrics only ask whether a status is cancelled); .End is the first instant after the as-of day. */ -}}
SELECT channel, order_id, order_ts, customer_id, store_id, {{.Status}} AS status, sku, qty, paid_amount, refund_amount
FROM {{table "order_lines"}} WHERE order_ts < {{.End}}
