{{- /* When the as-of date moves: the times of the lines up to the new as-of day (.End) of the orders with a line
between the two as-of days' ends (.From, .To). Moving back such a line leaves the window, moving forward it comes in;
either way its order's figures change in the order's month, possibly a month no change touched. */ -}}
SELECT DISTINCT l.order_ts FROM {{table "kept_order_lines"}} l
WHERE l.order_ts < {{.End}} AND EXISTS (SELECT 1 FROM {{table "kept_order_lines"}} w
	WHERE w.order_ts >= {{.From}} AND w.order_ts < {{.To}} AND w.channel IS NOT DISTINCT FROM l.channel AND w.order_id = l.order_id)
