{{- /* One row per purchase: customer_ix, order_ts, net_amount. */ -}}
{{template "cte" .}}
SELECT k.customer_ix, p.order_ts, p.net_amount FROM p JOIN k ON k.customer_id = p.customer_id
