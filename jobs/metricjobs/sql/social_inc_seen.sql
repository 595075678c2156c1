{{- /* The loads social_engagement's state has folded in, with the row counts they had then. */ -}}
SELECT load_id, n FROM {{table "social_loads_seen"}}
