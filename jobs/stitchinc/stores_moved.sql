{{/* Stores (with .Referenced, only those that order lines of the covered loads name) whose region the new loads change: the region of an order is its store's latest row, so a store that moves (or appears, for orders that named it before) changes the records of customers the delta does not touch. */}}
WITH latest AS (
	SELECT store_id, region, _load_id IN (SELECT load_id FROM stitch_new_loads) AS new FROM {{table "raw_stores"}}
	QUALIFY row_number() OVER (PARTITION BY store_id ORDER BY _load_id DESC, _row DESC) = 1
), before AS (
	SELECT store_id, region FROM {{table "raw_stores"}}
	WHERE _load_id NOT IN (SELECT load_id FROM stitch_new_loads)
	QUALIFY row_number() OVER (PARTITION BY store_id ORDER BY _load_id DESC, _row DESC) = 1
)
SELECT count(*) FROM latest l LEFT JOIN before b ON b.store_id = l.store_id
WHERE l.new AND l.region IS DISTINCT FROM b.region
{{- if .Referenced}}
	AND l.store_id IN (SELECT store_id FROM {{table "raw_order_lines"}} WHERE store_id IS NOT NULL AND _load_id NOT IN (SELECT load_id FROM stitch_new_loads)){{end}}
