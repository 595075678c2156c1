{{- /* A core run in the log (arguments: seq, full). */ -}}
INSERT INTO core_change_runs VALUES (?, ?, current_timestamp)
