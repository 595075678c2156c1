{{- /* The loads the core tables are now built from. */ -}}
INSERT INTO core_loads SELECT DISTINCT load_id FROM load_files WHERE status = 'loaded'
