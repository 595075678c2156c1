{{/* Orders of the delta that are already evidence records (identity_assignments has a row for every keyed order of the covered loads): exported again, their identifiers may have changed (an identifier may lose a record). An order without a channel or id has no record key and rebuilds (count_keyless.sql). */}}
SELECT count(*) FROM stitch_delta d
WHERE d.rec_table = 'order_lines' AND d.rec_key IN (SELECT rec_key FROM {{table "identity_assignments"}} WHERE rec_table = 'order_lines')
