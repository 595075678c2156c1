{{- /* One fingerprint per campaign of the contacts campaign_effect reads for it (a merge changes their customer
ids): a campaign whose print differs from the one stored with the base partition is recomputed. Campaigns are
independent in the model (a customer's contacts count per campaign), so a contacts file for one campaign leaves the
others' rows as they were. */ -}}
SELECT campaign_id, count(*) || ':' || coalesce(CAST(bit_xor(hash(contact_group, contacted_ts, customer_id)) AS VARCHAR), '') AS print
FROM {{table "campaign_contacts"}} WHERE campaign_id IS NOT NULL GROUP BY campaign_id
