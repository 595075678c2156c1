{{- /*
Buying and new customers of both periods (p = 1 report, 2 comparison) with
the shared purchase rule of the growth, cohorts, RFM and CLV marts
(.Purchase, jobs.PurchasePredicate: a $0.00 purchase counts, a return or an
order refunded in full does not): new = first purchase ever in the period.
With a region, the customers counted are those with a purchase in the
region in the period.
*/ -}}
WITH f AS (SELECT customer_id, min(order_ts) AS first_ts FROM orders
		WHERE customer_id IS NOT NULL AND {{.Purchase}} AND order_ts < {{.CurTo}} GROUP BY 1),
	a AS (SELECT DISTINCT CASE WHEN order_ts >= {{.CurFrom}} THEN 1 ELSE 2 END AS p, customer_id FROM publish_order_facts
		WHERE customer_id IS NOT NULL AND {{.Purchase}} AND {{template "both" .}} AND {{template "region" .}})
SELECT a.p, count(*) AS active, count(CASE WHEN f.first_ts >= CASE WHEN a.p = 1 THEN {{.CurFrom}} ELSE {{.PrevFrom}} END THEN 1 END) AS new_customers
FROM a JOIN f ON f.customer_id = a.customer_id GROUP BY 1
