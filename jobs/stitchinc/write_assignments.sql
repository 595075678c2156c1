{{/* The restitched records lose their old assignment (the new ones are loaded after). */}}
DELETE FROM {{table "identity_assignments"}} WHERE EXISTS (SELECT 1 FROM stitch_records r
	WHERE r.rec_table = {{table "identity_assignments"}}.rec_table AND r.rec_key = {{table "identity_assignments"}}.rec_key)
