{{- /* The stitch's fingerprint of the raw tables: it changes whenever a file is loaded. */ -}}
SELECT CAST(count(*) AS VARCHAR), CAST(max(loaded_at) AS VARCHAR) FROM {{table "load_files"}} WHERE status = 'loaded'
