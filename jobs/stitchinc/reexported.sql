{{/* Orders of the delta that also have lines in a covered load: exported again, their identifiers may have changed (an identifier may lose a record). An uncorrelated semi join on the key columns: a correlated EXISTS makes DuckDB group every line by its key first. An order without a channel or id has no record key and rebuilds later (new_records). */}}
SELECT count(*) FROM (SELECT DISTINCT o.channel, o.order_id FROM {{table "raw_order_lines"}} o
	WHERE o._load_id NOT IN (SELECT load_id FROM stitch_new_loads)
	AND (o.channel, o.order_id) IN (SELECT channel, order_id FROM {{table "raw_order_lines"}}
		WHERE _load_id IN (SELECT load_id FROM stitch_new_loads)))
