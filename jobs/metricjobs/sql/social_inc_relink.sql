{{- /* The accounts whose customer is not the one the state counted them under (new accounts included): an account's
customer is that of its social_accounts row when it names one, else the identity assignment of its interactions'
key (the core view social_interactions), as SocialEngagement takes them. */ -}}
CREATE OR REPLACE TEMP TABLE social_r AS
WITH sa AS (
	SELECT coalesce(nullif(platform, ''), 'unknown') AS platform, openid, min(nullif(customer_id, '')) AS customer_id
	FROM {{table "social_accounts"}} WHERE openid IS NOT NULL AND openid <> '' GROUP BY ALL
), ia AS (
	SELECT rec_key, customer_id FROM {{table "identity_assignments"}}
	WHERE rec_table = 'social_interactions' AND customer_id IS NOT NULL AND customer_id <> ''
), now AS (
	SELECT a.platform, a.openid, a.customer_id AS old, coalesce(sa.customer_id, ia.customer_id) AS new
	FROM {{table "social_acct"}} a LEFT JOIN sa ON sa.platform = a.platform AND sa.openid = a.openid LEFT JOIN ia ON ia.rec_key = a.rkey
)
SELECT platform, openid, old, new FROM now WHERE old IS DISTINCT FROM new
