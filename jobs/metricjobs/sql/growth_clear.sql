{{- /* Drops the growth contributions (.Table: growth_contrib or growth_customers) of the customers in growth_touched. */ -}}
DELETE FROM {{table .Table}} WHERE customer_id IN (SELECT customer_id FROM {{table "growth_touched"}})
