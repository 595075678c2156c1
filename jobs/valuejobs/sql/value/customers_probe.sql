{{- /* Fails when customers lacks a column the region lookup reads (LIMIT 0 reads nothing). */ -}}
SELECT customer_id, region FROM customers LIMIT 0
