{{- /*
The purchases (.Purchase: jobs.PurchasePredicate) of stitched customers, one
row per order: (customer_ix, order_ts, net_amount), or with .IDs the
numbering (customer_ix, customer_id), customers numbered densely in id
order. Which customers: with .Changed those in customer_changes, with
.Recent those of customer_state who bought on or before .Cut and after it
(a DATE literal), else all. .End, when set, is the first instant after the
as-of day (purchases before it only); .Start, when set, the first instant
of a window of days (purchases from it on).

With .Recent the numbering comes from customer_state alone: each of its
customers has purchases (the state is made of them, and is used only when
it has taken in every change of core), so the numbering needs no pass over
the orders; a customer without one would fail the holdout loudly
(clv.HoldoutFromStates), not be left out.
*/ -}}
WITH p AS (
	SELECT customer_id, order_ts, CAST(net_amount AS DOUBLE) AS net_amount FROM {{table "orders"}}
	WHERE customer_id IS NOT NULL AND {{.Purchase}}
	{{- if .End}} AND order_ts < {{.End}}{{end}}
	{{- if .Start}} AND order_ts >= {{.Start}}{{end}}
	{{- if .Changed}} AND customer_id IN (SELECT customer_id FROM {{table "customer_changes"}}){{end}}
), k AS (
	SELECT customer_id, CAST(row_number() OVER (ORDER BY customer_id) - 1 AS INTEGER) AS customer_ix
	{{- if .Recent}}
	FROM {{table "customer_state"}} WHERE first_day <= {{.Cut}} AND last_day > {{.Cut}}
	{{- else}}
	FROM (SELECT DISTINCT customer_id FROM p) AS d
	{{- end}}
)
{{if .IDs -}}
SELECT customer_ix, customer_id FROM k
{{- else -}}
SELECT k.customer_ix, p.order_ts, p.net_amount FROM p JOIN k ON k.customer_id = p.customer_id
{{- end}}
