{{- /*
Tickets per category opened in the report period [$1, $2) (open ones,
median resolution days, average satisfaction) with the tickets of the
comparison period [$3, $4). .Minutes is the dialect's minutes from
opened_ts to closed_ts, .MedianCurMinutes its median of cur_minutes.
*/ -}}
SELECT category, count(CASE WHEN in_cur THEN 1 END) AS tickets,
	count(CASE WHEN in_cur AND closed_ts IS NULL THEN 1 END) AS open_tickets,
	{{.MedianCurMinutes}} / 1440.0 AS median_resolution_days,
	avg(CASE WHEN in_cur THEN csat END) AS avg_csat, count(CASE WHEN NOT in_cur THEN 1 END) AS tickets_{{.PrevCol}}
FROM (SELECT coalesce(category, 'unknown') AS category, closed_ts, csat,
		opened_ts >= CAST($1 AS TIMESTAMPTZ) AND opened_ts < CAST($2 AS TIMESTAMPTZ) AS in_cur,
		CASE WHEN opened_ts >= CAST($1 AS TIMESTAMPTZ) AND opened_ts < CAST($2 AS TIMESTAMPTZ) THEN {{.Minutes}} END AS cur_minutes
	FROM service_tickets
	WHERE (opened_ts >= CAST($1 AS TIMESTAMPTZ) AND opened_ts < CAST($2 AS TIMESTAMPTZ)) OR (opened_ts >= CAST($3 AS TIMESTAMPTZ) AND opened_ts < CAST($4 AS TIMESTAMPTZ))) t
GROUP BY 1 ORDER BY tickets DESC, 1
