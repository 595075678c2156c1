{{/* Accounts of the delta that tie an openid already in the graph to a unionid (the cap then counts the openid as that unionid). */}}
SELECT count(*) FROM {{table "raw_social_accounts"}} r
WHERE r._load_id IN (SELECT load_id FROM stitch_new_loads)
	AND trim(r.unionid) <> '' AND trim(r.openid) <> ''
	AND EXISTS (SELECT 1 FROM {{table "identity_map"}} m WHERE m.id_type = 'openid' AND m.id_value = trim(r.openid) AND m.records > 0)
