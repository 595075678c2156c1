{{- /* The cohort attributes of the customers in cohort_touched, as cohort_customers.sql gives them, for a nightly:
the first purchase (the shared purchase rule .Purchase, up to the end of the as-of day, the one placeholder), its
channel, the golden-record region (.Regions: the customers table exists) and the top category of the first
purchase's lines. The category is kept from cohort_members when the first purchase is the one it was read from
(same channel, order id and time) and core logged no change to an order at that time after the watermark (.From,
.To: core logs the time of every order it touched, before and after, apart from its customers); the others' first purchases are read from kept_order_lines from the earliest of their
times on (every line of an order is at or after the order's order_ts, the earliest of its lines), which spares a
pass over every line when only new customers have a new first purchase. */ -}}
WITH p AS (
	SELECT customer_id, channel, order_id, order_ts
	FROM {{table "orders"}}
	WHERE customer_id IN (SELECT customer_id FROM {{table "cohort_touched"}}) AND order_ts < CAST(? AS TIMESTAMPTZ) AND {{.Purchase}}
), f AS (
	SELECT customer_id, {{.FirstCols}}, CAST(row_number() OVER (ORDER BY customer_id) - 1 AS INTEGER) AS customer_ix
	FROM (SELECT customer_id, {{.First}} FROM p GROUP BY customer_id) AS f0
), kept AS (
	SELECT f.customer_ix, m.first_category
	FROM f JOIN {{table "cohort_members"}} m ON m.customer_id = f.customer_id
	WHERE m.first_channel IS NOT DISTINCT FROM f.first_channel AND m.first_order = f.first_order AND m.first_us = epoch_us(f.first_ts)
		AND NOT EXISTS (SELECT 1 FROM {{table "core_changes"}} c
			WHERE c.seq > {{.From}} AND c.seq <= {{.To}} AND c.order_ts = f.first_ts)
), need AS (
	SELECT f.customer_ix, f.first_channel, f.first_order, f.first_ts FROM f WHERE f.customer_ix NOT IN (SELECT customer_ix FROM kept)
), fc AS (
	SELECT need.customer_ix, {{.FirstCat}} AS first_category
	FROM need
	JOIN (SELECT channel, order_id, sku, paid_amount - coalesce(refund_amount, 0) AS net_amount FROM {{table "kept_order_lines"}}
		WHERE order_ts >= (SELECT min(first_ts) FROM need)) AS l ON l.channel = need.first_channel AND l.order_id = need.first_order
	JOIN {{table "products"}} pr ON pr.sku = l.sku
	WHERE pr.category IS NOT NULL AND pr.category <> ''
	GROUP BY need.customer_ix
){{if .Regions}}, c AS (
	SELECT customer_id, min(region) AS region FROM {{table "customers"}}
	WHERE customer_id IN (SELECT customer_id FROM {{table "cohort_touched"}}) GROUP BY customer_id
){{end}}
SELECT f.customer_ix, f.customer_id, f.first_channel, {{if .Regions}}c.region{{else}}CAST(NULL AS VARCHAR) AS region{{end}},
	CASE WHEN k.customer_ix IS NOT NULL THEN k.first_category ELSE fc.first_category END AS first_category, f.first_order, f.first_ts
FROM f LEFT JOIN kept k USING (customer_ix) LEFT JOIN fc USING (customer_ix){{if .Regions}} LEFT JOIN c USING (customer_id){{end}}
