{{- /* Records the loads of raw_social_interactions as folded into the state: social_inc_loads.sql's rows. */ -}}
INSERT INTO {{table "social_loads_seen"}}
SELECT r.load_id, r.n, f.loaded_at FROM (SELECT _load_id AS load_id, count(*) AS n FROM {{table "raw_social_interactions"}} GROUP BY _load_id) r
LEFT JOIN (SELECT load_id, max(loaded_at) AS loaded_at FROM {{table "load_files"}} WHERE status = 'loaded' GROUP BY load_id) f ON f.load_id = r.load_id
