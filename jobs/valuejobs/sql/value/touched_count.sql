SELECT count(*) FROM cohort_touched
