{{- /* The orders with a line in the delta: new orders and orders exported again. .Loads lists the delta's loads as literals, so the scan skips the row groups of other loads. */ -}}
CREATE OR REPLACE TEMP TABLE core_touched AS SELECT DISTINCT channel, order_id FROM raw_order_lines
			WHERE _load_id IN ({{.Loads}})
