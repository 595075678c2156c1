{{- /* The interactions of some loads (.Loads, a SQL list) up to the as-of day, without their customer: the core view
social_interactions is these raw rows with the customer of their account (platform, openid), which social_links.sql
reads once for every account rather than joining it onto every chunk. */ -}}
SELECT platform, openid, ts, action, content_category FROM {{table "raw_social_interactions"}}
WHERE _load_id IN ({{.Loads}}) AND ts < {{.End}}
