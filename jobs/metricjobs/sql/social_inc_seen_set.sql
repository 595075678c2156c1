{{- /* Records the loads of raw_social_interactions as folded into the state: social_inc_loads.sql's rows. */ -}}
INSERT INTO {{table "social_loads_seen"}} {{template "social_inc_loads" .}}
