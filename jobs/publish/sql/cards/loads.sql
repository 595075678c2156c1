{{- /* Files and rows per source, over every load (a warehouse without order lines). */ -}}
SELECT source, count(CASE WHEN status = 'loaded' THEN 1 END) AS files_loaded, count(CASE WHEN status = 'duplicate' THEN 1 END) AS duplicate_files,
	count(CASE WHEN status = 'rejected' THEN 1 END) AS rejected_files, sum(rows_read) AS rows_read, sum(rows_loaded) AS rows_loaded, sum(rows_quarantined) AS rows_quarantined,
	sum(rows_quarantined) / nullif(sum(rows_read), 0) AS quarantine_rate, max(loaded_at) AS last_load
FROM load_files GROUP BY 1 ORDER BY 1
