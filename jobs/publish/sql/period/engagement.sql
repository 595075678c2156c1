{{- /*
Social engagement of two months, newest run on or before a day (arguments:
the day, the two months, the region when .Region): the totals, categories
and followers, or with a region its region rows.
*/ -}}
SELECT period, dimension, key, subkey, interactions, users, customers, share, followers, new_followers, converted_followers, conversion_rate
FROM social_engagement WHERE as_of = (SELECT max(as_of) FROM social_engagement WHERE as_of <= CAST(? AS DATE))
	AND period IN (?, ?) AND {{if .Region}}dimension IN ('region', 'region_category') AND key = ?{{else}}dimension IN ('total', 'category', 'followers'){{end}}
ORDER BY period DESC, dimension DESC, interactions DESC NULLS LAST, key, subkey
