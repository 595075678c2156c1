{{- /* The customers whose cohort contributions (cohort_members, cohort_activity) are recomputed: those core touched
since the watermark (.Changed), those whose golden-record region is not the one recorded (.Regions: the customers
table exists), and, when the as-of date moved, those with a purchase between the two as-of days' ends (.From,
.To). */ -}}
INSERT INTO {{table "cohort_touched"}}
SELECT customer_id FROM ({{.Changed}}) ch
{{- if .Regions}}
UNION SELECT coalesce(c.customer_id, m.customer_id)
FROM (SELECT customer_id, min(region) AS region FROM {{table "customers"}} GROUP BY customer_id) c
JOIN {{table "cohort_members"}} m ON m.customer_id = c.customer_id
WHERE c.region IS DISTINCT FROM m.region
{{- end}}
{{- if .Window}}
UNION SELECT customer_id FROM {{table "orders"}}
WHERE customer_id IS NOT NULL AND order_ts >= {{.From}} AND order_ts < {{.To}} AND {{.Purchase}}
{{- end}}
