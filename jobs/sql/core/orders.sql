{{- /* Every order aggregated from all its raw lines; _load_id is NULL for an order whose lines come from several loads. With .ByFingerprint the load ids' fingerprints (.LoadIDHash of r._load_id) are compared instead of the strings (see ordersSQL). */ -}}
SELECT {{.Columns}}
FROM (SELECT r.channel, r.order_id, {{.Aggregates}}, {{if .ByFingerprint}}CASE WHEN min({{.LoadIDHash}}) = max({{.LoadIDHash}}) THEN any_value(r._load_id) END{{else}}CASE WHEN min(r._load_id) = max(r._load_id) THEN min(r._load_id) END{{end}} AS _load_id
	FROM raw_order_lines r GROUP BY r.channel, r.order_id) o
{{.CustomerJoin}}
