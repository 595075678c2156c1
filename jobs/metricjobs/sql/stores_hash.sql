{{- /* A fingerprint of the store attributes sales uses (name, region): a change recomputes every month. */ -}}
SELECT count(*) || ':' || coalesce(CAST(bit_xor(hash(store_id, store_name, region)) AS VARCHAR), '') FROM {{table "stores"}}
