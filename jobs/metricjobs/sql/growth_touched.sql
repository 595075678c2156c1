{{- /* Fills growth_touched with the customers whose growth contributions a nightly recomputes: those of the orders
core changed after the watermark (.Changed: both sides of a merge, every customer of a re-exported or late order),
those whose golden-record region is not the one their contributions were counted under (.Regions: the customers
table exists; a customer whose row went is compared as NULL), and, when the as-of date moved, those with a purchase
between the two as-of days' ends (.From, .To), which one of the two dates counts and the other does not. */ -}}
INSERT INTO {{table "growth_touched"}}
SELECT customer_id FROM ({{.Changed}}) ch WHERE customer_id IS NOT NULL
{{- if .Regions}}
UNION SELECT g.customer_id
FROM {{table "growth_customers"}} g
LEFT JOIN (SELECT customer_id, min(nullif(region, '')) AS region FROM {{table "customers"}} GROUP BY customer_id) c
	ON c.customer_id = g.customer_id
WHERE c.region IS DISTINCT FROM g.customer_region
{{- end}}
{{- if .Window}}
UNION SELECT customer_id FROM {{table "orders"}}
WHERE customer_id IS NOT NULL AND order_ts >= {{.From}} AND order_ts < {{.To}} AND {{.Purchase}}
{{- end}}
