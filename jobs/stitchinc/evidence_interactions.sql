{{- /* Evidence of social interactions: one record per (platform, openid), first seen at the earliest interaction; an interaction carries nothing but its account's openid, and one without an openid stays anonymous. With .Part, only the accounts listed in stitch_openids (part_openids.sql), before the rows are grouped. With .Loads, only the interactions of the loads in stitch_new_loads, within the rowids .Lo to .Hi (delta_rows.sql): ts and source are then the delta's own (the part reads the whole record). */ -}}
WITH lf AS (SELECT load_id, min(source) AS source FROM {{table "load_files"}} GROUP BY load_id)
SELECT r.platform || ':' || r.openid AS rec_key, min(r.ts) AS ts, min(lf.source) AS source,
	r.platform AS channel, r.openid
FROM {{table "raw_social_interactions"}} r LEFT JOIN lf ON lf.load_id = r._load_id
WHERE r.platform IS NOT NULL AND r.openid IS NOT NULL AND r.openid <> ''
{{- if .Part}} AND (r.platform, r.openid) IN (SELECT platform, openid FROM stitch_openids){{end}}
{{- if .Loads}} AND r.rowid BETWEEN {{.Lo}} AND {{.Hi}} AND r._load_id IN (SELECT load_id FROM stitch_new_loads){{end}}
GROUP BY r.platform, r.openid
