{{- /* The orders of return_scope aggregated again from kept_order_lines
(which counts a tied return as a line of its original), with the same
aggregates and customer join as every other order (.Aggregates,
.Columns, .CustomerJoin); a return whose lines are all tied has no line
left and no row. _load_id is the smallest load among the lines: set, as
on every order after core. */ -}}
INSERT INTO {{table "orders"}} {{.ColumnList}}
SELECT {{.Columns}}
FROM (SELECT r.channel, r.order_id, {{.Aggregates}}, min(r._load_id) AS _load_id
	FROM {{table "kept_order_lines"}} r
	WHERE EXISTS (SELECT 1 FROM {{table "return_scope"}} s WHERE s.channel IS NOT DISTINCT FROM r.channel AND s.order_id = r.order_id)
	GROUP BY r.channel, r.order_id) o
{{.CustomerJoin}}
