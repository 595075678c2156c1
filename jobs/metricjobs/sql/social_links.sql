{{- /* The customer of each social account with interactions, as the core view social_interactions gives it: its
identity assignment under the key platform:openid (jobs/sql/core/master_social_interactions.sql), split at the first
colon; the job reads this only when no platform name has a colon, so the split is the view's key. Read whole, it is far
cheaper than the view joined onto every interaction. */ -}}
SELECT substr(rec_key, 1, strpos(rec_key, ':') - 1) AS platform, substr(rec_key, strpos(rec_key, ':') + 1) AS openid, customer_id
FROM {{table "identity_assignments"}} WHERE rec_table = 'social_interactions' AND strpos(rec_key, ':') > 0 AND customer_id IS NOT NULL
