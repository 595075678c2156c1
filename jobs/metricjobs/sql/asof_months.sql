{{- /* When the as-of date moves back: the times of the lines up to the new as-of day (.End) of the orders with a
line between the new as-of day's end and the base one's (.From, .To). Such a line leaves the window, which
changes its order's figures in the order's month, possibly a month no change touched. */ -}}
SELECT DISTINCT l.order_ts FROM {{table "kept_order_lines"}} l
WHERE l.order_ts < {{.End}} AND EXISTS (SELECT 1 FROM {{table "kept_order_lines"}} w
	WHERE w.order_ts >= {{.From}} AND w.order_ts < {{.To}} AND w.channel IS NOT DISTINCT FROM l.channel AND w.order_id = l.order_id)
