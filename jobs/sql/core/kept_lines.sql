{{- /* kept_order_lines: the raw order lines of the kept export of every order. With .Versions (order_versions has rows) it joins order_versions to drop the lines of superseded exports; without, it is the raw lines as they are. */ -}}
CREATE OR REPLACE VIEW kept_order_lines AS SELECT r.* FROM raw_order_lines r
{{- if .Versions}}
	LEFT JOIN order_versions v ON v.channel = r.channel AND v.order_id = r.order_id
	WHERE v.keep_load_id IS NULL OR v.keep_load_id = r._load_id{{end}}
