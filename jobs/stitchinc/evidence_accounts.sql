{{- /* Evidence of social accounts: one record per row. With .Part, only the rows listed in stitch_records. With .Loads, only the rows of the loads in stitch_new_loads, within the rowids .Lo to .Hi (delta_rows.sql). */ -}}
{{if .Part}}SELECT e.* FROM ({{end}}WITH lf AS (SELECT load_id, min(source) AS source FROM {{table "load_files"}} GROUP BY load_id)
SELECT r._load_id || ':' || r._row AS rec_key, coalesce(r.followed_ts, r.unfollowed_ts) AS ts,
	lf.source, r.platform AS channel, r.phone, r.openid, r.unionid, r.nickname AS name
FROM {{table "raw_social_accounts"}} r LEFT JOIN lf ON lf.load_id = r._load_id
{{- if .Loads}} WHERE r.rowid BETWEEN {{.Lo}} AND {{.Hi}} AND r._load_id IN (SELECT load_id FROM stitch_new_loads){{end}}
{{- if .Part}}) e WHERE e.rec_key IN (SELECT rec_key FROM stitch_records WHERE rec_table = 'social_accounts'){{end}}
