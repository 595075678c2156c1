{{- /* The settings customer_state was built with (the purchase rule's min_amount and the time zone of its days), and its newest purchase day. */ -}}
SELECT m.min_amount, m.zone, (SELECT max(last_day) FROM {{table "customer_state"}}) AS newest
FROM {{table "customer_state_meta"}} m
