{{- /* Keeps the per-campaign contact prints (.Prints, campaign_prints.sql rendered) beside the partition written
with them; written in the transaction of the mart and the watermark. */ -}}
CREATE OR REPLACE TABLE {{table "campaign_contact_prints"}} AS {{.Prints}}
