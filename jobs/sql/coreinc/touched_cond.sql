{{- /* The condition on orders o of the touched orders, for the change log (changedOrdersSQL). */ -}}
EXISTS (SELECT 1 FROM core_touched t
			WHERE t.channel IS NOT DISTINCT FROM o.channel AND t.order_id IS NOT DISTINCT FROM o.order_id)
