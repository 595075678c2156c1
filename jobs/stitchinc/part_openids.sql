{{/* The interaction records of stitch_records as (platform, openid), as part_orders.sql. */}}
CREATE OR REPLACE TEMP TABLE stitch_openids AS
SELECT DISTINCT p.platform, substr(r.rec_key, length(p.platform) + 2) AS openid
FROM stitch_records r JOIN (SELECT DISTINCT platform FROM {{table "raw_social_interactions"}} WHERE platform IS NOT NULL) p
	ON starts_with(r.rec_key, p.platform || ':')
WHERE r.rec_table = 'social_interactions'
