{{/* The touched customers' identifiers (ghosts included) leave the map; the part's map replaces them. */}}
DELETE FROM {{table "identity_map"}} WHERE customer_id IN (SELECT customer_id FROM stitch_touched)
