{{/* The delta's interaction records replace the ones they were merged with (merge_interactions.sql); every other record of the delta is new. */}}
DELETE FROM {{table "identity_evidence"}}
WHERE rec_table = 'social_interactions' AND rec_key IN (SELECT rec_key FROM stitch_delta WHERE rec_table = 'social_interactions')
