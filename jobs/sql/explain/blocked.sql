{{- /* The refusals of identifiers (.Where as in mapped.sql). */ -}}
SELECT * FROM {{table "blocked_identifiers"}} WHERE {{.Where}}
