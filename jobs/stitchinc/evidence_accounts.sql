{{- /* Evidence of social accounts: one record per row. With .Loads, only the rows of the loads in stitch_new_loads. */ -}}
WITH lf AS (SELECT load_id, min(source) AS source FROM {{table "load_files"}} GROUP BY load_id)
SELECT r._load_id || ':' || r._row AS rec_key, coalesce(r.followed_ts, r.unfollowed_ts) AS ts,
	lf.source, r.platform AS channel, r.phone, r.openid, r.unionid, r.nickname AS name
FROM {{table "raw_social_accounts"}} r LEFT JOIN lf ON lf.load_id = r._load_id
{{- if .Loads}} WHERE r._load_id IN (SELECT load_id FROM stitch_new_loads){{end}}
