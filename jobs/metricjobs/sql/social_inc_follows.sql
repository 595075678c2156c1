{{- /* Followers per platform and month from the kept follows (social_follow): new followers in the month of their
follow, linked to a customer, converted; unfollows in their month when before .End and not before the follow. */ -}}
SELECT CAST(year(timezone({{.Zone}}, f)) * 12 + month(timezone({{.Zone}}, f)) - 1 AS INTEGER) AS month, platform,
	count(*) AS new_followers, count(customer_id) AS linked_new_followers, count(*) FILTER (WHERE converted) AS converted_followers,
	0 AS unfollowed, 0 AS linked_unfollowed
FROM {{table "social_follow"}} GROUP BY ALL
UNION ALL
SELECT CAST(year(timezone({{.Zone}}, u)) * 12 + month(timezone({{.Zone}}, u)) - 1 AS INTEGER), platform, 0, 0, 0, count(*), count(customer_id)
FROM {{table "social_follow"}} WHERE u < {{.End}} AND u >= f GROUP BY ALL
