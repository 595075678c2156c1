{{- /* The purchases (.Predicate, PurchasePredicate) of stitched customers before the end of the as-of day (the one placeholder), and their customers numbered densely in id order, so models group purchases by a small integer instead of hashing ids. */ -}}
WITH p AS (
	SELECT customer_id, order_ts, CAST(net_amount AS DOUBLE) AS net_amount
	FROM orders WHERE customer_id IS NOT NULL AND {{.Predicate}} AND order_ts < CAST(? AS TIMESTAMPTZ)
), k AS (
	SELECT customer_id, CAST(row_number() OVER (ORDER BY customer_id) - 1 AS INTEGER) AS customer_ix
	FROM (SELECT DISTINCT customer_id FROM p) AS d
)
