{{- /* Orders, customers, net sales and sales share per region in the report period, with the comparison period's net sales. */ -}}
SELECT region, count(CASE WHEN {{template "cur" .}} THEN 1 END) AS orders, count(DISTINCT CASE WHEN {{template "cur" .}} THEN customer_id END) AS customers,
	sum(CASE WHEN {{template "cur" .}} THEN net_amount END) AS net_sales, sum(CASE WHEN {{template "cur" .}} THEN net_amount END) / nullif(sum(sum(CASE WHEN {{template "cur" .}} THEN net_amount END)) OVER (), 0) AS sales_share,
	sum(CASE WHEN NOT ({{template "cur" .}}) THEN net_amount END) AS net_sales_{{.PrevCol}}
FROM publish_order_facts WHERE {{template "both" .}} AND {{template "region" .}} GROUP BY 1 ORDER BY net_sales DESC NULLS LAST
