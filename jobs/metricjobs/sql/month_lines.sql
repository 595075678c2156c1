{{- /* The order lines of the months a month-partitioned mart recomputes (.Ranges: order_ts in one of the months, in
the business time zone), up to the as-of day; the columns of lines.sql, with the values the order_lines view gives.
The customer is the order's (core sets orders.customer_id from the same assignments the view joins), looked up among
the orders whose order_ts is in the months: monthLines reads only orders that have every line up to the as-of day in
the months (month_spill.sql), and an order's order_ts is its earliest line's. That spares the view's join of every
line to the assignments, keyed by a string built per line. */ -}}
SELECT channel, order_id, order_ts, customer_id, store_id, {{.Status}} AS status, sku, qty, paid_amount, refund_amount
FROM (
	SELECT l.channel, l.order_id, l.order_ts, o.customer_id, l.store_id, lower(coalesce(l.status, 'paid')) AS status, l.sku, l.qty,
		l.paid_amount, coalesce(l.refund_amount, 0) AS refund_amount
	FROM (SELECT * FROM {{table "kept_order_lines"}} WHERE order_ts < {{.End}} AND ({{.Ranges}})) l
	LEFT JOIN (SELECT channel, order_id, customer_id FROM {{table "orders"}} WHERE {{.Ranges}}) o
		ON o.channel = l.channel AND o.order_id = l.order_id
) v
