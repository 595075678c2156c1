SELECT campaign_id, contact_group, contacted_ts, customer_id FROM {{table "campaign_contacts"}}
