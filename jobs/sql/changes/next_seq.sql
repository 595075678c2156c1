{{- /* The sequence number of the core run starting. */ -}}
SELECT coalesce(max(seq), 0) + 1 FROM core_change_runs
