{{- /* The rows of the mart's base partition (argument: its as-of date). */ -}}
SELECT count(*) FROM {{table .Mart}} WHERE as_of = CAST(? AS DATE)
