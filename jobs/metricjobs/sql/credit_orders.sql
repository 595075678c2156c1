{{- /* channel_credit's orders (the columns of orders.sql with associate_id): only those of the customers whose first
purchase is a store purchase, up to .Days days after it; the model credits nothing else. A purchase is what the model
takes as one: a customer, a net amount above zero, a status that is not cancelled (.Status is NULL), before .End.
.Stores lists the store channels. Every order of those customers in the span is kept (the first day of the window
plus a day of margin for the zone's clock changes), the model still decides which are purchases. */ -}}
WITH p AS (
	SELECT customer_id, order_ts, channel FROM {{table "orders"}}
	WHERE order_ts < {{.End}} AND customer_id IS NOT NULL AND customer_id <> '' AND net_amount > 0 AND {{.Status}} IS NULL
), f AS (
	SELECT customer_id, min(order_ts) AS t0 FROM p GROUP BY customer_id
), r AS (
	SELECT DISTINCT f.customer_id, epoch_us(f.t0) + {{.Days}} * 86400000000 AS hi FROM f JOIN p ON p.customer_id = f.customer_id AND p.order_ts = f.t0
	WHERE p.channel IN ({{.Stores}})
)
SELECT o.channel, o.order_ts, o.customer_id, o.store_id, o.associate_id, {{.Status}} AS status, o.net_amount
FROM {{table "orders"}} o JOIN r ON r.customer_id = o.customer_id
WHERE o.order_ts < {{.End}} AND epoch_us(o.order_ts) < r.hi
