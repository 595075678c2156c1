{{- /* The customers with an order line between the base as-of day's end and the new one's (.From, .To): orders that
came into or went out of the window when the as-of date moved. */ -}}
SELECT DISTINCT o.customer_id FROM {{table "orders"}} o
WHERE o.customer_id IS NOT NULL AND EXISTS (SELECT 1 FROM {{table "kept_order_lines"}} l
	WHERE l.order_ts >= {{.From}} AND l.order_ts < {{.To}} AND l.channel IS NOT DISTINCT FROM o.channel AND l.order_id = o.order_id)
