{{- /* The customer_order_state rows about to be written again: with .Changed those of the customers in customer_changes, else every row. */ -}}
{{if .Changed -}}
DELETE FROM customer_order_state WHERE customer_id IN (SELECT customer_id FROM customer_changes)
{{- else -}}
DELETE FROM customer_order_state WHERE true
{{- end}}
