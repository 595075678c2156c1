{{- /* The orders of return_scope, dropped from orders to be aggregated again (fold.sql). */ -}}
DELETE FROM orders WHERE EXISTS (SELECT 1 FROM {{table "return_scope"}} s
	WHERE s.channel IS NOT DISTINCT FROM orders.channel AND s.order_id = orders.order_id)
