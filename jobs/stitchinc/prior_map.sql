{{- /* The previous identity map: customer ids are kept across runs from it. */ -}}
SELECT id_type, id_value, customer_id FROM {{table "identity_map"}}
