{{- /* Evidence of campaign contacts: one record per row; (identifier_type, identifier) is passed as written to the untyped identifier column (identity.Stitch resolves the type's aliases and classifies untyped values, identity.Classify). With .Loads, only the rows of the loads in stitch_new_loads. */ -}}
WITH lf AS (SELECT load_id, min(source) AS source FROM {{table "load_files"}} GROUP BY load_id)
SELECT r._load_id || ':' || r._row AS rec_key, r.contacted_ts AS ts, lf.source, identifier_type, identifier
FROM {{table "raw_campaign_contacts"}} r LEFT JOIN lf ON lf.load_id = r._load_id
{{- if .Loads}} WHERE r._load_id IN (SELECT load_id FROM stitch_new_loads){{end}}
