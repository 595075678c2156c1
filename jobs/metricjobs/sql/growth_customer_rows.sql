{{- /* The golden-record rows (customer_id, region) of the customers in growth_touched. */ -}}
SELECT customer_id, region FROM {{table "customers"}} WHERE customer_id IN (SELECT customer_id FROM {{table "growth_touched"}})
