SELECT r.* EXCLUDE (_load_id, _row) FROM {{if .KeyMatch}}(SELECT * FROM raw_products x SEMI JOIN core_mkeys k ON {{.KeyMatch}}){{else}}raw_products{{end}} r {{template "load_order" .}}
		QUALIFY row_number() OVER (PARTITION BY r.sku ORDER BY {{template "newest_first" .}}) = 1
