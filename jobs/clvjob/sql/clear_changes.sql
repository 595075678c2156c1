{{- /* The changes customer_state has taken in, cleared once it is written. */ -}}
DELETE FROM customer_changes WHERE true
