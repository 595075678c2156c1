{{- /* When the as-of date moves: the orders with a line between the two as-of days' ends (.From, .To). Moving back
such a line leaves the window, moving forward it comes in; either way its order's figures change in the order's
month, possibly a month no change touched, and its customer's lifetime figures change. The rows are the times of
those orders' lines up to the new as-of day (.End; customer_id NULL) and those orders' customers (order_ts NULL).
The window's orders are found first and semi-joined: a correlated EXISTS over every kept line took 8.8 s at 1M
against 1.3 s for this form. With .Lo (asof_window_bound.sql found every window order in orders with its first
line at or after .From) no line of theirs is older than .Lo and no order of theirs is outside [.Lo, .To): both
scans are bounded, so the zone maps skip the history (at 1M, one day: 0.06 s instead of 1.6-3.0 s). One query
serves sales (the times) and profit (both) of a chain. */ -}}
WITH w AS (
	SELECT DISTINCT channel, order_id FROM {{table "kept_order_lines"}}
	WHERE order_ts >= {{.From}} AND order_ts < {{.To}})
SELECT DISTINCT l.order_ts, CAST(NULL AS VARCHAR) AS customer_id FROM {{table "kept_order_lines"}} l
SEMI JOIN w ON w.channel IS NOT DISTINCT FROM l.channel AND w.order_id = l.order_id
WHERE l.order_ts < {{.End}}{{if .Lo}} AND l.order_ts >= {{.Lo}}{{end}}
UNION ALL
SELECT DISTINCT CAST(NULL AS TIMESTAMPTZ) AS order_ts, o.customer_id FROM {{table "orders"}} o
SEMI JOIN w ON w.channel IS NOT DISTINCT FROM o.channel AND w.order_id = o.order_id
WHERE o.customer_id IS NOT NULL{{if .Lo}} AND o.order_ts >= {{.Lo}} AND o.order_ts < {{.To}}{{end}}
