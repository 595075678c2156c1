{{- /* The follows as of .End: every social_accounts row with a follow time before .End, its account as the model keys
it (an empty platform 'unknown'), its unfollow time as loaded, and its customer: the row's, else that of the account's
interactions (social_acct, brought up to date before). A row without an openid is no account (the model skips it; the
loader quarantines such rows). */ -}}
CREATE OR REPLACE TEMP TABLE social_fn AS
SELECT coalesce(nullif(s.platform, ''), 'unknown') AS platform, s.openid, s.followed_ts AS f, s.unfollowed_ts AS u,
	coalesce(nullif(s.customer_id, ''), l.customer_id) AS customer_id
FROM {{table "social_accounts"}} s
LEFT JOIN {{table "social_acct"}} l ON l.platform = coalesce(nullif(s.platform, ''), 'unknown') AND l.openid = s.openid
WHERE s.followed_ts < {{.End}} AND s.openid IS NOT NULL AND s.openid <> ''
