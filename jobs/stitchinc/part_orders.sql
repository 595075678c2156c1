{{/* The orders of stitch_records as (channel, order_id), for a semi join on the raw lines' own columns: a key is channel || ':' || order_id of one of the channels present. */}}
CREATE OR REPLACE TEMP TABLE stitch_orders AS
SELECT DISTINCT c.channel, substr(r.rec_key, length(c.channel) + 2) AS order_id
FROM stitch_records r JOIN (SELECT DISTINCT channel FROM {{table "raw_order_lines"}} WHERE channel IS NOT NULL) c
	ON starts_with(r.rec_key, c.channel || ':')
WHERE r.rec_table = 'order_lines'
