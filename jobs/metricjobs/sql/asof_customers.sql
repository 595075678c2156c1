{{- /* The customers with an order line between the base as-of day's end and the new one's (.From, .To): orders that
came into or went out of the window when the as-of date moved. */ -}}
SELECT DISTINCT o.customer_id
FROM (SELECT DISTINCT channel, order_id FROM {{table "kept_order_lines"}} WHERE order_ts >= {{.From}} AND order_ts < {{.To}}) w
JOIN {{table "orders"}} o ON o.channel IS NOT DISTINCT FROM w.channel AND o.order_id = w.order_id
WHERE o.customer_id IS NOT NULL
