{{- /* The orders up to the as-of day; .Associate adds associate_id (channel_credit only). purchase is the shared
purchase rule (jobs.PurchasePredicate), which growth counts by; the other readers ignore it. */ -}}
SELECT channel, order_ts, customer_id, store_id,{{if .Associate}} associate_id,{{end}} {{.Status}} AS status, net_amount, {{.Purchase}} AS purchase FROM {{table "orders"}} WHERE order_ts < {{.End}}
