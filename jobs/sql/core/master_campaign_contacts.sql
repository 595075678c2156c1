SELECT r.*, a.customer_id FROM raw_campaign_contacts r
		LEFT JOIN identity_assignments a ON a.rec_table = 'campaign_contacts' AND a.rec_key = r._load_id || ':' || r._row
