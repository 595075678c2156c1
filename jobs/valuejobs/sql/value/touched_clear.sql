{{- /* Empties cohort_touched, the job's scratch. */ -}}
DELETE FROM cohort_touched WHERE true
