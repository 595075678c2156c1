{{- /* The region lookup: min() keeps one row per customer should the table ever repeat one. */ -}}
SELECT customer_id, min(region) AS region FROM customers GROUP BY customer_id
