{{- /* Adds the accounts with new interactions that the state does not know yet, without a customer: the relink
step sees them as changed. */ -}}
INSERT INTO {{table "social_acct"}} (platform, openid, rkey, customer_id)
SELECT platform, openid, rkey, CAST(NULL AS VARCHAR) FROM social_da d
WHERE NOT EXISTS (SELECT 1 FROM {{table "social_acct"}} a WHERE a.platform = d.platform AND a.openid = d.openid)
