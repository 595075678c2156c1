SELECT r.* EXCLUDE (_load_id, _row) FROM {{if .KeyMatch}}(SELECT * FROM raw_stores x SEMI JOIN core_mkeys k ON {{.KeyMatch}}){{else}}raw_stores{{end}} r {{template "load_order" .}}
		QUALIFY row_number() OVER (PARTITION BY r.store_id ORDER BY {{template "newest_first" .}}) = 1
