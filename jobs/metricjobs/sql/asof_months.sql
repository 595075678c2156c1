{{- /* When the as-of date moves: the times of the lines up to the new as-of day (.End) of the orders with a line
between the two as-of days' ends (.From, .To). Moving back such a line leaves the window, moving forward it comes in;
either way its order's figures change in the order's month, possibly a month no change touched.
The window's orders are found first and semi-joined: the correlated EXISTS over every kept line took 8.8 s at 1M
against 1.3 s for this form (same 20,646 times). */ -}}
WITH w AS (
	SELECT DISTINCT channel, order_id FROM {{table "kept_order_lines"}}
	WHERE order_ts >= {{.From}} AND order_ts < {{.To}})
SELECT DISTINCT l.order_ts FROM {{table "kept_order_lines"}} l
SEMI JOIN w ON w.channel IS NOT DISTINCT FROM l.channel AND w.order_id = l.order_id
WHERE l.order_ts < {{.End}}
