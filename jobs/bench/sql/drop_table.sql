{{- /* Drops a table the bench made; .Table is its quoted name. */ -}}
DROP TABLE IF EXISTS {{.Table}}
