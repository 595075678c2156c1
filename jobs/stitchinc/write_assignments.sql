{{/* The restitched records lose their old assignment (the new ones are loaded after). */}}
DELETE FROM {{table "identity_assignments"}} WHERE (rec_table, rec_key) IN (SELECT rec_table, rec_key FROM stitch_records)
