{{- /* Appends under .Seq the customers and order times of the orders that match .Where (a condition on the orders row o). */ -}}
INSERT INTO core_changes
	SELECT DISTINCT {{.Seq}}, false, o.customer_id, NULL FROM orders o WHERE o.customer_id IS NOT NULL AND {{.Where}}
	UNION ALL SELECT DISTINCT {{.Seq}}, false, NULL, o.order_ts FROM orders o WHERE o.order_ts IS NOT NULL AND {{.Where}}
