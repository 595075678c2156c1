SELECT r.*, a.customer_id FROM {{if .KeyMatch}}(SELECT * FROM raw_social_accounts x SEMI JOIN core_mkeys k ON {{.KeyMatch}}){{else}}raw_social_accounts{{end}} r
		LEFT JOIN identity_assignments a ON a.rec_table = 'social_accounts' AND a.rec_key = r._load_id || ':' || r._row {{template "load_order" .}}
		QUALIFY row_number() OVER (PARTITION BY r.platform, r.openid ORDER BY {{template "newest_first" .}}) = 1
