{{- /* The buckets (hash of the record key modulo .Buckets) of the social account and ticket records whose assignment changed since the last core run. core_assign_now holds, per rec_table and bucket, the sum of a hash of (record key, customer) over the assignments now (s, which record_assign_now.sql keeps for the next run) and the same sum without the delta's records (s_old; the delta's loads are .Loads, as literals); core_dirty lists the buckets where s_old differs from the sum core_assign_sums kept then. A master row whose record is in a listed bucket is made again (master_keys.sql); the delta's records are made again by their key. */ -}}
CREATE OR REPLACE TEMP TABLE core_assign_now AS
				WITH delta AS (
					SELECT 'social_accounts' AS rec_table, _load_id || ':' || _row AS rec_key FROM raw_social_accounts WHERE _load_id IN ({{.Loads}})
					UNION ALL SELECT 'service_tickets', _load_id || ':' || _row FROM raw_service_tickets WHERE _load_id IN ({{.Loads}})
				)
				SELECT a.rec_table, hash(a.rec_key) % {{.Buckets}} AS bucket, sum(hash(a.rec_key, a.customer_id)::HUGEINT) AS s,
					sum(hash(a.rec_key, a.customer_id)::HUGEINT) FILTER (WHERE d.rec_key IS NULL) AS s_old
				FROM identity_assignments a LEFT JOIN delta d ON d.rec_table = a.rec_table AND d.rec_key = a.rec_key
				WHERE a.rec_table IN ('social_accounts', 'service_tickets') AND a.customer_id IS NOT NULL
				GROUP BY 1, 2;
CREATE OR REPLACE TEMP TABLE core_dirty AS
				SELECT coalesce(n.rec_table, s.rec_table) AS rec_table, coalesce(n.bucket, s.bucket) AS bucket
				FROM (SELECT * FROM core_assign_now WHERE s_old IS NOT NULL) n
				FULL JOIN core_assign_sums s ON s.rec_table = n.rec_table AND s.bucket = n.bucket
				WHERE n.s_old IS DISTINCT FROM s.s
