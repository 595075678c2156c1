{{- /* The region lookup without a customers table: no rows. */ -}}
SELECT CAST(NULL AS VARCHAR) AS customer_id, CAST(NULL AS VARCHAR) AS region FROM (SELECT 1) AS x WHERE false
