{{- /* The changed customers' cut states are made again: their rows go first. */ -}}
DELETE FROM customer_cut_state WHERE customer_id IN (SELECT customer_id FROM customer_changes)
