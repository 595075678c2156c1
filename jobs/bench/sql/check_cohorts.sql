{{- /* The cohorts twin against the cohorts mart of the newest as-of date: the active customers of the whole matrix and the revenue. */ -}}
WITH t AS (SELECT sum(active) FILTER (WHERE first_channel IS NULL AND region IS NULL AND first_category IS NULL) AS active,
		sum(revenue) AS revenue FROM bench_twin_cohort),
	m AS (SELECT sum(customers_active) FILTER (WHERE dimension = 'all') AS active, sum(revenue) AS revenue
		FROM cohort_retention WHERE as_of = (SELECT max(as_of) FROM cohort_retention))
	SELECT t.active = m.active AND abs(t.revenue - m.revenue) <= 1e-6 * abs(m.revenue) + 0.01 FROM t, m
