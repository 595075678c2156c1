{{- /* The scratch rows of one customer_state run (the cut's advance, or the changed customers' cut states), cleared before each use. */ -}}
DELETE FROM customer_cut_delta WHERE true
