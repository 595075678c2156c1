{{/* The largest customer number in the map ("C" + number), which the stitch of the whole map numbers new ids after. */}}
SELECT max(TRY_CAST(substr(customer_id, 2) AS BIGINT)) FROM {{table "identity_map"}}
