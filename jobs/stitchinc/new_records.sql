{{/* The evidence records with a row in the delta (stitch_delta: one row per record, order and interaction records grouped). */}}
CREATE OR REPLACE TEMP TABLE stitch_records AS SELECT rec_table, rec_key FROM stitch_delta
