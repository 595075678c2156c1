{{- /* Evidence of social interactions: one record per (platform, openid), first seen at the earliest interaction; an interaction carries nothing but its account's openid, and one without an openid stays anonymous. With .Loads, only the interactions of the loads in stitch_new_loads (the delta's part of each record: ts and source are minimums, merged with the record kept in identity_evidence by merge_interactions.sql). */ -}}
WITH lf AS (SELECT load_id, min(source) AS source FROM {{table "load_files"}} GROUP BY load_id)
SELECT r.platform || ':' || r.openid AS rec_key, min(r.ts) AS ts, min(lf.source) AS source,
	r.platform AS channel, r.openid
FROM {{table "raw_social_interactions"}} r LEFT JOIN lf ON lf.load_id = r._load_id
WHERE r.platform IS NOT NULL AND r.openid IS NOT NULL AND r.openid <> ''
{{- if .Loads}} AND r._load_id IN (SELECT load_id FROM stitch_new_loads){{end}}
GROUP BY r.platform, r.openid
