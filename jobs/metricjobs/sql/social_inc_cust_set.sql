{{- /* The class now of the changed customers that still have accounts. */ -}}
INSERT INTO {{table "social_cust"}}
SELECT c.customer_id, c.region, c.tier, c.aipl, c.pyr FROM social_c c
WHERE 'c:' || c.customer_id IN (SELECT ck FROM social_k)
	AND c.customer_id IN (SELECT customer_id FROM {{table "social_acct"}} WHERE customer_id IS NOT NULL)
