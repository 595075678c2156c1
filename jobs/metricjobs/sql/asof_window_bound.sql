{{- /* How many orders with a line between .From and .To (asof_window.sql's window) are not in orders with their
first line (orders.order_ts, the least of its lines' times) in [.From, .To). None: every line of those orders is at
or after .From and asof_window.sql may bound its scans by it. An order whose first line is older, or one orders does
not hold, leaves the scans unbounded. Both reads are windows of order_ts that the zone maps serve. */ -}}
WITH w AS (
	SELECT DISTINCT channel, order_id FROM {{table "kept_order_lines"}}
	WHERE order_ts >= {{.From}} AND order_ts < {{.To}} AND order_id IS NOT NULL)
SELECT count(*) FROM w
ANTI JOIN (SELECT channel, order_id FROM {{table "orders"}} WHERE order_ts >= {{.From}} AND order_ts < {{.To}}) o
	ON o.channel IS NOT DISTINCT FROM w.channel AND o.order_id = w.order_id
