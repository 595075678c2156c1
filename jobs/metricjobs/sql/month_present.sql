{{- /* The months of the as-of date's partition that have their per-month row (.MonthRow). */ -}}
SELECT DISTINCT period FROM {{table .Mart}} WHERE as_of = CAST({{.AsOf}} AS DATE) AND {{.MonthRow}}
