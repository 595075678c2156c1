{{- /* The times of the lines, up to the as-of day, outside the months recomputed (.Ranges) of the orders that
month_lines.sql reads in part (an order whose lines carry times in several months): their months are
recomputed too, so that every order read is read whole. */ -}}
WITH r AS (
	SELECT channel, order_id, count(*) AS n FROM {{table "kept_order_lines"}}
	WHERE order_ts < {{.End}} AND ({{.Ranges}}) GROUP BY channel, order_id
), p AS (
	SELECT r.channel, r.order_id FROM r JOIN {{table "orders"}} o ON o.channel IS NOT DISTINCT FROM r.channel AND o.order_id = r.order_id
	WHERE o.lines > r.n
)
SELECT DISTINCT l.order_ts FROM {{table "kept_order_lines"}} l JOIN p ON p.channel IS NOT DISTINCT FROM l.channel AND p.order_id = l.order_id
WHERE l.order_ts < {{.End}} AND NOT ({{.Ranges}})
