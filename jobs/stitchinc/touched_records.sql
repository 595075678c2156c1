{{/* Every record of the touched customers joins the part of the evidence that is stitched again. A key the delta has already (a record it grows) is listed twice: every reader of stitch_records uses it as a set (IN, DISTINCT), so no EXCEPT pays for a distinct over the part. */}}
INSERT INTO stitch_records
SELECT a.rec_table, a.rec_key FROM {{table "identity_assignments"}} a
WHERE a.customer_id IN (SELECT customer_id FROM stitch_touched)
