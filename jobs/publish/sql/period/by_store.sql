{{- /* Receipts, members, net sales and anonymous receipts per store in the report period. */ -}}
SELECT coalesce(store_name, store_id) AS store, region, count(*) AS receipts, count(DISTINCT customer_id) AS members, sum(net_amount) AS net_sales,
	count(CASE WHEN customer_id IS NULL THEN 1 END) AS anonymous_receipts
FROM publish_order_facts WHERE channel = 'pos' AND {{template "cur" .}} AND {{template "region" .}} GROUP BY 1, 2 ORDER BY net_sales DESC, 1
