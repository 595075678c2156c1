{{- /* Fails when .Table or its column .Column is missing (LIMIT 0 reads nothing), on every engine. */ -}}
SELECT {{.Column}} FROM {{table .Table}} LIMIT 0
