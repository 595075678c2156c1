{{- /* The orders with a line in the delta: new orders and orders exported again. */ -}}
CREATE OR REPLACE TEMP TABLE core_touched AS SELECT DISTINCT channel, order_id FROM raw_order_lines
			WHERE _load_id IN (SELECT load_id FROM core_delta)
