{{- /* A full core run makes every earlier change moot. */ -}}
DELETE FROM core_changes WHERE true
