{{- /* return_ties: every kept return line that names an original order
(original_order_id, set by ingest on return lines only) which is loaded in
the same channel: an order with a bought line (qty > 0) in its kept export.
A return naming a return, or an order not loaded (yet), is not tied. Each
tie carries the original's header (time, status, store, associate), which
the line takes in kept_order_lines: a tied return is a line of its
original order. .None gives the empty table without reading any line. */ -}}
WITH kept AS (
	SELECT r.* FROM {{table "raw_order_lines"}} r
	LEFT JOIN {{table "order_versions"}} v ON v.channel = r.channel AND v.order_id = r.order_id
	WHERE v.keep_load_id IS NULL OR v.keep_load_id = r._load_id
), c AS (
	SELECT _load_id, _row, channel, order_id, original_order_id FROM kept WHERE original_order_id IS NOT NULL
), o AS (
	SELECT k.channel, k.order_id, min(k.order_ts) AS order_ts, any_value(lower(coalesce(k.status, 'paid'))) AS status,
		any_value(k.store_id) AS store_id, any_value(k.associate_id) AS associate_id
	FROM kept k
	WHERE k.qty > 0 AND EXISTS (SELECT 1 FROM c WHERE c.channel IS NOT DISTINCT FROM k.channel AND c.original_order_id = k.order_id)
	GROUP BY k.channel, k.order_id
)
SELECT c._load_id, c._row, c.channel, c.order_id, c.original_order_id, o.order_ts AS original_ts, o.status AS original_status,
	o.store_id AS original_store_id, o.associate_id AS original_associate_id
FROM c JOIN o ON o.channel IS NOT DISTINCT FROM c.channel AND o.order_id = c.original_order_id
{{- if .None}}
WHERE FALSE
{{- end}}
