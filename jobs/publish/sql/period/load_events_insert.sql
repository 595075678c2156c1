{{- /*
Record the newest .Column of the raw rows in .Table of the loads .IDs, one
row per load and loaded_at (newest NULL when the load has none). The raw
rows are read for these loads only: a load's rows are appended together,
so the engine skips the row groups of the others.
*/ -}}
INSERT INTO publish_load_events (load_id, loaded_at, raw_table, col, newest)
SELECT f.load_id, f.loaded_at, {{.TableName}}, {{.ColName}}, m.newest
FROM (SELECT DISTINCT load_id, loaded_at FROM load_files WHERE status = 'loaded' AND load_id IN ({{range $i, $s := .IDs}}{{if $i}}, {{end}}{{$s}}{{end}})) f
LEFT JOIN (SELECT r._load_id, max(r.{{.Column}}) AS newest FROM {{table .Table}} r
	WHERE r._load_id IN ({{range $i, $s := .IDs}}{{if $i}}, {{end}}{{$s}}{{end}}) GROUP BY 1) m ON m._load_id = f.load_id
