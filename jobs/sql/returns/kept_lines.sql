{{- /* kept_order_lines when returns are tied: the raw lines of the kept
export of every order (order_versions, when .Versions), a tied return line
(return_ties) relabelled as a line of its original order: that order's id,
time, status, store and associate; its own sku, quantity and amounts. The
return's own order id stays in raw_order_lines, and original_order_id on the
line. */ -}}
SELECT r.* REPLACE (
		CASE WHEN t._row IS NULL THEN r.order_id ELSE t.original_order_id END AS order_id,
		CASE WHEN t._row IS NULL THEN r.order_ts ELSE t.original_ts END AS order_ts,
		CASE WHEN t._row IS NULL THEN r.status ELSE t.original_status END AS status,
		CASE WHEN t._row IS NULL THEN r.store_id ELSE t.original_store_id END AS store_id,
		CASE WHEN t._row IS NULL THEN r.associate_id ELSE t.original_associate_id END AS associate_id)
FROM {{table "raw_order_lines"}} r
{{- if .Versions}}
LEFT JOIN {{table "order_versions"}} v ON v.channel = r.channel AND v.order_id = r.order_id
{{- end}}
LEFT JOIN {{table "return_ties"}} t ON t._load_id = r._load_id AND t._row = r._row
{{- if .Versions}}
WHERE v.keep_load_id IS NULL OR v.keep_load_id = r._load_id
{{- end}}
