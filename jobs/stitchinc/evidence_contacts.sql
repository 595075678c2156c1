{{- /* Evidence of campaign contacts: one record per row; (identifier_type, identifier) is passed as written to the untyped identifier column (identity.Stitch resolves the type's aliases and classifies untyped values, identity.Classify). With .Part, only the rows listed in stitch_records. With .Loads, only the rows of the loads in stitch_new_loads, within the rowids .Lo to .Hi (delta_rows.sql). */ -}}
{{if .Part}}SELECT e.* FROM ({{end}}WITH lf AS (SELECT load_id, min(source) AS source FROM {{table "load_files"}} GROUP BY load_id)
SELECT r._load_id || ':' || r._row AS rec_key, r.contacted_ts AS ts, lf.source, identifier_type, identifier
FROM {{table "raw_campaign_contacts"}} r LEFT JOIN lf ON lf.load_id = r._load_id
{{- if .Loads}} WHERE r.rowid BETWEEN {{.Lo}} AND {{.Hi}} AND r._load_id IN (SELECT load_id FROM stitch_new_loads){{end}}
{{- if .Part}}) e WHERE e.rec_key IN (SELECT rec_key FROM stitch_records WHERE rec_table = 'campaign_contacts'){{end}}
