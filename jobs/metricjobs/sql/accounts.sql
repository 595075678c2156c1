SELECT platform, openid, followed_ts, unfollowed_ts, customer_id FROM {{table "social_accounts"}}
