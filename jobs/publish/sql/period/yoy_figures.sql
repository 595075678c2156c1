{{- /*
The order and customer figures of one period [.From, .To), as the period
KPIs define them (definitions.go): net sales, orders, store and e-commerce
net sales over every order of the period; buying customers = distinct known
customers with a purchase in the period, new = those whose
first such order ever is in the period. .Purchase is the shared purchase
rule (jobs.PurchasePredicate) over the columns of orders. .Orders is the orders
(with .Region, with their region: orders_region.sql), restricted to the
region, the query's argument, when .Region is set. first_order is the
warehouse's first order time, which says whether its history covers the
period at all. With .FirstDays the first purchase is customer_state's
first_day (firsts.go), compared with the period's first day .FromDay.
*/ -}}
WITH p AS (SELECT channel, customer_id, net_amount, units, refund_amount, status FROM {{.Orders}}
		WHERE order_ts >= {{.From}} AND order_ts < {{.To}} AND {{template "region" .}}),
	buyers AS (SELECT DISTINCT customer_id FROM p WHERE customer_id IS NOT NULL AND {{.Purchase}}),
	firsts AS (
	{{- if .FirstDays -}}
		SELECT customer_id, first_day FROM {{table "customer_state"}}
	{{- else -}}
		SELECT customer_id, min(order_ts) AS first_ts FROM {{table "orders"}}
		WHERE customer_id IS NOT NULL AND {{.Purchase}} AND order_ts < {{.To}} GROUP BY 1
	{{- end}})
SELECT
	(SELECT sum(net_amount) FROM p) AS net_sales,
	(SELECT count(*) FROM p) AS orders,
	(SELECT sum(CASE WHEN channel = 'pos' THEN net_amount END) FROM p) AS store_sales,
	(SELECT sum(CASE WHEN channel <> 'pos' THEN net_amount END) FROM p) AS online_sales,
	(SELECT count(*) FROM buyers) AS active_customers,
	(SELECT count(*) FROM buyers b JOIN firsts f ON f.customer_id = b.customer_id WHERE {{if .FirstDays}}f.first_day >= CAST({{.FromDay}} AS DATE){{else}}f.first_ts >= {{.From}}{{end}}) AS new_customers,
	(SELECT min(order_ts) FROM {{table "orders"}}) AS first_order
