{{- /* The change log of the moved orders under this core run's sequence number (.Seq). */ -}}
INSERT INTO core_changes
				SELECT {{.Seq}}, false, old_customer_id, NULL FROM core_moved WHERE old_customer_id IS NOT NULL
				UNION SELECT {{.Seq}}, false, customer_id, NULL FROM core_moved WHERE customer_id IS NOT NULL
				UNION SELECT {{.Seq}}, false, NULL, order_ts FROM core_moved WHERE order_ts IS NOT NULL
