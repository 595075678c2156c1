{{- /* The orders exported in several loads with the load kept: the latest loaded (.KeepLoad, the dialect's arg_max). */ -}}
CREATE OR REPLACE TABLE order_versions AS
	WITH lf AS (SELECT load_id, max(loaded_at) AS loaded_at FROM load_files WHERE status = 'loaded' GROUP BY 1),
	multi AS (SELECT channel, order_id FROM orders WHERE _load_id IS NULL)
	SELECT r.channel, r.order_id, {{.KeepLoad}} AS keep_load_id
	FROM raw_order_lines r JOIN multi m ON m.channel = r.channel AND m.order_id = r.order_id
	LEFT JOIN lf ON lf.load_id = r._load_id GROUP BY 1, 2
