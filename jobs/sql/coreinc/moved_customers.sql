{{- /* Both the customer a moved order leaves and the one it joins have changed. */ -}}
INSERT INTO customer_changes
				SELECT old_customer_id FROM core_moved WHERE old_customer_id IS NOT NULL
				UNION SELECT customer_id FROM core_moved WHERE customer_id IS NOT NULL
