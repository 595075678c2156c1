{{- /* A fingerprint of the contacts campaign_effect reads (their customer ids change with a merge): a change
recomputes every campaign. */ -}}
SELECT count(*) || ':' || coalesce(CAST(bit_xor(hash(campaign_id, contact_group, contacted_ts, customer_id)) AS VARCHAR), '')
FROM {{table "campaign_contacts"}}
