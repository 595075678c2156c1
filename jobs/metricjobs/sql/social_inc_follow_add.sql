{{- /* Adds the follows not kept, with their conversion: the customer made a purchase (an order up to the as-of day,
not cancelled, net amount above zero) from the follow time to .Days days after it. */ -}}
INSERT INTO {{table "social_follow"}}
WITH n AS MATERIALIZED (
	SELECT row_number() OVER () AS rid, * FROM social_fn n
	WHERE NOT EXISTS (
		SELECT 1 FROM {{table "social_follow"}} k WHERE n.platform = k.platform AND n.openid IS NOT DISTINCT FROM k.openid AND n.f = k.f
			AND n.u IS NOT DISTINCT FROM k.u AND n.customer_id IS NOT DISTINCT FROM k.customer_id
	)
), o AS (
	SELECT customer_id, order_ts FROM {{table "orders"}}
	WHERE order_ts < {{.End}} AND ({{.Status}}) IS NULL AND net_amount > 0 AND isfinite(net_amount) AND customer_id <> ''
		AND customer_id IN (SELECT customer_id FROM n)
), conv AS (
	SELECT DISTINCT n.rid FROM n JOIN o ON o.customer_id = n.customer_id
	WHERE o.order_ts >= n.f AND epoch_us(o.order_ts) < epoch_us(n.f) + {{.Days}} * 86400000000
)
SELECT n.platform, n.openid, n.f, n.u, n.customer_id, conv.rid IS NOT NULL FROM n LEFT JOIN conv ON conv.rid = n.rid
