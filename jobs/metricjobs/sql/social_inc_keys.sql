{{- /* The contribution keys whose sums change: a linked customer is 'c:' and its id, an account without a customer
'a:' and its platform:openid. Changed are the customers whose region, tier or stages changed (or who are new), both
sides of every account that moved, and the owners of the accounts with new interactions. */ -}}
CREATE OR REPLACE TEMP TABLE social_k AS
SELECT 'c:' || n.customer_id AS ck FROM social_c n LEFT JOIN {{table "social_cust"}} o ON o.customer_id = n.customer_id
WHERE o.customer_id IS NULL OR o.region <> n.region OR o.tier <> n.tier OR o.aipl <> n.aipl OR o.pyr <> n.pyr
UNION SELECT coalesce('c:' || old, 'a:' || platform || ':' || openid) FROM social_r
UNION SELECT coalesce('c:' || new, 'a:' || platform || ':' || openid) FROM social_r
UNION SELECT coalesce('c:' || a.customer_id, 'a:' || a.platform || ':' || a.openid)
FROM {{table "social_acct"}} a JOIN social_da d ON d.platform = a.platform AND d.openid = a.openid
