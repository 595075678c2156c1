{{- /* Rows of one source's loaded file whose name ends as given (arguments: source, LIKE pattern). */ -}}
SELECT coalesce(max(rows_read), 0) FROM load_files WHERE source = ? AND status = 'loaded' AND file LIKE ?
