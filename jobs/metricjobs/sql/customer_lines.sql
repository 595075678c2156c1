{{- /* Every order line up to the as-of day of the customers in profit_touched (their lifetime rows are
recomputed); the columns of lines.sql, with the values the order_lines view gives. The lines are the kept lines
of those customers' orders and the customer is the order's (core sets orders.customer_id from the same
assignments the view joins), which spares the view's join of every line to its assignment. */ -}}
SELECT channel, order_id, order_ts, customer_id, store_id, {{.Status}} AS status, sku, qty, paid_amount, refund_amount
FROM (
	SELECT l.channel, l.order_id, l.order_ts, k.customer_id, l.store_id, lower(coalesce(l.status, 'paid')) AS status, l.sku, l.qty,
		l.paid_amount, coalesce(l.refund_amount, 0) AS refund_amount
	FROM (SELECT channel, order_id, customer_id FROM {{table "orders"}} WHERE customer_id IN (SELECT customer_id FROM {{table "profit_touched"}})) k
	JOIN {{table "kept_order_lines"}} l ON l.channel = k.channel AND l.order_id = k.order_id
	WHERE l.order_ts < {{.End}}
) v
