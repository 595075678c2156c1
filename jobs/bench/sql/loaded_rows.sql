{{- /* Rows loaded so far from every source's loaded files. */ -}}
SELECT coalesce(sum(rows_read), 0) FROM load_files WHERE status = 'loaded'
