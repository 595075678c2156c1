{{- /*
The period KPIs over the order facts (definitions.go) for the report
period (p = 1) and the comparison period (p = 2), restricted to the region,
in one scan; each scorecard shows the ones it lists.
*/ -}}
SELECT CASE WHEN order_ts >= {{.CurFrom}} THEN 1 ELSE 2 END AS p,
	sum(net_amount) AS net_sales,
	count(*) AS orders,
	sum(CASE WHEN channel = 'pos' THEN net_amount END) AS store_sales,
	sum(CASE WHEN channel <> 'pos' THEN net_amount END) AS online_sales,
	sum(refund_amount) / nullif(sum(paid_amount), 0) AS refund_rate
FROM publish_order_facts WHERE {{template "both" .}} AND {{template "region" .}} GROUP BY 1
