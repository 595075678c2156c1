UPDATE orders SET customer_id = n.customer_id FROM core_moved n
			WHERE orders.channel = n.channel AND orders.order_id = n.order_id
