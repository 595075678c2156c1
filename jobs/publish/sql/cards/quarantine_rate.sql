{{- /* Rows quarantined as a share of the rows read, over every loaded file. */ -}}
SELECT sum(rows_quarantined) / nullif(sum(rows_read), 0) FROM load_files WHERE status = 'loaded'
