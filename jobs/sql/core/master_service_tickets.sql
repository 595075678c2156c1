SELECT r.*, a.customer_id FROM {{if .KeyMatch}}(SELECT * FROM raw_service_tickets x SEMI JOIN core_mkeys k ON {{.KeyMatch}}){{else}}raw_service_tickets{{end}} r
		LEFT JOIN identity_assignments a ON a.rec_table = 'service_tickets' AND a.rec_key = r._load_id || ':' || r._row {{template "load_order" .}}
		QUALIFY row_number() OVER (PARTITION BY r.ticket_id ORDER BY {{template "newest_first" .}}) = 1
