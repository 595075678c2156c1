{{- /* The customers of customer_cut_delta without a row yet (after advance_cut.sql: those whose first purchase is in the days the cut passed; or the changed customers, whose rows clear_cut_changed.sql deleted) get one. */ -}}
INSERT INTO customer_cut_state SELECT d.customer_id, d.days, d.last_day FROM customer_cut_delta d
WHERE d.customer_id NOT IN (SELECT customer_id FROM customer_cut_state)
