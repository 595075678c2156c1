{{- /* As orderVersionsSQL and multiOrdersSQL (core.go), for the touched orders exported in several loads: the kept export is the latest loaded (.KeepLoad, the dialect's arg_max of the load id by load time), read from the touched orders' loads (.Loads). */ -}}
INSERT INTO order_versions
				WITH lf AS (SELECT load_id, max(loaded_at) AS loaded_at FROM load_files WHERE status = 'loaded' GROUP BY 1),
				multi AS (SELECT channel, order_id FROM core_agg WHERE _load_id IS NULL)
				SELECT r.channel, r.order_id, {{.KeepLoad}} AS keep_load_id
				FROM raw_order_lines r JOIN multi m ON m.channel = r.channel AND m.order_id = r.order_id
				LEFT JOIN lf ON lf.load_id = r._load_id WHERE r._load_id IN ({{.Loads}}) GROUP BY 1, 2
