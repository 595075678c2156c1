{{- /* A fingerprint of the campaigns campaign_effect reads: a change recomputes every campaign. */ -}}
SELECT count(*) || ':' || coalesce(CAST(bit_xor(hash(campaign_id, campaign_name, channel, start_date, end_date, spend)) AS VARCHAR), '')
FROM {{table "campaigns"}}
