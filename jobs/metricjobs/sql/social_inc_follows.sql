{{- /* Followers per platform and month: the social_accounts rows with a follow time before .End; the account's
customer is its row's, else that of its interactions (social_acct, as the mart counts them); converted when that
customer made a purchase (an order up to the as-of day, not cancelled, net amount above zero) from the follow time to
.Days days after it. Unfollows count in their month when after the follow and before .End. */ -}}
WITH a AS MATERIALIZED (
	SELECT row_number() OVER () AS rid, coalesce(nullif(s.platform, ''), 'unknown') AS platform, s.followed_ts AS f,
		CASE WHEN s.unfollowed_ts < {{.End}} THEN s.unfollowed_ts END AS u,
		coalesce(nullif(s.customer_id, ''), l.customer_id) AS customer_id
	FROM {{table "social_accounts"}} s
	LEFT JOIN {{table "social_acct"}} l ON l.platform = coalesce(nullif(s.platform, ''), 'unknown') AND l.openid = s.openid
	WHERE s.followed_ts < {{.End}}
), o AS (
	SELECT customer_id, order_ts FROM {{table "orders"}}
	WHERE order_ts < {{.End}} AND ({{.Status}}) IS NULL AND net_amount > 0 AND isfinite(net_amount) AND customer_id <> ''
), conv AS (
	SELECT DISTINCT a.rid FROM a JOIN o ON o.customer_id = a.customer_id
	WHERE o.order_ts >= a.f AND epoch_us(o.order_ts) < epoch_us(a.f) + {{.Days}} * 86400000000
), c AS (
	SELECT a.*, conv.rid IS NOT NULL AS converted FROM a LEFT JOIN conv ON conv.rid = a.rid
)
SELECT CAST(year(timezone({{.Zone}}, f)) * 12 + month(timezone({{.Zone}}, f)) - 1 AS INTEGER) AS month, platform,
	count(*) AS new_followers, count(customer_id) AS linked_new_followers, count(*) FILTER (WHERE converted) AS converted_followers,
	0 AS unfollowed, 0 AS linked_unfollowed
FROM c GROUP BY ALL
UNION ALL
SELECT CAST(year(timezone({{.Zone}}, u)) * 12 + month(timezone({{.Zone}}, u)) - 1 AS INTEGER), platform, 0, 0, 0, count(*), count(customer_id)
FROM c WHERE u IS NOT NULL AND u >= f GROUP BY ALL
