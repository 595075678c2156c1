{{- /* The region, RFM tier and lifecycle stages now (as of .Day) of the customers the state counts and of the
customers accounts move to, each 'unknown' when absent or empty (or when the warehouse has no customers, rfm or
lifecycle_stage table: .Customers, .RFM, .Stages). The customers table and the as-of rows of rfm and lifecycle_stage
have one row per customer. */ -}}
CREATE OR REPLACE TEMP TABLE social_c AS
WITH u AS (
	SELECT customer_id FROM {{table "social_cust"}} UNION SELECT new FROM social_r WHERE new IS NOT NULL
)
SELECT u.customer_id,
	{{if .Customers}}coalesce(nullif(c.region, ''), 'unknown'){{else}}'unknown'{{end}} AS region,
	{{if .RFM}}coalesce(nullif(t.tier, ''), 'unknown'){{else}}'unknown'{{end}} AS tier,
	{{if .Stages}}coalesce(nullif(s.aipl_stage, ''), 'unknown'){{else}}'unknown'{{end}} AS aipl,
	{{if .Stages}}coalesce(nullif(s.pyramid_stage, ''), 'unknown'){{else}}'unknown'{{end}} AS pyr
FROM u
{{- if .Customers}}
LEFT JOIN {{table "customers"}} c ON c.customer_id = u.customer_id
{{- end}}
{{- if .RFM}}
LEFT JOIN (SELECT customer_id, tier FROM {{table "rfm"}} WHERE as_of = CAST({{.Day}} AS DATE)) t ON t.customer_id = u.customer_id
{{- end}}
{{- if .Stages}}
LEFT JOIN (SELECT customer_id, aipl_stage, pyramid_stage FROM {{table "lifecycle_stage"}} WHERE as_of = CAST({{.Day}} AS DATE)) s
	ON s.customer_id = u.customer_id
{{- end}}
