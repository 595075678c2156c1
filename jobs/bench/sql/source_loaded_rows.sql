{{- /* Rows loaded so far from one source's loaded files (argument: source). */ -}}
SELECT coalesce(sum(rows_read), 0) FROM load_files WHERE source = ? AND status = 'loaded'
