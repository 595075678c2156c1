{{- /* Every cell of the customers in profit_touched: their customer rows are these cells summed
(metrics.ProfitFromCells). */ -}}
SELECT * FROM {{table "profit_cells"}} WHERE customer_id IN (SELECT customer_id FROM {{table "profit_touched"}})
