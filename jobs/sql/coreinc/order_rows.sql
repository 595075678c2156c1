{{- /* The customer, order time and load of the orders listed in temporary table .Table (core_touched or core_scope), in one semi join of orders: the change log and customer_changes take them from core_rows (rows_changes.sql, rows_customers.sql) before and after the orders are aggregated again, and touched_loads.sql the loads of the touched orders before. */ -}}
CREATE OR REPLACE TEMP TABLE core_rows AS SELECT r.customer_id, r.order_ts, r._load_id FROM orders r
				SEMI JOIN {{.Table}} t ON t.channel IS NOT DISTINCT FROM r.channel AND t.order_id IS NOT DISTINCT FROM r.order_id
