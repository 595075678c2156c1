{{- /* Only deliveries reach a customer: control group rows are held out. The channel is the campaign's when the campaigns
table exists (.Campaigns). With .Cut (the start of the earliest aware window of both dates; see orders.sql) the deliveries before it are reduced to each customer's latest
second, as the interactions are. campaign_contacts is a view over a join (core): cc reads it once. */ -}}
WITH cc AS MATERIALIZED (
	SELECT cc.customer_id, cc.contacted_ts, {{if .Campaigns}}k.channel{{else}}CAST(NULL AS VARCHAR){{end}} AS channel FROM {{table "campaign_contacts"}} cc{{if .Campaigns}} LEFT JOIN {{table "campaigns"}} k ON k.campaign_id = cc.campaign_id{{end}}
	WHERE cc.customer_id IS NOT NULL AND cc.contacted_ts < {{.End}} AND lower(coalesce(cc.contact_group, 'target')) <> 'control'
)
{{- if .Cut}}, old AS (
	SELECT customer_id, epoch_us(max(contacted_ts)) - 1000000 AS from_us FROM cc WHERE contacted_ts < {{.Cut}} GROUP BY customer_id
)
SELECT customer_id, contacted_ts, channel FROM cc WHERE contacted_ts >= {{.Cut}}
UNION ALL
SELECT cc.customer_id, cc.contacted_ts, cc.channel FROM cc JOIN old ON old.customer_id = cc.customer_id
WHERE cc.contacted_ts < {{.Cut}} AND epoch_us(cc.contacted_ts) > old.from_us
{{- else}}
SELECT customer_id, contacted_ts, channel FROM cc
{{- end}}
