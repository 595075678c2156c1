{{- /* Orders whose customer changed (or lost its assignment) in stitch: a join of the orders with their assignments, in the buckets where they differ (moved_buckets.sql). */ -}}
CREATE OR REPLACE TEMP TABLE core_moved AS
				SELECT o.channel, o.order_id, o.order_ts, o.customer_id AS old_customer_id, a.customer_id
				FROM (SELECT channel, order_id, order_ts, customer_id FROM orders
					WHERE hash(channel || ':' || order_id) % {{.Buckets}} IN (SELECT bucket FROM core_moved_buckets)) o
				LEFT JOIN (SELECT rec_key, customer_id FROM identity_assignments
					WHERE rec_table = 'order_lines' AND hash(rec_key) % {{.Buckets}} IN (SELECT bucket FROM core_moved_buckets)) a
					ON a.rec_key = o.channel || ':' || o.order_id
				WHERE o.customer_id IS DISTINCT FROM a.customer_id
