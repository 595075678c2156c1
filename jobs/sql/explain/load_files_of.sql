{{- /* The source and file of each load among .Keys (placeholders). */ -}}
SELECT load_id, min(source), min(file) FROM {{table "load_files"}} WHERE load_id IN ({{.Keys}}) GROUP BY load_id
