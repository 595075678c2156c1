{{/* The prior map of the touched customers only. */}}
SELECT id_type, id_value, customer_id, first_seen, last_seen FROM {{table "identity_map"}}
WHERE customer_id IN (SELECT customer_id FROM stitch_touched)
