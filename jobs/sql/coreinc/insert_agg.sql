{{- /* The touched orders, aggregated in core_agg, into orders (.ColumnList: core_agg has the columns of orders in this order). */ -}}
INSERT INTO orders {{.ColumnList}} SELECT * FROM core_agg
