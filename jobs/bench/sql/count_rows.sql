{{- /* The rows of a table; .Table is its quoted name. */ -}}
SELECT count(*) FROM {{.Table}}
