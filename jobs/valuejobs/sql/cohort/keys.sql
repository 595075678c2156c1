{{- /* What the keys of cohort_activity stand for (cohortKeysSchema). */ -}}
SELECT key, cohort_ix, first_channel, region, first_category FROM {{table "cohort_keys"}}
