{{- /* rfm.Summaries (see rfmSummariesSQL); .Purchase is jobs.PurchasePredicate. Two placeholders: the window start and
the end of the as-of day. The rows come in no particular order: the scores do not depend on it (rfm.Quintiles) and
the mart is a set; sorting 700k customer ids cost about a quarter of the query at 1M customers. */ -}}
WITH w AS (
	SELECT customer_id, count(*) AS frequency, sum(CAST(net_amount AS DOUBLE)) AS monetary
	FROM orders
	WHERE customer_id IS NOT NULL AND {{.Purchase}}
		AND order_ts >= CAST(? AS TIMESTAMPTZ) AND order_ts < CAST(? AS TIMESTAMPTZ)
	GROUP BY customer_id
)
SELECT s.customer_id, CAST(s.last_day AS DATE) AS last_day, CAST(coalesce(w.frequency, 0) AS BIGINT) AS frequency,
	CAST(coalesce(w.monetary, 0) AS DOUBLE) AS monetary
FROM customer_state s LEFT JOIN w ON w.customer_id = s.customer_id
