{{- /* Evidence of order lines: one record per order, its region its store's (joined once per order), its source its first line's load's. Without .Part or .Loads, the orders of one channel (.Channel, a quoted literal) or, when .Channel is empty, those without a channel. With .Part, the orders of every channel listed in stitch_orders (part_orders.sql), with their channel as a column, in no particular order (Stitch breaks every tie by rec_key, not by the order of the rows, so the wide rows are not sorted); the semi join on the key columns is uncorrelated, as a correlated EXISTS makes DuckDB group every line by its key first. With .Loads, the orders of the lines of the loads in stitch_new_loads, every channel, with their channel as a column (the delta of an incremental stitch, once reexported.sql has ruled out that such an order has lines in another load); .Lo and .Hi bound those lines' rowids (delta_rows.sql), so that the scan skips the row groups before them instead of reading every column of every line for the semi join. */ -}}
WITH st AS (
	SELECT store_id, region FROM {{table "raw_stores"}}
	QUALIFY row_number() OVER (PARTITION BY store_id ORDER BY _load_id DESC, _row DESC) = 1
), lf AS (SELECT load_id, min(source) AS source FROM {{table "load_files"}} GROUP BY load_id), heads AS (
	SELECT o.channel || ':' || o.order_id AS rec_key{{if or .Part .Loads}}, o.channel AS channel{{end}}, min(o.order_ts) AS ts, any_value(o._load_id) AS load_id,
		any_value(o.phone) AS phone, any_value(o.email) AS email, any_value(o.member_card) AS member_card,
		any_value(CASE WHEN o.buyer_id IS NOT NULL AND o.buyer_id <> '' THEN o.channel || ':' || o.buyer_id END) AS buyer_id,
		any_value(o.device_id) AS device_id, any_value(o.name) AS name, any_value(o.store_id) AS store_id
	FROM {{table "raw_order_lines"}} o
	WHERE {{if .Part}}o.channel IS NOT NULL AND (o.channel, o.order_id) IN (SELECT channel, order_id FROM stitch_orders){{else if .Loads}}o.rowid BETWEEN {{.Lo}} AND {{.Hi}} AND o._load_id IN (SELECT load_id FROM stitch_new_loads){{else if .Channel}}o.channel = {{.Channel}}{{else}}o.channel IS NULL{{end}}
	GROUP BY o.channel, o.order_id
)
SELECT h.rec_key{{if or .Part .Loads}}, h.channel{{end}}, h.ts, lf.source, h.phone, h.email, h.member_card, h.buyer_id, h.device_id, h.name, h.store_id, st.region
FROM heads h LEFT JOIN st ON st.store_id = h.store_id LEFT JOIN lf ON lf.load_id = h.load_id
