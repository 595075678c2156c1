{{- /* Interactions up to the as-of day. With .Cut (the start of the earliest aware or interest window of both
dates; see orders.sql) the rows before it with one of the five actions
spelled as the model's canonical names are reduced to each customer's latest second: every rule on interactions looks
at a window that starts at or after .Cut, and the older rows only name the channel of a customer who never bought (the
latest event's). Older rows with any other spelling are all kept, so the model still decides which of them are events. */ -}}
{{- if .Cut -}}
{{- /* social_interactions is a view over a join (core): it is read once. */ -}}
WITH si AS MATERIALIZED (
	SELECT customer_id, ts, action, platform FROM {{table "social_interactions"}} WHERE customer_id IS NOT NULL AND ts < {{.End}}
), old AS (
	SELECT customer_id, epoch_us(max(ts)) - 1000000 AS from_us FROM si
	WHERE ts < {{.Cut}} AND action IN ('view', 'like', 'comment', 'click', 'share')
	GROUP BY customer_id
)
SELECT customer_id, ts, action, platform AS channel FROM si
WHERE ts >= {{.Cut}} OR action NOT IN ('view', 'like', 'comment', 'click', 'share')
UNION ALL
SELECT si.customer_id, si.ts, si.action, si.platform AS channel FROM si JOIN old ON old.customer_id = si.customer_id
WHERE si.ts < {{.Cut}} AND epoch_us(si.ts) > old.from_us AND si.action IN ('view', 'like', 'comment', 'click', 'share')
{{- else -}}
SELECT customer_id, ts, action, platform AS channel FROM {{table "social_interactions"}}
WHERE customer_id IS NOT NULL AND ts < {{.End}}
{{- end}}
