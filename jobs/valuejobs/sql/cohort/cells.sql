{{- /* The cohort matrix for the as-of date from the per-customer contributions, as cohort.Compute makes it from the
purchases: per dimension value, every cohort month with a customer (cohort_size) and every months_since from 0 to
the as-of month (.AsOfIx, year*12 + month - 1); customers_active and revenue from cohort_activity (0 where none);
retention_pct = 100 * active / size; cum_revenue_per_customer the revenue of months 0..k over the size. Null or
empty values are 'unknown'. cohort_activity carries each member's cohort month and attributes as a key (cohort_keys),
so both tables are summed on their own per combination of attributes, then per dimension. */ -}}
INSERT INTO {{table .Mart}} (as_of, dimension, dimension_value, cohort_month, months_since, cohort_size, customers_active,
	retention_pct, revenue, cum_revenue_per_customer)
WITH m AS (
	SELECT cohort_ix, coalesce(nullif(first_channel, ''), 'unknown') AS first_channel,
		coalesce(nullif(region, ''), 'unknown') AS region, coalesce(nullif(first_category, ''), 'unknown') AS first_category, count(*) AS n
	FROM {{table "cohort_members"}} GROUP BY ALL
), act AS (
	SELECT ck.cohort_ix, coalesce(nullif(ck.first_channel, ''), 'unknown') AS first_channel,
		coalesce(nullif(ck.region, ''), 'unknown') AS region, coalesce(nullif(ck.first_category, ''), 'unknown') AS first_category,
		a.month_ix - ck.cohort_ix AS k, sum(a.active) AS active, sum(a.revenue) AS revenue
	FROM (SELECT key, month_ix, count(*) AS active, sum(revenue) AS revenue FROM {{table "cohort_activity"}} GROUP BY key, month_ix) a
	JOIN {{table "cohort_keys"}} ck ON ck.key = a.key
	GROUP BY ALL
), s AS (
	SELECT 'all' AS dimension, 'all' AS dimension_value, cohort_ix, sum(n) AS n FROM m GROUP BY cohort_ix
	UNION ALL SELECT 'first_channel', first_channel, cohort_ix, sum(n) FROM m GROUP BY first_channel, cohort_ix
	UNION ALL SELECT 'region', region, cohort_ix, sum(n) FROM m GROUP BY region, cohort_ix
	UNION ALL SELECT 'first_category', first_category, cohort_ix, sum(n) FROM m GROUP BY first_category, cohort_ix
), a AS (
	SELECT 'all' AS dimension, 'all' AS dimension_value, cohort_ix, k, sum(active) AS active, sum(revenue) AS revenue FROM act GROUP BY cohort_ix, k
	UNION ALL SELECT 'first_channel', first_channel, cohort_ix, k, sum(active), sum(revenue) FROM act GROUP BY first_channel, cohort_ix, k
	UNION ALL SELECT 'region', region, cohort_ix, k, sum(active), sum(revenue) FROM act GROUP BY region, cohort_ix, k
	UNION ALL SELECT 'first_category', first_category, cohort_ix, k, sum(active), sum(revenue) FROM act GROUP BY first_category, cohort_ix, k
), cells AS (
	SELECT s.dimension, s.dimension_value, s.cohort_ix, s.n, CAST(k.range AS INTEGER) AS k
	FROM s, range(0, {{.AsOfIx}} - s.cohort_ix + 1) k
)
SELECT CAST({{.AsOf}} AS DATE), c.dimension, c.dimension_value,
	lpad(CAST(c.cohort_ix // 12 AS VARCHAR), 4, '0') || '-' || lpad(CAST(c.cohort_ix % 12 + 1 AS VARCHAR), 2, '0'),
	c.k, c.n, coalesce(a.active, 0),
	CAST(100 AS DOUBLE) * CAST(coalesce(a.active, 0) AS DOUBLE) / CAST(c.n AS DOUBLE),
	coalesce(a.revenue, CAST(0 AS DOUBLE)),
	sum(coalesce(a.revenue, CAST(0 AS DOUBLE))) OVER (PARTITION BY c.dimension, c.dimension_value, c.cohort_ix ORDER BY c.k
		ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) / CAST(c.n AS DOUBLE)
FROM cells c LEFT JOIN a ON a.dimension = c.dimension AND a.dimension_value = c.dimension_value AND a.cohort_ix = c.cohort_ix AND a.k = c.k
