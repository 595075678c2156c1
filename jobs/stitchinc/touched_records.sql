{{/* Every record of the touched customers joins the part of the evidence that is stitched again. */}}
INSERT INTO stitch_records
SELECT a.rec_table, a.rec_key FROM {{table "identity_assignments"}} a
WHERE a.customer_id IN (SELECT customer_id FROM stitch_touched)
	AND NOT EXISTS (SELECT 1 FROM stitch_records r WHERE r.rec_table = a.rec_table AND r.rec_key = a.rec_key)
