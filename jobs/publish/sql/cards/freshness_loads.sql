{{- /* The newest load, rows loaded and quarantined per source, over the loaded files. */ -}}
SELECT source, max(loaded_at) AS loaded, sum(rows_loaded) AS rows_loaded, sum(rows_quarantined) AS quarantined
FROM load_files WHERE status = 'loaded' GROUP BY 1 ORDER BY 1
