{{- /* Interactions up to the as-of day, reduced as interactions.sql does with .Cut (which this file always has),
from the raw rows where the warehouse has them (ingest made it): the rows before .Cut with one of the five actions
spelled as the model's canonical names are reduced to each account's latest second rather than each customer's (the
latest second of each of a customer's accounts holds the customer's latest second, and the model looks at older rows
only for the channel of the latest event), so the reduction needs no customer; only the rows kept are given their
customer, by the join of the core view social_interactions (jobs/sql/core/master_social_interactions.sql). Joining
every row, as reading the view does, cost more than the rest of the query. r is read three times rather than held:
scanning the raw columns again costs less than holding them (at 1M customers, about 150 MB less at the same time). */ -}}
WITH r AS NOT MATERIALIZED (
	SELECT platform, openid, ts, action FROM {{table "raw_social_interactions"}} WHERE ts < {{.End}}
), old AS (
	SELECT platform, openid, epoch_us(max(ts)) - 1000000 AS from_us FROM r
	WHERE ts < {{.Cut}} AND action IN ('view', 'like', 'comment', 'click', 'share')
	GROUP BY platform, openid
), kept AS (
	SELECT platform, openid, ts, action FROM r
	WHERE ts >= {{.Cut}} OR action NOT IN ('view', 'like', 'comment', 'click', 'share')
	UNION ALL
	SELECT r.platform, r.openid, r.ts, r.action FROM r JOIN old ON old.platform = r.platform AND old.openid = r.openid
	WHERE r.ts < {{.Cut}} AND epoch_us(r.ts) > old.from_us AND r.action IN ('view', 'like', 'comment', 'click', 'share')
)
SELECT a.customer_id, k.ts, k.action, k.platform AS channel FROM kept k
JOIN {{table "identity_assignments"}} a ON a.rec_table = 'social_interactions' AND a.rec_key = k.platform || ':' || k.openid
WHERE a.customer_id IS NOT NULL
