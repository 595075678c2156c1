{{/* Every record of the touched customers joins the part of the evidence that is stitched again. */}}
INSERT INTO stitch_records
SELECT a.rec_table, a.rec_key FROM {{table "identity_assignments"}} a
WHERE a.customer_id IN (SELECT customer_id FROM stitch_touched)
EXCEPT SELECT rec_table, rec_key FROM stitch_records
