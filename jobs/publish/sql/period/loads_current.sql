{{- /*
Files and rows per source over every load, with the rows core holds as the
current version (.CurrentRows, jobs.CurrentRowsSQL: load_id,
current_rows); rows superseded by a later export of the same order or
master key are loaded but no longer current.
*/ -}}
SELECT f.source, count(CASE WHEN f.status = 'loaded' THEN 1 END) AS files_loaded, count(CASE WHEN f.status = 'duplicate' THEN 1 END) AS duplicate_files,
	count(CASE WHEN f.status = 'rejected' THEN 1 END) AS rejected_files, sum(f.rows_read) AS rows_read, sum(f.rows_loaded) AS rows_loaded, sum(f.rows_quarantined) AS rows_quarantined,
	sum(CASE WHEN f.status = 'loaded' THEN coalesce(c.current_rows, 0) ELSE 0 END) AS rows_current,
	sum(f.rows_loaded) - sum(CASE WHEN f.status = 'loaded' THEN coalesce(c.current_rows, 0) ELSE 0 END) AS rows_superseded,
	sum(f.rows_quarantined) / nullif(sum(f.rows_read), 0) AS quarantine_rate, max(f.loaded_at) AS last_load
FROM load_files f LEFT JOIN ({{.CurrentRows}}) c ON c.load_id = f.load_id GROUP BY 1 ORDER BY 1
