{{/* The evidence records with a row in the delta, keyed as the evidence queries key them (jobs/stitch.go). */}}
CREATE OR REPLACE TEMP TABLE stitch_records AS
SELECT DISTINCT 'order_lines' AS rec_table, channel || ':' || order_id AS rec_key FROM {{table "raw_order_lines"}}
	WHERE _load_id IN (SELECT load_id FROM stitch_new_loads)
UNION ALL SELECT 'social_accounts', _load_id || ':' || _row FROM {{table "raw_social_accounts"}}
	WHERE _load_id IN (SELECT load_id FROM stitch_new_loads)
UNION ALL SELECT DISTINCT 'social_interactions', platform || ':' || openid FROM {{table "raw_social_interactions"}}
	WHERE _load_id IN (SELECT load_id FROM stitch_new_loads) AND platform IS NOT NULL AND openid IS NOT NULL AND openid <> ''
UNION ALL SELECT 'campaign_contacts', _load_id || ':' || _row FROM {{table "raw_campaign_contacts"}}
	WHERE _load_id IN (SELECT load_id FROM stitch_new_loads)
UNION ALL SELECT 'service_tickets', _load_id || ':' || _row FROM {{table "raw_service_tickets"}}
	WHERE _load_id IN (SELECT load_id FROM stitch_new_loads)
