{{- /* Purchases up to the as-of day (.End: first instant after it; .Purchase: the purchase predicate). With .Cut (the
start of the earliest purchase window of both dates) the purchases before it are reduced to each customer's
latest second: the model uses them only for "bought before the window" and for the channel of the latest purchase
(ties within one second go to the greater channel name, so the whole second is kept; a row up to one second older
is kept too and changes neither). Anonymous receipts before .Cut only ever count in a window, so they are left out. */ -}}
{{- if .Cut -}}
WITH old AS (
	SELECT customer_id, epoch_us(max(order_ts)) - 1000000 AS from_us FROM {{table "orders"}}
	WHERE order_ts < {{.Cut}} AND customer_id IS NOT NULL AND customer_id <> '' AND {{.Purchase}}
	GROUP BY customer_id
)
SELECT customer_id, order_ts, channel FROM {{table "orders"}} WHERE order_ts < {{.End}} AND order_ts >= {{.Cut}} AND {{.Purchase}}
UNION ALL
SELECT o.customer_id, o.order_ts, o.channel FROM {{table "orders"}} o JOIN old ON old.customer_id = o.customer_id
WHERE o.order_ts < {{.Cut}} AND epoch_us(o.order_ts) > old.from_us AND {{.Purchase}}
{{- else -}}
SELECT customer_id, order_ts, channel FROM {{table "orders"}} WHERE order_ts < {{.End}} AND {{.Purchase}}
{{- end}}
