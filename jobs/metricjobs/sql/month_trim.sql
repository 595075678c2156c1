{{- /* Drops the month rows before the first month with an order (.First): a month emptied by a re-export or a
merge that was the first. */ -}}
DELETE FROM {{table .Mart}} WHERE as_of = CAST({{.AsOf}} AS DATE) AND period < {{.First}}
