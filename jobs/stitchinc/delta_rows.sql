{{/* The rowid range of each raw table's rows of the loads in stitch_new_loads (null when none): a load is appended in one piece after the rows there were when the graph was last written, so the evidence queries of the delta (.Loads) scan only the row groups in the range; the _load_id filter beside it keeps them exact wherever the rows are. Each scan reads _load_id alone. */}}
SELECT 'order_lines', min(rowid), max(rowid) FROM {{table "raw_order_lines"}} WHERE _load_id IN (SELECT load_id FROM stitch_new_loads)
UNION ALL SELECT 'social_accounts', min(rowid), max(rowid) FROM {{table "raw_social_accounts"}} WHERE _load_id IN (SELECT load_id FROM stitch_new_loads)
UNION ALL SELECT 'social_interactions', min(rowid), max(rowid) FROM {{table "raw_social_interactions"}} WHERE _load_id IN (SELECT load_id FROM stitch_new_loads)
UNION ALL SELECT 'campaign_contacts', min(rowid), max(rowid) FROM {{table "raw_campaign_contacts"}} WHERE _load_id IN (SELECT load_id FROM stitch_new_loads)
UNION ALL SELECT 'service_tickets', min(rowid), max(rowid) FROM {{table "raw_service_tickets"}} WHERE _load_id IN (SELECT load_id FROM stitch_new_loads)
