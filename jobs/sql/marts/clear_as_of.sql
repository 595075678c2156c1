{{- /* A dated mart's rows of one as-of date (one placeholder), removed before they are written again; .Table is the mart. */ -}}
DELETE FROM {{.Table}} WHERE as_of = CAST(? AS DATE)
