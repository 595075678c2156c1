{{- /* customer_state_meta holds one row; it is cleared before the settings are written again. */ -}}
DELETE FROM customer_state_meta WHERE true
