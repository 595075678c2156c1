SELECT customer_id, ts, action, platform AS channel FROM {{table "social_interactions"}}
WHERE customer_id IS NOT NULL AND ts < {{.End}}
