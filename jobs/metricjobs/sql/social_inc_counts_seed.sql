{{- /* social_counts from the interaction rows of the mart just written for .Day (the reference computation's):
the same sums, with the period as a month index and empty keys as ''. */ -}}
INSERT INTO {{table "social_counts"}}
SELECT CAST(CAST(substr(period, 1, 4) AS INTEGER) * 12 + CAST(substr(period, 6, 2) AS INTEGER) - 1 AS INTEGER), dimension,
	coalesce(key, ''), coalesce(subkey, ''), interactions, views, likes, comments, shares, clicks, users, customers
FROM {{table "social_engagement"}} WHERE as_of = CAST({{.Day}} AS DATE) AND dimension <> 'followers' AND interactions <> 0
