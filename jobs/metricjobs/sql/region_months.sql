{{- /* The order times of the customers whose region (customers, the golden record) is not the one sales last
used (sales_customer_regions): their store-less orders move between regions in every month they bought. A
customer without a row and one without a region are both region 'unknown'. */ -}}
SELECT DISTINCT o.order_ts FROM {{table "orders"}} o WHERE o.order_ts IS NOT NULL AND o.customer_id IN (
	SELECT coalesce(c.customer_id, s.customer_id)
	FROM (SELECT customer_id, min(region) AS region FROM {{table "customers"}} GROUP BY customer_id) c
	FULL JOIN {{table "sales_customer_regions"}} s ON s.customer_id = c.customer_id
	WHERE coalesce(c.region, '') <> coalesce(s.region, ''))
