DELETE FROM {{table "social_cust"}} WHERE 'c:' || customer_id IN (SELECT ck FROM social_k)
