SELECT r.* EXCLUDE (_load_id, _row) FROM raw_stores r {{template "load_order" .}}{{template "keyed" .}}
		QUALIFY row_number() OVER (PARTITION BY r.store_id ORDER BY {{template "newest_first" .}}) = 1
