{{- /* The base partition's rows of the campaigns kept (.Copied, a list of ids), under the new as-of date. */ -}}
SELECT * REPLACE (CAST({{.AsOf}} AS DATE) AS as_of) FROM {{table "campaign_effect"}}
WHERE as_of = CAST({{.Base}} AS DATE) AND campaign_id IN ({{.Copied}})
