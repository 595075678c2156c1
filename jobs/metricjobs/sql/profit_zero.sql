{{- /* The month row of a month without orders (what metrics.Profit writes for it). */ -}}
INSERT INTO {{table .Mart}} (as_of, period, level, orders, customers, units, net_sales, costed_net_sales, cost, profit, margin_rate,
	profit_per_order, profit_per_customer, refunded_orders, refund_amount, missing_cost_lines, missing_cost_orders, missing_cost_net_sales,
	anonymous_orders, anonymous_net_sales)
VALUES (CAST({{.AsOf}} AS DATE), {{.Period}}, 'month', 0, 0, 0, 0, 0, 0, 0, NULL, NULL, NULL, 0, 0, 0, 0, 0, 0, 0)
