{{- /* The touched orders, aggregated in core_agg, into orders (.ColumnList: core_agg has the columns of orders in this order),
in order_ts order as the full build writes them (core/insert_orders.sql). */ -}}
INSERT INTO orders {{.ColumnList}} SELECT * FROM core_agg ORDER BY order_ts
