{{- /* Fills profit_touched with the customers whose lifetime rows are recomputed (.Customers). */ -}}
INSERT INTO {{table "profit_touched"}} SELECT DISTINCT customer_id FROM ({{.Customers}}) c WHERE customer_id IS NOT NULL
