{{- /* The accounts with interactions the state has not counted yet: those of the loads it has not seen, and when the
as-of day moved forward those of every load from the previous end (.From) on; up to the as-of day (.End) and with an
openid, as the model counts them. An account is (platform, openid) with an empty platform 'unknown'; rkey is the key
by which the core view social_interactions assigns its customer. */ -}}
CREATE OR REPLACE TEMP TABLE social_da AS
SELECT coalesce(nullif(platform, ''), 'unknown') AS platform, openid, min(platform || ':' || openid) AS rkey
FROM {{table "raw_social_interactions"}}
WHERE openid IS NOT NULL AND openid <> '' AND ts < {{.End}}
	AND (_load_id NOT IN (SELECT load_id FROM {{table "social_loads_seen"}}){{if .From}} OR ts >= {{.From}}{{end}})
GROUP BY ALL
