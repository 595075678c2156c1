{{- /* Whether the loads of the touched orders' raw lines can be told without reading them (0) or not: an order exported in several loads (order_versions) or in a return tie (as the return or its original; its row in orders, if any, carries a tied line's load) may have lines in loads that orders does not name. */ -}}
SELECT (SELECT count(*) FROM order_versions r {{template "is_touched" .}})
				+ (SELECT count(*) FROM return_ties x WHERE EXISTS (SELECT 1 FROM core_touched t WHERE t.channel IS NOT DISTINCT FROM x.channel
					AND (t.order_id IS NOT DISTINCT FROM x.order_id OR t.order_id IS NOT DISTINCT FROM x.original_order_id)))
