{{- /* The orders of order_versions aggregated again from the lines of their kept load (after their rows are deleted from orders). */ -}}
INSERT INTO orders {{.ColumnList}}
SELECT {{.Columns}}
FROM (SELECT r.channel, r.order_id, {{.Aggregates}}, any_value(r._load_id) AS _load_id
	FROM raw_order_lines r JOIN order_versions v ON v.channel = r.channel AND v.order_id = r.order_id AND v.keep_load_id = r._load_id
	GROUP BY r.channel, r.order_id) o
{{.CustomerJoin}}
