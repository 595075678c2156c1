{{- /* What master_dirty.sql compares with on the next run: per rec_table and bucket, the sum of a hash of (record key, customer) over the social account and ticket assignments the masters now reflect. */ -}}
CREATE OR REPLACE TABLE core_assign_sums AS
				SELECT rec_table, hash(rec_key) % {{.Buckets}} AS bucket, sum(hash(rec_key, customer_id)::HUGEINT) AS s FROM identity_assignments
				WHERE rec_table IN ('social_accounts', 'service_tickets') AND customer_id IS NOT NULL GROUP BY 1, 2
