{{- /* The total row of a month without orders (what metrics.Sales writes for it). */ -}}
INSERT INTO {{table .Mart}} (as_of, period, dimension, key, label, units, net_sales, costed_net_sales, cost, gross_margin, margin_rate,
	orders, customers, avg_order_value, refunded_orders, refund_amount, missing_cost_lines, anonymous_orders)
VALUES (CAST({{.AsOf}} AS DATE), {{.Period}}, 'total', 'all', 'all', 0, 0, 0, 0, 0, NULL, 0, 0, NULL, 0, 0, 0, 0)
