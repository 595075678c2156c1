{{- /* The first and last order time: the months the revenue table spans. */ -}}
SELECT min(order_ts), max(order_ts) FROM {{table "orders"}}
