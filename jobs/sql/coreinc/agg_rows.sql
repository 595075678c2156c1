{{- /* core_rows (order_rows.sql) of the touched orders after they are aggregated again: read from core_agg, not from orders. */ -}}
CREATE OR REPLACE TEMP TABLE core_rows AS SELECT customer_id, order_ts, _load_id FROM core_agg
