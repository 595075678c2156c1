{{- /* The orders up to the as-of day; .Associate adds associate_id (channel_credit only). */ -}}
SELECT channel, order_ts, customer_id, store_id,{{if .Associate}} associate_id,{{end}} {{.Status}} AS status, net_amount FROM {{table "orders"}} WHERE order_ts < {{.End}}
