{{- /* The per-customer cohort attributes (see cohortCustomersSQL). Data: .Purchase (jobs.PurchasePredicate), .Where
(AND ... narrowing the purchases, or empty), the dialect's per-customer minimum (.First, .FirstCols) and top category
(.FirstCat), .Lines (the order lines source) and .Customers (the region lookup). One placeholder: the end of the
as-of day. first_order and first_ts name the first purchase (the cohorts job keeps them beside its contributions). */ -}}
WITH p AS (
	SELECT customer_id, channel, order_id, order_ts
	FROM orders
	WHERE customer_id IS NOT NULL AND order_ts < CAST(? AS TIMESTAMPTZ) AND {{.Purchase}} {{.Where}}
), f AS (
	SELECT customer_id, {{.FirstCols}}, CAST(row_number() OVER (ORDER BY customer_id) - 1 AS INTEGER) AS customer_ix
	FROM (SELECT customer_id, {{.First}} FROM p GROUP BY customer_id) AS f0
), fc AS (
	SELECT f.customer_ix, {{.FirstCat}} AS first_category
	FROM f
	JOIN ({{.Lines}}) AS l ON l.channel = f.first_channel AND l.order_id = f.first_order
	JOIN products pr ON pr.sku = l.sku
	WHERE pr.category IS NOT NULL AND pr.category <> ''
	GROUP BY f.customer_ix
), c AS ({{.Customers}})
SELECT f.customer_ix, f.customer_id, f.first_channel, c.region, fc.first_category, f.first_order, f.first_ts
FROM f LEFT JOIN fc USING (customer_ix) LEFT JOIN c USING (customer_id)
