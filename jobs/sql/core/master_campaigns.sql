SELECT r.* EXCLUDE (_load_id, _row) FROM raw_campaigns r {{template "load_order" .}}{{template "keyed" .}}
		QUALIFY row_number() OVER (PARTITION BY r.campaign_id ORDER BY {{template "newest_first" .}}) = 1
