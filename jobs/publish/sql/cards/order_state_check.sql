{{- /* How many changes of core customer_order_state has not taken in yet, and its newest order time. */ -}}
SELECT (SELECT count(*) FROM customer_changes) AS pending, (SELECT max(last_order_ts) FROM customer_order_state) AS newest
