{{- /* social_counts plus the changes, keys without interactions left out. */ -}}
CREATE OR REPLACE TEMP TABLE social_nc AS
SELECT month, dimension, key, subkey, CAST(sum(interactions) AS BIGINT) AS interactions, CAST(sum(views) AS BIGINT) AS views,
	CAST(sum(likes) AS BIGINT) AS likes, CAST(sum(comments) AS BIGINT) AS comments, CAST(sum(shares) AS BIGINT) AS shares,
	CAST(sum(clicks) AS BIGINT) AS clicks, CAST(sum(users) AS BIGINT) AS users, CAST(sum(customers) AS BIGINT) AS customers
FROM (SELECT * FROM {{table "social_counts"}} UNION ALL SELECT * FROM social_delta) x
GROUP BY month, dimension, key, subkey HAVING sum(interactions) <> 0
