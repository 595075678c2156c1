DELETE FROM order_versions WHERE EXISTS (SELECT 1 FROM core_touched t
				WHERE t.channel IS NOT DISTINCT FROM order_versions.channel AND t.order_id IS NOT DISTINCT FROM order_versions.order_id)
