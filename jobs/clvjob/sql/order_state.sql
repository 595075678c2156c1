{{- /*
Each customer's orders (every order of core with a customer, whatever the
purchase rule or the as-of date): how many, their net sales, the time of the
newest and its channel (.LastChannel: the dialect's arg_max of channel by
order_ts; of two orders at the same time, either's, as in the customer tags'
aggregate over the orders). With .Changed only the customers in customer_changes, whose rows
clear_order_state.sql has just deleted.
*/ -}}
INSERT INTO customer_order_state
SELECT customer_id, count(*) AS orders, sum(net_amount) AS net_sales, max(order_ts) AS last_order_ts, {{.LastChannel}} AS last_channel
FROM {{table "orders"}} WHERE customer_id IS NOT NULL
{{- if .Changed}} AND customer_id IN (SELECT customer_id FROM {{table "customer_changes"}}){{end}}
GROUP BY customer_id
