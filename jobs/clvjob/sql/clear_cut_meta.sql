{{- /* customer_cut_meta holds one row; it is cleared before the cut is written again. */ -}}
DELETE FROM customer_cut_meta WHERE true
