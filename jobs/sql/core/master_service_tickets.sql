SELECT r.*, a.customer_id FROM raw_service_tickets r
		LEFT JOIN identity_assignments a ON a.rec_table = 'service_tickets' AND a.rec_key = r._load_id || ':' || r._row {{template "load_order" .}}{{template "keyed" .}}
		QUALIFY row_number() OVER (PARTITION BY r.ticket_id ORDER BY {{template "newest_first" .}}) = 1
