{{- /* The customers of core_rows (order_rows.sql) have changed. */ -}}
INSERT INTO customer_changes SELECT DISTINCT customer_id FROM core_rows WHERE customer_id IS NOT NULL
