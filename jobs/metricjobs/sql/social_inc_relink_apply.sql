UPDATE {{table "social_acct"}} SET customer_id = r.new FROM social_r r
WHERE {{table "social_acct"}}.platform = r.platform AND {{table "social_acct"}}.openid = r.openid
