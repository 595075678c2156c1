{{- /* campaigns.sql without the campaigns kept (.Copied, a list of ids; empty: none). */ -}}
SELECT campaign_id, campaign_name, channel, start_date, end_date, spend FROM {{table "campaigns"}}
{{if .Copied}}WHERE campaign_id IS NULL OR campaign_id NOT IN ({{.Copied}}){{end}}
