{{/* Customers holding an identifier of the delta's records (stitch_keys: their identifiers, normalised by the model). */}}
CREATE OR REPLACE TEMP TABLE stitch_touched AS
SELECT DISTINCT m.customer_id FROM {{table "identity_map"}} m
WHERE EXISTS (SELECT 1 FROM stitch_keys k WHERE k.id_type = m.id_type AND k.id_value = m.id_value)
