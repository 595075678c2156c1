{{- /* What customer_state was built with (the purchase rule's min_amount, the zone of its days) and how many changes of core it has not taken in yet. */ -}}
SELECT m.min_amount, m.zone, (SELECT count(*) FROM customer_changes) AS pending FROM customer_state_meta m
