{{- /* Drops the order rows of the as-of date (.AsOf) outside the as-of month (.AsOfPeriod): profit's order rows are
the as-of month's orders, and those kept from a base date in an earlier month are not. */ -}}
DELETE FROM {{table .Mart}} WHERE as_of = CAST({{.AsOf}} AS DATE) AND level = 'order' AND period <> {{.AsOfPeriod}}
