{{- /* The loads the core tables are now built from, each with its manifest's latest loaded_at (a reload of the same file keeps the load id, not the time). */ -}}
INSERT INTO core_loads SELECT load_id, max(loaded_at) AS loaded_at FROM load_files WHERE status = 'loaded' GROUP BY load_id
