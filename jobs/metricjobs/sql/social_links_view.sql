{{- /* The customer of each interacting account up to the as-of day, read from the core view social_interactions
itself: for platform names with a colon, where social_links.sql cannot split the view's key. */ -}}
SELECT DISTINCT platform, openid, customer_id FROM {{table "social_interactions"}} WHERE customer_id IS NOT NULL AND ts < {{.End}}
