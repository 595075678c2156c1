{{- /* Purchases up to the as-of day (.End: first instant after it; .Purchase: the purchase predicate). */ -}}
SELECT customer_id, order_ts, channel FROM {{table "orders"}} WHERE order_ts < {{.End}} AND {{.Purchase}}
