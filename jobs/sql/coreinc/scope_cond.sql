{{- /* The condition on orders o of the orders a return tie touches, for the change log (changedOrdersSQL). */ -}}
EXISTS (SELECT 1 FROM core_scope s
			WHERE s.channel IS NOT DISTINCT FROM o.channel AND s.order_id = o.order_id)
