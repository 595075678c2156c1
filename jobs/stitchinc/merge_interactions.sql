{{/* An interaction record of the delta whose account is already evidence spans old and new loads: its first seen and source are the minimums over both (min ignores nulls, and so does least). */}}
UPDATE stitch_delta SET ts = least(stitch_delta.ts, e.ts), source = least(stitch_delta.source, e.source)
FROM {{table "identity_evidence"}} e
WHERE stitch_delta.rec_table = 'social_interactions' AND e.rec_table = 'social_interactions' AND e.rec_key = stitch_delta.rec_key
