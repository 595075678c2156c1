{{- /* The customer numbering of purchases.sql: customer_ix, customer_id. */ -}}
{{template "cte" .}}
SELECT customer_ix, customer_id FROM k
