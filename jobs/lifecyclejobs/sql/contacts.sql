{{- /* Only deliveries reach a customer: control group rows are held out. The channel is the campaign's when the campaigns table exists (.Campaigns). */ -}}
SELECT cc.customer_id, cc.contacted_ts, {{if .Campaigns}}k.channel{{else}}CAST(NULL AS VARCHAR){{end}} AS channel FROM {{table "campaign_contacts"}} cc{{if .Campaigns}} LEFT JOIN {{table "campaigns"}} k ON k.campaign_id = cc.campaign_id{{end}}
WHERE cc.customer_id IS NOT NULL AND cc.contacted_ts < {{.End}} AND lower(coalesce(cc.contact_group, 'target')) <> 'control'
