{{- /* Every order line up to the as-of day of the customers .Customers selects (their lifetime rows are
recomputed); the columns of lines.sql. */ -}}
SELECT l.channel, l.order_id, l.order_ts, l.customer_id, l.store_id, {{.Status}} AS status, l.sku, l.qty, l.paid_amount, l.refund_amount
FROM {{table "order_lines"}} l WHERE l.order_ts < {{.End}} AND EXISTS (SELECT 1 FROM {{table "orders"}} o
	WHERE o.customer_id IN ({{.Customers}}) AND o.channel IS NOT DISTINCT FROM l.channel AND o.order_id = l.order_id)
