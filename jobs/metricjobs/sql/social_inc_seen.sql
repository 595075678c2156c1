{{- /* The loads social_engagement's state has folded in, with the row counts and load times they had then. */ -}}
SELECT load_id, n, loaded_at FROM {{table "social_loads_seen"}}
