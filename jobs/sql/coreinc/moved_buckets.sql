{{- /* The buckets (hash of the record key modulo .Buckets) where the order assignments of identity_assignments and the customers orders holds differ: per bucket the sum of a hash of (record key, customer) on each side, over the records with a customer. Equal sums mean the same pairs (a collision needs two changes whose 64-bit hashes cancel), so moved_orders.sql compares orders with their assignments in these buckets only: one aggregate of each table instead of a join of every order. An order with no row (a return whose every line is tied) leaves its bucket listed on every run, which costs a look, not a wrong answer. */ -}}
CREATE OR REPLACE TEMP TABLE core_moved_buckets AS
				WITH a AS (SELECT hash(rec_key) % {{.Buckets}} AS bucket, sum(hash(rec_key, customer_id)::HUGEINT) AS s FROM identity_assignments
					WHERE rec_table = 'order_lines' AND customer_id IS NOT NULL GROUP BY 1),
				o AS (SELECT hash(channel || ':' || order_id) % {{.Buckets}} AS bucket, sum(hash(channel || ':' || order_id, customer_id)::HUGEINT) AS s FROM orders
					WHERE customer_id IS NOT NULL GROUP BY 1)
				SELECT coalesce(a.bucket, o.bucket) AS bucket FROM a FULL JOIN o ON o.bucket = a.bucket WHERE a.s IS DISTINCT FROM o.s
