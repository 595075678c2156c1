{{- /* Orders of which month_lines.sql reads fewer lines than the order has (orders.lines): those with lines in a
month not recomputed, or after the as-of day. A cheap test before month_spill.sql. */ -}}
SELECT count(*) FROM (
	SELECT channel, order_id, count(*) AS n FROM {{table "kept_order_lines"}}
	WHERE order_ts < {{.End}} AND ({{.Ranges}}) GROUP BY channel, order_id
) r JOIN {{table "orders"}} o ON o.channel IS NOT DISTINCT FROM r.channel AND o.order_id = r.order_id
WHERE o.lines > r.n
