CREATE OR REPLACE TABLE order_versions AS
	SELECT channel, order_id, _load_id AS keep_load_id FROM raw_order_lines WHERE 1 = 0
