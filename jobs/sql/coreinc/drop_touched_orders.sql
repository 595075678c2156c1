DELETE FROM orders WHERE EXISTS (SELECT 1 FROM core_touched t
				WHERE t.channel IS NOT DISTINCT FROM orders.channel AND t.order_id IS NOT DISTINCT FROM orders.order_id)
