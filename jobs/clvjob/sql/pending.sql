{{- /* What customer_changes holds: the customers to bring up to date, and whether a rebuild of core asked for every one (a NULL row). */ -}}
SELECT count(DISTINCT customer_id) AS customers, count(*) FILTER (WHERE customer_id IS NULL) AS every
FROM {{table "customer_changes"}}
