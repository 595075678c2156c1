{{- /* The customers of the touched orders, taken before and after they are aggregated again. */ -}}
INSERT INTO customer_changes SELECT DISTINCT r.customer_id FROM orders r {{template "is_touched" .}} WHERE r.customer_id IS NOT NULL
