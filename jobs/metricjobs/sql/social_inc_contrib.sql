{{- /* What the changed keys (social_k) add to social_counts: their sums as the state counted them (old owner, old
class, the interactions already counted) times -1, plus their sums now (new owner, class as of .Day, every interaction
up to .End) times +1, read from the raw interactions of their accounts only. A key's rows per month (total, region,
tier, stages) and per month and category (category, region_category): interactions and actions summed over its
accounts, users its distinct accounts, customers 1 for a linked customer. Months are taken in the business time zone
(.Zone); categories 'unknown' when empty; actions compared lower-cased and trimmed. */ -}}
INSERT INTO social_delta
WITH ka AS (
	SELECT a.platform, a.openid, a.customer_id AS old_c, CASE WHEN r.openid IS NULL THEN a.customer_id ELSE r.new END AS new_c
	FROM {{table "social_acct"}} a LEFT JOIN social_r r ON r.platform = a.platform AND r.openid = a.openid
), kb AS (
	SELECT platform, openid, old_c, new_c, coalesce('c:' || old_c, 'a:' || platform || ':' || openid) AS old_ck,
		coalesce('c:' || new_c, 'a:' || platform || ':' || openid) AS new_ck
	FROM ka
), kc AS (
	SELECT *, old_ck IN (SELECT ck FROM social_k) AS old_in, new_ck IN (SELECT ck FROM social_k) AS new_in FROM kb
), kd AS (
	SELECT row_number() OVER () AS aid, * FROM kc WHERE old_in OR new_in
), xr AS MATERIALIZED (
	SELECT kd.aid, i.platform, i.ts, i.content_category, i.action, i._load_id
	FROM {{table "raw_social_interactions"}} i JOIN kd ON kd.openid = i.openid WHERE i.ts < {{.End}}
), x AS (
	SELECT kd.aid, kd.old_c, kd.new_c, kd.old_ck, kd.new_ck, kd.old_in, kd.new_in,
		CAST(year(timezone({{.Zone}}, xr.ts)) * 12 + month(timezone({{.Zone}}, xr.ts)) - 1 AS INTEGER) AS month,
		coalesce(nullif(xr.content_category, ''), 'unknown') AS category, lower(trim(xr.action)) AS action,
		(xr._load_id NOT IN (SELECT load_id FROM {{table "social_loads_seen"}}){{if .From}} OR xr.ts >= {{.From}}{{end}}) AS fresh
	FROM xr JOIN kd ON kd.aid = xr.aid WHERE kd.platform = coalesce(nullif(xr.platform, ''), 'unknown')
), sides AS (
	SELECT -1 AS sign, old_ck AS ck, old_c AS customer_id, aid, month, category, action FROM x WHERE old_in AND NOT fresh
	UNION ALL
	SELECT 1, new_ck, new_c, aid, month, category, action FROM x WHERE new_in
), per AS MATERIALIZED (
	SELECT sign, ck, customer_id, aid, month, category, count(*) AS n, count(*) FILTER (WHERE action = 'view') AS views,
		count(*) FILTER (WHERE action = 'like') AS likes, count(*) FILTER (WHERE action = 'comment') AS comments,
		count(*) FILTER (WHERE action = 'share') AS shares, count(*) FILTER (WHERE action = 'click') AS clicks
	FROM sides GROUP BY sign, ck, customer_id, aid, month, category
), pm AS (
	SELECT sign, ck, customer_id, aid, month, sum(n) AS n, sum(views) AS views, sum(likes) AS likes, sum(comments) AS comments,
		sum(shares) AS shares, sum(clicks) AS clicks
	FROM per GROUP BY sign, ck, customer_id, aid, month
), s1 AS MATERIALIZED (
	SELECT sign, ck, customer_id, month, sum(n) AS n, sum(views) AS views, sum(likes) AS likes, sum(comments) AS comments,
		sum(shares) AS shares, sum(clicks) AS clicks, count(*) AS users
	FROM pm GROUP BY sign, ck, customer_id, month
), s2 AS MATERIALIZED (
	SELECT sign, ck, customer_id, month, category, sum(n) AS n, sum(views) AS views, sum(likes) AS likes, sum(comments) AS comments,
		sum(shares) AS shares, sum(clicks) AS clicks, count(*) AS users
	FROM per GROUP BY sign, ck, customer_id, month, category
), oc AS MATERIALIZED (
	SELECT * FROM {{table "social_cust"}} WHERE customer_id IN (SELECT customer_id FROM s1 WHERE sign < 0)
), nc AS MATERIALIZED (
	SELECT * FROM social_c WHERE customer_id IN (SELECT customer_id FROM s1 WHERE sign > 0)
), c1 AS MATERIALIZED (
	SELECT s1.*, coalesce(CASE WHEN sign < 0 THEN o.region ELSE n.region END, 'unknown') AS region,
		coalesce(CASE WHEN sign < 0 THEN o.tier ELSE n.tier END, 'unknown') AS tier,
		coalesce(CASE WHEN sign < 0 THEN o.aipl ELSE n.aipl END, 'unknown') AS aipl,
		coalesce(CASE WHEN sign < 0 THEN o.pyr ELSE n.pyr END, 'unknown') AS pyr
	FROM s1 LEFT JOIN oc o ON o.customer_id = s1.customer_id LEFT JOIN nc n ON n.customer_id = s1.customer_id
), c2 AS MATERIALIZED (
	SELECT s2.*, coalesce(CASE WHEN sign < 0 THEN o.region ELSE n.region END, 'unknown') AS region
	FROM s2 LEFT JOIN oc o ON o.customer_id = s2.customer_id LEFT JOIN nc n ON n.customer_id = s2.customer_id
)
SELECT month, dimension, key, subkey, sum(sign * n), sum(sign * views), sum(sign * likes), sum(sign * comments),
	sum(sign * shares), sum(sign * clicks), sum(sign * users), sum(sign * CASE WHEN customer_id IS NULL THEN 0 ELSE 1 END)
FROM (
	SELECT sign, month, 'total' AS dimension, 'all' AS key, '' AS subkey, n, views, likes, comments, shares, clicks, users, customer_id FROM c1
	UNION ALL SELECT sign, month, 'region', region, '', n, views, likes, comments, shares, clicks, users, customer_id FROM c1
	UNION ALL SELECT sign, month, 'rfm_tier', tier, '', n, views, likes, comments, shares, clicks, users, customer_id FROM c1
	UNION ALL SELECT sign, month, 'aipl_stage', aipl, '', n, views, likes, comments, shares, clicks, users, customer_id FROM c1
	UNION ALL SELECT sign, month, 'pyramid_stage', pyr, '', n, views, likes, comments, shares, clicks, users, customer_id FROM c1
	UNION ALL SELECT sign, month, 'category', category, '', n, views, likes, comments, shares, clicks, users, customer_id FROM c2
	UNION ALL SELECT sign, month, 'region_category', region, category, n, views, likes, comments, shares, clicks, users, customer_id FROM c2
) x
GROUP BY month, dimension, key, subkey
