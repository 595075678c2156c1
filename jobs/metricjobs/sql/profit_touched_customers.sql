{{- /* The customers whose lifetime rows this run recomputes, as a subquery for the month files' .Customers. */ -}}
SELECT customer_id FROM profit_touched
