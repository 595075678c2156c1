{{- /* Credited online sales of the stores per period, newest run on or before a day (arguments: the day, the two months, the region when .Region). */ -}}
SELECT period, count(DISTINCT store_id) AS stores, sum(online_buyers) AS online_buyers, sum(online_orders) AS online_orders, sum(online_revenue) AS online_revenue
FROM channel_credit WHERE as_of = (SELECT max(as_of) FROM channel_credit WHERE as_of <= CAST(? AS DATE)) AND level = 'store' AND period IN (?, ?) AND {{template "region" .}}
GROUP BY 1 ORDER BY 1 DESC
