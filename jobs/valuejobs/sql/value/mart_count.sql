SELECT count(*) FROM cohort_retention WHERE as_of = CAST(? AS DATE)
