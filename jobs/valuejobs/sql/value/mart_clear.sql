{{- /* The cohort matrix's rows of the as-of date (one placeholder), removed before the cells are summed again. */ -}}
DELETE FROM cohort_retention WHERE as_of = CAST(? AS DATE)
