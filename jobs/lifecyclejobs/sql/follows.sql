SELECT customer_id, followed_ts, unfollowed_ts, platform AS channel FROM {{table "social_accounts"}}
WHERE customer_id IS NOT NULL AND followed_ts < {{.End}}
