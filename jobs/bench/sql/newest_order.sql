{{- /* The newest order's time. */ -}}
SELECT max(order_ts) FROM orders
