{{- /*
Retention of the last 13 cohorts up to the report month, newest run on or
before a day (arguments: the day, the region when .Region, the report month
"2006-01"). The oldest cohort is 12 months before the report month, so
month 12 has a value.
*/ -}}
SELECT cohort_month,
	max(cohort_size) AS cohort_size,
	max(CASE WHEN months_since = 1 THEN retention_pct END) / 100 AS retention_m1, max(CASE WHEN months_since = 2 THEN retention_pct END) / 100 AS retention_m2,
	max(CASE WHEN months_since = 3 THEN retention_pct END) / 100 AS retention_m3, max(CASE WHEN months_since = 6 THEN retention_pct END) / 100 AS retention_m6,
	max(CASE WHEN months_since = 12 THEN retention_pct END) / 100 AS retention_m12
FROM cohort_retention WHERE as_of = (SELECT max(as_of) FROM cohort_retention WHERE as_of <= CAST(? AS DATE))
	AND {{if .Region}}dimension = 'region' AND dimension_value = ?{{else}}dimension = 'all'{{end}} AND cohort_month <= ?
GROUP BY 1 ORDER BY 1 DESC LIMIT 13
