{{- /* orders.sql into the orders table made from OrdersSchema (DuckDB: storage hints). */ -}}
INSERT INTO orders {{.ColumnList}}
{{.Query}}
