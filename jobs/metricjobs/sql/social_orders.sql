{{- /* social_engagement's orders (the columns of orders.sql): it reads them only to tell whether a follower's customer
bought within the conversion window after following. Kept: the orders of a customer linked to a followed account from a
day before its first follow to .Days days after its last (.Days is the window plus a day), a superset of what the model
looks at. An account is (platform, openid) as the model keys it (an empty platform is 'unknown'); its customer is that of
a social_accounts row, or for an account without one, that of an interaction (the model takes one of those; matched on
openid alone, a superset). */ -}}
WITH a AS (
	SELECT CASE WHEN platform IS NULL OR platform = '' THEN 'unknown' ELSE platform END AS plat, coalesce(openid, '') AS oid,
		followed_ts, customer_id
	FROM {{table "social_accounts"}}
), f AS (
	SELECT plat, oid, followed_ts FROM a WHERE followed_ts IS NOT NULL AND followed_ts < {{.End}}
), la AS (
	SELECT DISTINCT plat, oid, customer_id FROM a WHERE customer_id IS NOT NULL
), fn AS (
	SELECT DISTINCT oid FROM f WHERE NOT EXISTS (SELECT 1 FROM la WHERE la.plat = f.plat AND la.oid = f.oid)
), li AS (
	SELECT DISTINCT coalesce(openid, '') AS oid, customer_id FROM {{table "social_interactions"}}
	WHERE customer_id IS NOT NULL AND coalesce(openid, '') IN (SELECT oid FROM fn)
), fc AS (
	SELECT la.customer_id, f.followed_ts FROM f JOIN la ON la.plat = f.plat AND la.oid = f.oid
	UNION ALL
	SELECT li.customer_id, f.followed_ts FROM f JOIN li ON li.oid = f.oid
), w AS (
	SELECT customer_id, epoch_us(min(followed_ts)) - 86400000000 AS lo, epoch_us(max(followed_ts)) + {{.Days}} * 86400000000 AS hi
	FROM fc GROUP BY customer_id
)
SELECT o.channel, o.order_ts, o.customer_id, o.store_id, {{.Status}} AS status, o.net_amount
FROM {{table "orders"}} o JOIN w ON w.customer_id = o.customer_id
WHERE o.order_ts < {{.End}} AND epoch_us(o.order_ts) >= w.lo AND epoch_us(o.order_ts) < w.hi
