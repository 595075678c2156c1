{{- /* The customers customer_changes lists (a NULL row, every customer, makes the state job rebuild instead). */ -}}
SELECT DISTINCT customer_id FROM {{table "customer_changes"}} WHERE customer_id IS NOT NULL
