{{- /* Rows loaded, read and quarantined of a source's loaded files (argument: source). */ -}}
SELECT sum(rows_loaded), sum(rows_read), sum(rows_quarantined) FROM load_files WHERE source = ? AND status = 'loaded'
