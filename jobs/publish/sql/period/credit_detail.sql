{{- /* Credit per store and associate of one month, newest run on or before a day (arguments: the day, the month, the region when .Region). */ -}}
SELECT level, store_id, store_name, region, associate_id, recruited_customers, online_buyers, online_orders, online_revenue
FROM channel_credit WHERE as_of = (SELECT max(as_of) FROM channel_credit WHERE as_of <= CAST(? AS DATE)) AND period = ? AND {{template "region" .}}
ORDER BY online_revenue DESC NULLS LAST, store_id, associate_id
