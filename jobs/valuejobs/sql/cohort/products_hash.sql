{{- /* A fingerprint of the product categories (first_category of every cohort): a change recomputes every customer. */ -}}
SELECT count(*) || ':' || coalesce(CAST(bit_xor(hash(sku, category)) AS VARCHAR), '') FROM {{table "products"}}
