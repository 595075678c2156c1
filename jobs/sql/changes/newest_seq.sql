{{- /* The newest sequence number of the log (0 when empty). */ -}}
SELECT coalesce(max(seq), 0) FROM core_change_runs
