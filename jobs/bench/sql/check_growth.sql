{{- /* The growth twin against the growth mart of the newest as-of date: new, reactivated, churned customers and buyers. */ -}}
WITH t AS (SELECT sum(new_customers) AS nc, sum(reactivated) AS re, sum(churned) AS ch, sum(buyers) AS b
		FROM bench_twin_growth WHERE first_channel IS NULL AND region IS NULL),
	m AS (SELECT sum(new_customers) AS nc, sum(reactivated_customers) AS re, sum(churned_customers) AS ch, sum(buyers) AS b
		FROM growth WHERE as_of = (SELECT max(as_of) FROM growth) AND dimension = 'total')
	SELECT t.nc = m.nc AND t.re = m.re AND t.ch = m.ch AND t.b = m.b FROM t, m
