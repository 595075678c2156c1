{{- /* The newest order time, for the default as-of date. */ -}}
SELECT max(order_ts) AS newest FROM {{table "orders"}}
