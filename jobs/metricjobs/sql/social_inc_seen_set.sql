{{- /* Records the loads of raw_social_interactions as folded into the state (social_inc_loads.sql's rows). */ -}}
INSERT INTO {{table "social_loads_seen"}} SELECT _load_id AS load_id, count(*) AS n FROM {{table "raw_social_interactions"}}
GROUP BY _load_id
