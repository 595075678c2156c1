{{- /* Drops the contributions of the customers in cohort_touched from {{.Table}}. */ -}}
DELETE FROM {{table .Table}} WHERE customer_id IN (SELECT customer_id FROM {{table "cohort_touched"}})
