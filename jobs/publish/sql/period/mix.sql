{{- /* Net sales per month (.Month, in the business zone) of .Orders (orders_region.sql) and channel of [from, to) (arguments: from, to, then the region). */ -}}
SELECT {{.Month}} AS month, channel, sum(net_amount) AS net_sales
FROM {{.Orders}}
WHERE order_ts >= CAST(? AS TIMESTAMPTZ) AND order_ts < CAST(? AS TIMESTAMPTZ) AND {{template "region" .}} GROUP BY 1, 2 ORDER BY 1, 2
