{{- /* customer_cut_state is written whole: every row is cleared first. */ -}}
DELETE FROM customer_cut_state WHERE true
