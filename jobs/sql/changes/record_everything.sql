{{- /* A full core run's row (argument: seq): every mart may have changed anywhere. */ -}}
INSERT INTO core_changes VALUES (?, true, NULL, NULL)
