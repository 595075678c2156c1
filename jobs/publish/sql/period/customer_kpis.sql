{{- /*
Buying and new customers of both periods (p = 1 report, 2 comparison) with
the shared purchase rule of the growth, cohorts, RFM and CLV marts
(.Purchase, jobs.PurchasePredicate: a $0.00 purchase counts, a return or an
order refunded in full does not): new = first purchase ever in the period.
With a region, the customers counted are those with a purchase in the
region in the period. With .FirstDays the first purchase is customer_state's
first_day (firsts.go says when that is the same), compared with the
periods' first days .CurDay and .PrevDay (string literals).
*/ -}}
WITH f AS (
	{{- if .FirstDays -}}
		SELECT customer_id, first_day FROM customer_state
	{{- else -}}
		SELECT customer_id, min(order_ts) AS first_ts FROM orders
		WHERE customer_id IS NOT NULL AND {{.Purchase}} AND order_ts < {{.CurTo}} GROUP BY 1
	{{- end}}),
	a AS (SELECT DISTINCT CASE WHEN order_ts >= {{.CurFrom}} THEN 1 ELSE 2 END AS p, customer_id FROM publish_order_facts
		WHERE customer_id IS NOT NULL AND {{.Purchase}} AND {{template "both" .}} AND {{template "region" .}})
SELECT a.p, count(*) AS active,
	{{- if .FirstDays}} count(CASE WHEN f.first_day >= CASE WHEN a.p = 1 THEN CAST({{.CurDay}} AS DATE) ELSE CAST({{.PrevDay}} AS DATE) END THEN 1 END) AS new_customers
	{{- else}} count(CASE WHEN f.first_ts >= CASE WHEN a.p = 1 THEN {{.CurFrom}} ELSE {{.PrevFrom}} END THEN 1 END) AS new_customers{{end}}
FROM a JOIN f ON f.customer_id = a.customer_id GROUP BY 1
