{{- /* The number of customers in growth_touched. */ -}}
SELECT count(*) FROM {{table "growth_touched"}}
