{{- /* The loads of raw_social_interactions with their row counts (every row, whatever its time) and their manifest's
latest loaded_at: social_engagement's incremental state has folded the loads of social_loads_seen in, and refolds
everything when one of those has gone, changed size or been loaded again (crmkit reload keeps the load id, which hashes
the file's content, while a fixed config may read other rows from it). */ -}}
SELECT r.load_id, r.n, f.loaded_at FROM (SELECT _load_id AS load_id, count(*) AS n FROM {{table "raw_social_interactions"}} GROUP BY _load_id) r
LEFT JOIN (SELECT load_id, max(loaded_at) AS loaded_at FROM {{table "load_files"}} WHERE status = 'loaded' GROUP BY load_id) f ON f.load_id = r.load_id
