{{- /* The loads of raw_social_interactions with their row counts (every row, whatever its time): social_engagement's
incremental state has folded the loads of social_loads_seen in, and refolds everything when one of those has gone or
changed size. */ -}}
SELECT _load_id AS load_id, count(*) AS n FROM {{table "raw_social_interactions"}} GROUP BY _load_id
