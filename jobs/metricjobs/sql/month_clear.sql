{{- /* Clears the rows of the as-of date (.AsOf) that are recomputed: every row when the base is another date
(.All), else the months recomputed and any month after the as-of month, and the rows .Also selects. */ -}}
DELETE FROM {{table .Mart}} WHERE as_of = CAST({{.AsOf}} AS DATE)
{{- if not .All}} AND (period IN ({{.Months}}) OR period > {{.AsOfPeriod}} OR {{.Also}}){{end}}
