{{- /* Files the loader refused, with the reason. */ -}}
SELECT source, file, error FROM load_files WHERE status = 'rejected' ORDER BY source, file
