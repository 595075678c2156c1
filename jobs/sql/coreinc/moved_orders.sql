{{- /* Orders whose customer changed (or lost its assignment) in stitch: one join of the orders with their assignments. */ -}}
CREATE OR REPLACE TEMP TABLE core_moved AS
				SELECT o.channel, o.order_id, o.order_ts, o.customer_id AS old_customer_id, a.customer_id FROM orders o
				LEFT JOIN identity_assignments a ON a.rec_table = 'order_lines' AND a.rec_key = o.channel || ':' || o.order_id
				WHERE o.customer_id IS DISTINCT FROM a.customer_id
