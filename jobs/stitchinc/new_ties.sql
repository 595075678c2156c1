{{/* Accounts of the delta that tie an openid already in the graph to a unionid (the cap then counts the openid as that unionid). */}}
SELECT count(*) FROM stitch_delta r
WHERE r.rec_table = 'social_accounts' AND trim(r.unionid) <> '' AND trim(r.openid) <> ''
	AND EXISTS (SELECT 1 FROM {{table "identity_map"}} m WHERE m.id_type = 'openid' AND m.id_value = trim(r.openid) AND m.records > 0)
