{{- /* Evidence of service tickets: one record per row, identifiers as evidence_contacts.sql passes them. With .Loads, only the rows of the loads in stitch_new_loads. */ -}}
WITH lf AS (SELECT load_id, min(source) AS source FROM {{table "load_files"}} GROUP BY load_id)
SELECT r._load_id || ':' || r._row AS rec_key, r.opened_ts AS ts, lf.source, identifier_type, identifier
FROM {{table "raw_service_tickets"}} r LEFT JOIN lf ON lf.load_id = r._load_id
{{- if .Loads}} WHERE r._load_id IN (SELECT load_id FROM stitch_new_loads){{end}}
