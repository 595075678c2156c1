{{- /* The customers' regions sales used (sales_customer_regions is made from it). */ -}}
SELECT customer_id, min(region) AS region FROM {{table "customers"}} GROUP BY customer_id
