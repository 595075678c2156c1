{{- /* The rows of the base as-of date (.Base) that a month-partitioned mart keeps under the new one (.AsOf): every
month not recomputed (.Months) up to the as-of month; .Keep adds the rows of another kind to keep (or FALSE). */ -}}
INSERT INTO {{table .Mart}}
SELECT * REPLACE (CAST({{.AsOf}} AS DATE) AS as_of) FROM {{table .Mart}}
WHERE as_of = CAST({{.Base}} AS DATE) AND (period NOT IN ({{.Months}}) AND period <= {{.AsOfPeriod}} OR {{.Keep}})
