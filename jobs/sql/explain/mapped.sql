{{- /* The customers of identifiers (.Where: a condition on id_type and id_value with placeholders, byKeys). */ -}}
SELECT id_type, id_value, customer_id FROM {{table "identity_map"}} WHERE {{.Where}}
