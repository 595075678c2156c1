{{- /* The change log of core_rows (order_rows.sql) under this core run's sequence number (.Seq): their customers and their order times. */ -}}
INSERT INTO core_changes
				SELECT DISTINCT {{.Seq}}, false, customer_id, NULL FROM core_rows WHERE customer_id IS NOT NULL
				UNION ALL SELECT DISTINCT {{.Seq}}, false, NULL, order_ts FROM core_rows WHERE order_ts IS NOT NULL
