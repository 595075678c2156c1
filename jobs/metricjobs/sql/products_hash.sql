{{- /* A fingerprint of the product attributes the line metrics use: a change recomputes every month. */ -}}
SELECT count(*) || ':' || coalesce(CAST(bit_xor(hash(sku, category, brand, unit_cost)) AS VARCHAR), '') FROM {{table "products"}}
