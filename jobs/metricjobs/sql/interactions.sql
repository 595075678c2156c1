SELECT platform, openid, ts, action, content_category, customer_id FROM {{table "social_interactions"}} WHERE ts < {{.End}}
