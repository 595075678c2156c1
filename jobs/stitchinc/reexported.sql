{{/* Orders of the delta that also have lines in a covered load: exported again, their identifiers may have changed (an identifier may lose a record). */}}
SELECT count(*) FROM (SELECT DISTINCT channel, order_id FROM {{table "raw_order_lines"}}
	WHERE _load_id IN (SELECT load_id FROM stitch_new_loads)) n
WHERE EXISTS (SELECT 1 FROM {{table "raw_order_lines"}} o
	WHERE o.channel IS NOT DISTINCT FROM n.channel AND o.order_id IS NOT DISTINCT FROM n.order_id
	AND o._load_id NOT IN (SELECT load_id FROM stitch_new_loads))
