{{- /* The customers rows (customer_id, region) of the buyers of the months a month-partitioned mart recomputes
(.Ranges on orders.order_ts): the regions of the store-less orders read (month_lines.sql reads whole orders of those
months), without the other customers. */ -}}
SELECT customer_id, region FROM {{table "customers"}}
WHERE customer_id IN (SELECT customer_id FROM {{table "orders"}} WHERE {{.Ranges}})
