{{- /* orders.sql into the orders table made from OrdersSchema (DuckDB: storage hints), in order_ts
order: the period queries (publish's order facts and year-earlier figures, the as-of windows of the
models) read a window of order_ts, and on rows stored in time order the scan's zone maps skip the row
groups outside it instead of reading every order (incremental core appends the new orders in the same
order, so the table stays clustered). */ -}}
INSERT INTO orders {{.ColumnList}}
{{.Query}}
ORDER BY order_ts
