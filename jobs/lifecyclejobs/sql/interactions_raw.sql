{{- /* Interactions up to the as-of day, reduced as interactions.sql does with .Cut (which this file always has),
from the raw rows where the warehouse has them (ingest made it). The rows before .Cut with one of the five actions
spelled as the model's canonical names are reduced to one row per account rather than per customer: every rule on
interactions looks at a window that starts at or after .Cut, so those rows only name the channel of a customer who
never bought, the latest event's (ties within one second going to the greater channel name), and an account's rows
all carry its platform as the channel, so its latest row stands for all of them; it is given the action 'view',
which counts in no rule that early. The latest rows of a customer's accounts hold the customer's latest event. The
reduction needs no customer; only the rows kept are given their customer, by the join of the core view
social_interactions (jobs/sql/core/master_social_interactions.sql). Joining every row, as reading the view does,
cost more than the rest of the query. r is read three times rather than held: scanning the raw columns again costs
less than holding them (at 1M customers, about 150 MB less at the same time). The rows at or after .Cut and the
older rows with another action are two reads, not one with an OR: each read's time filter is then pushed into the
scan, whose zone maps skip the row groups outside it, where the OR made it decompress every row of the table (at
1M, 0.75 instead of 0.96 s warm, 1.66 instead of 2.11 s cold, the same rows). */ -}}
WITH r AS NOT MATERIALIZED (
	SELECT platform, openid, ts, action FROM {{table "raw_social_interactions"}} WHERE ts < {{.End}}
), kept AS (
	SELECT platform, openid, ts, action FROM r WHERE ts >= {{.Cut}}
	UNION ALL
	SELECT platform, openid, ts, action FROM r
	WHERE ts < {{.Cut}} AND action NOT IN ('view', 'like', 'comment', 'click', 'share')
	UNION ALL
	SELECT platform, openid, max(ts) AS ts, 'view' AS action FROM r
	WHERE ts < {{.Cut}} AND action IN ('view', 'like', 'comment', 'click', 'share')
	GROUP BY platform, openid
)
SELECT a.customer_id, k.ts, k.action, k.platform AS channel FROM kept k
JOIN {{table "identity_assignments"}} a ON a.rec_table = 'social_interactions' AND a.rec_key = k.platform || ':' || k.openid
WHERE a.customer_id IS NOT NULL
