{{- /* contacts.sql without the contacts of the campaigns kept (.Copied, a list of ids; empty: none). */ -}}
SELECT campaign_id, contact_group, contacted_ts, customer_id FROM {{table "campaign_contacts"}}
{{if .Copied}}WHERE campaign_id IS NULL OR campaign_id NOT IN ({{.Copied}}){{end}}
