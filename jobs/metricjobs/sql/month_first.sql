{{- /* The time of the earliest order line the metrics count (dated, before the end of the as-of day, not
cancelled): the month of the earliest order, from which the month rows of sales and profit start. */ -}}
SELECT min(order_ts) FROM {{table "kept_order_lines"}} WHERE order_ts < {{.End}} AND {{.Status}} IS NULL
