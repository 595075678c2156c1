SELECT r.* EXCLUDE (_load_id, _row) FROM raw_products r {{template "load_order" .}}{{template "keyed" .}}
		QUALIFY row_number() OVER (PARTITION BY r.sku ORDER BY {{template "newest_first" .}}) = 1
