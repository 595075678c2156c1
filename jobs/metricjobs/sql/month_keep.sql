{{- /* The month rows of the base as-of date (.Base) that a month-partitioned mart keeps under the new one (.AsOf): every
month not recomputed (.Months) up to the as-of month, but the rows .Skip selects (or FALSE). Rows without a period (profit's
customer rows) are kept by profit_keep_customers.sql. */ -}}
INSERT INTO {{table .Mart}}
SELECT * REPLACE (CAST({{.AsOf}} AS DATE) AS as_of) FROM {{table .Mart}}
WHERE as_of = CAST({{.Base}} AS DATE) AND period NOT IN ({{.Months}}) AND period <= {{.AsOfPeriod}} AND NOT ({{.Skip}})
