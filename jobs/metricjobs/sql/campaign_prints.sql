{{- /* One fingerprint per campaign of the contacts campaign_effect reads for it (a merge changes their customer
ids): a campaign whose print differs from the one stored with the base partition is recomputed. Campaigns are
independent in the model (a customer's contacts count per campaign), so a contacts file for one campaign leaves the
others' rows as they were. Contacts have no key and equal rows are common (one customer reached by phone and by email at
one send time), so the hashes are summed, not xor-ed: two equal rows would cancel and a merge moving both would leave
the print as it was. */ -}}
SELECT campaign_id, count(*) || ':' || coalesce(CAST(sum(CAST(hash(contact_group, contacted_ts, customer_id) AS HUGEINT)) AS VARCHAR), '') AS print
FROM {{table "campaign_contacts"}} WHERE campaign_id IS NOT NULL GROUP BY campaign_id
