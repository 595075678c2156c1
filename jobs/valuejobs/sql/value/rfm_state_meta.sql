{{- /* What customer_state was built with, its newest purchase day and the changes of core it has yet to take in. */ -}}
SELECT m.min_amount, m.zone, (SELECT max(last_day) FROM customer_state), (SELECT count(*) FROM customer_changes)
FROM customer_state_meta m
